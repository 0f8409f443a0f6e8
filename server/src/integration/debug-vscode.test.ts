// Issue 27: the VS Code configuration a debug run answers with works as VS Code would use it. The
// Swift image's lldb-dap (what the Swift extension runs) gets the answer's lldb-dap configuration
// as an attach request, a breakpoint at a line of main.swift, and continues: it stops there, reads
// a local, and the program runs to its end with its output in the run's log. And a waiting debug
// run keeps its debugger port across a restart of the emulator.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConsoleRun, DebugRunResponse, LogChunk, Project } from '../contract/types.js';
import { execTracked, killChild, killTrackedChildren, trackChild } from '../testing/children.js';
import { DapClient } from '../testing/dap-client.js';
import { PACKAGES, startTestServer, TEST_IMAGE, waitFor, type TestServer } from '../testing/harness.js';

const MINUTE = 60_000;
const HELLO_MAIN = `${PACKAGES.hello}/Sources/hello/main.swift`;

describe("the answer's VS Code configuration in lldb-dap; a restart", { timeout: 15 * MINUTE }, () => {
  let t: TestServer;
  let hello: Project;

  before(async () => {
    t = await startTestServer();
    hello = await t.api.createProject(PACKAGES.hello, 'hello', { runTimeoutSeconds: 120, buildConfiguration: 'debug' });
    const c = await t.api.build(hello.id, 8 * MINUTE);
    assert.equal(c.state, 'succeeded', c.errorSummary ?? '');
  });
  after(async () => {
    await killTrackedChildren();
    await t?.dispose();
  });

  test('attaches, stops at the breakpoint, reads a local, and the run succeeds', { timeout: 3 * MINUTE }, async () => {
    const res = await t.api.console<DebugRunResponse>('POST', `/projects/${hello.id}/debug`, {
      mode: 'oneShot',
      arguments: ['one'],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const { run, debug } = res.body;
    const config = debug.vscode.configurations.find((c) => c.type === 'swift')!;
    const { type: _type, request: _request, name: _name, ...attach } = config;
    const dapProcess = trackChild(
      spawn(
        'docker',
        [
          ...['run', '--rm', '-i', '--network', 'host'],
          ...[
            '-v',
            `${dirname(debug.binaryFile)}:${dirname(debug.binaryFile)}:ro`,
            '-v',
            `${PACKAGES.hello}:${PACKAGES.hello}:ro`,
          ],
          ...[TEST_IMAGE, '/usr/libexec/swift/bin/lldb-dap'],
        ],
        { stdio: ['pipe', 'pipe', 'ignore'] },
      ),
    );
    after(() => killChild(dapProcess));
    const dap = new DapClient(dapProcess);
    const trail = () =>
      JSON.stringify(dap.received.map((m) => m.event ?? `${m.command} ${m.success} ${m.message ?? ''}`));

    assert.equal(
      (await dap.request('initialize', { adapterID: 'lldb-dap', linesStartAt1: true, pathFormat: 'path' })).success,
      true,
    );
    const attached = await dap.request('attach', attach);
    assert.equal(attached.success, true, `${attached.message} ${trail()}`);
    // the loop over the arguments: `index` and `argument` are set on this line
    const line = 20;
    const set = await dap.request('setBreakpoints', { source: { path: HELLO_MAIN }, breakpoints: [{ line }] });
    assert.equal(set.body.breakpoints[0].verified, true, JSON.stringify(set.body));
    const stopped = dap.next((m) => m.event === 'stopped' && m.body.reason === 'breakpoint');
    await dap.request('configurationDone', {});
    const { body } = await stopped;
    const trace = await dap.request('stackTrace', { threadId: body.threadId });
    assert.equal(trace.body.stackFrames[0].line, line, trail());
    const scopes = await dap.request('scopes', { frameId: trace.body.stackFrames[0].id });
    const locals = await dap.request('variables', { variablesReference: scopes.body.scopes[0].variablesReference });
    const argument = locals.body.variables.find((v: { name: string }) => v.name === 'argument');
    assert.equal(argument?.value, '"one"', JSON.stringify(locals.body.variables));

    await dap.request('setBreakpoints', { source: { path: HELLO_MAIN }, breakpoints: [] });
    const exited = dap.next((m) => m.event === 'exited');
    await dap.request('continue', { threadId: body.threadId });
    assert.equal((await exited).body.exitCode, 0);
    await dap.request('disconnect', {});

    const done = await waitFor(
      async () => {
        const r = (await t.api.console<{ run: ConsoleRun }>('GET', `/runs/${run.uuid}`)).body.run;
        return r.state === 'running' || r.state === 'queued' ? undefined : r;
      },
      MINUTE,
      'the run to end',
      200,
    );
    assert.equal(done.state, 'succeeded', done.errorSummary ?? '');
    const logs = await t.api.request<{ logs: LogChunk[] }>('GET', `/lambdas/${hello.id}/runs/${run.uuid}/logs`, {
      headers: { authorization: `Bearer ${t.api.consoleToken}` },
    });
    const text = logs.body.logs.map((c) => c.data).join('');
    assert.match(text, /Hello from SwiftLambda!\n/);
    assert.match(text, / {2}\[0\] one\nbye\n/);
  });
  test(
    'after a restart, a waiting debug run gets its port back and the debugger attaches',
    { timeout: 3 * MINUTE },
    async () => {
      const res = await t.api.console<DebugRunResponse>('POST', `/projects/${hello.id}/debug`, {
        mode: 'oneShot',
        arguments: ['two'],
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const { run, debug } = res.body;
      const consoleRun = async (server: TestServer) =>
        (await server.api.console<{ run: ConsoleRun }>('GET', `/runs/${run.uuid}`)).body.run;
      await waitFor(async () => ((await consoleRun(t)).state === 'running' ? true : undefined), MINUTE, 'running', 200);
      await t.stop({ stopRuns: false });
      t = await startTestServer({ dataDir: t.dataDir });
      const again = await t.api.console<DebugRunResponse>('GET', `/runs/${run.uuid}/debug`);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.body.debug.port, debug.port);
      assert.equal(again.body.run.debug?.state, 'waiting');

      const lldb = await execTracked(
        'docker',
        [
          ...['run', '--rm', '--network', 'host', '-v', `${dirname(debug.binaryFile)}:${dirname(debug.binaryFile)}:ro`],
          ...[TEST_IMAGE, '/usr/libexec/swift/bin/lldb', '--batch'],
          ...['-o', 'platform select remote-linux', '-o', `target create ${debug.binaryFile}`],
          ...['-o', 'breakpoint set --file main.swift --line 20', '-o', `gdb-remote 127.0.0.1:${debug.port}`],
          ...['-o', 'process handle SIGSTOP -s false -n false -p false', '-o', 'continue'],
          ...['-o', 'frame variable argument', '-o', 'breakpoint delete --force', '-o', 'continue'],
        ],
        2 * MINUTE,
      );
      assert.match(lldb.stdout, /\(String\) argument = "two"/, lldb.stdout + lldb.stderr);
      const done = await waitFor(
        async () => {
          const r = await consoleRun(t);
          return r.state === 'running' || r.state === 'queued' ? undefined : r;
        },
        MINUTE,
        'the run to end',
        200,
      );
      assert.equal(done.state, 'succeeded', done.errorSummary ?? '');
    },
  );
});
