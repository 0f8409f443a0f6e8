// Issue 27: debugging a run with LLDB. The image's own lldb, in a container on the host network
// (it reaches the 127.0.0.1 port as a debugger on this machine would), attaches to a debug run,
// stops at a line of a one-shot, reads a variable and continues; the run succeeds with its whole
// output in its log. The debug container gets SYS_PTRACE and nothing else; a normal run of the
// same build gets nothing. `swiftlambda debug` prints the gdb-remote line, and Ctrl-C stops the run.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { ConsoleRun, DebugRunResponse, LogChunk, Project, Run } from '../contract/types.js';
import { execTracked, killChild, killTrackedChildren, trackChild } from '../testing/children.js';
import { inspectRunContainerRaw } from '../testing/docker.js';
import {
  makeDataDir,
  PACKAGES,
  SERVER_PROCESS_TOKEN,
  startServerProcess,
  TEST_IMAGE,
  waitFor,
  type ApiClient,
} from '../testing/harness.js';

const CLI = fileURLToPath(new URL('../cli/swiftlambda.js', import.meta.url));
const MINUTE = 60_000;
const BUILD_MS = 8 * MINUTE;

/** Line 8 is where the test stops: `index` and `label` are set there. */
const MAIN_SWIFT = `// A one-shot for the debugger test: the line numbers below matter.
import Glibc
let words = CommandLine.arguments.dropFirst()
print("start \\(words.count)")
var total = 0
for (index, word) in words.enumerated() {
    let label = "\\(index):\\(word)"; total += word.count
    print("word \\(label) total \\(total)")
}
if words.first == "wait" { sleep(60) }
print("done \\(total)")
`;

/** The image's lldb on the host network, fed commands one at a time (it reads them from stdin). */
function lldbSession(mounts: string[]) {
  const child = trackChild(
    spawn(
      'docker',
      [
        'run',
        '--rm',
        '-i',
        '--network',
        'host',
        ...mounts.flatMap((m) => ['-v', `${m}:${m}:ro`]),
        TEST_IMAGE,
        '/usr/libexec/swift/bin/lldb',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    ),
  );
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  return {
    send: (command: string) => child.stdin!.write(`${command}\n`),
    /** waits for `pattern` in what lldb printed after `from` (an offset into its output) */
    expect: (pattern: RegExp, from = 0, ms = MINUTE) =>
      waitFor(
        async () => (pattern.test(text.slice(from)) ? true : undefined),
        ms,
        `lldb to print ${pattern}`,
        100,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${text}`);
      }),
    get length() {
      return text.length;
    },
    child,
  };
}

describe('debugging a run with LLDB', { timeout: 30 * MINUTE }, () => {
  let dataDir = '';
  let sourceDir = '';
  let server: ChildProcess | undefined;
  let api: ApiClient;
  let project: Project;
  const owner = <T>(method: string, path: string, body?: unknown) =>
    api.request<T>(method, path, { body, headers: { authorization: `Bearer ${SERVER_PROCESS_TOKEN}` } });
  const consoleRun = async (runId: string) =>
    (await api.console<{ run: ConsoleRun }>('GET', `/runs/${runId}`)).body.run;
  const waitForState = (runId: string, states: string[], ms = MINUTE) =>
    waitFor(
      async () => {
        const run = await consoleRun(runId);
        return states.includes(run.state) ? run : undefined;
      },
      ms,
      `run ${runId} to be ${states.join(' or ')}`,
      200,
    );
  const output = async (runId: string) => {
    const res = await owner<{ logs: LogChunk[] }>('GET', `/lambdas/${project.id}/runs/${runId}/logs?limit=500`);
    return res.body.logs;
  };

  before(async () => {
    dataDir = await makeDataDir();
    sourceDir = await mkdtemp(join(tmpdir(), 'swiftlambda-debug-src-'));
    await mkdir(join(sourceDir, 'Sources', 'words'), { recursive: true });
    await writeFile(
      join(sourceDir, 'Package.swift'),
      '// swift-tools-version:5.9\nimport PackageDescription\nlet package = Package(name: "words", targets: [.executableTarget(name: "words")])\n',
    );
    await writeFile(join(sourceDir, 'Sources', 'words', 'main.swift'), MAIN_SWIFT);
    ({ child: server, api } = await startServerProcess(dataDir));
    const created = await api.console<{ project: Project }>('POST', '/projects', {
      name: 'words',
      sourcePath: sourceDir,
      targetName: 'words',
      runTimeoutSeconds: 300,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    project = created.body.project;
    // a stopped program gets 2 s between SIGTERM and the kill
    assert.equal((await api.console('PATCH', `/projects/${project.id}`, { stopGraceSeconds: 2 })).status, 200);
  });
  after(async () => {
    if (server) await killChild(server, 'SIGTERM');
    await killTrackedChildren();
    await rm(dataDir, { recursive: true, force: true });
    await rm(sourceDir, { recursive: true, force: true });
  });

  test('a release build is refused with debug_build_required', { timeout: BUILD_MS }, async () => {
    assert.equal((await api.build(project.id, BUILD_MS)).state, 'succeeded');
    const res = await api.console('POST', `/projects/${project.id}/debug`, { mode: 'oneShot' });
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.reason, 'debug_build_required');
    // bad input is a 4xx with its reason, before anything else
    const refused = async (path: string, body: unknown) => {
      const r = await api.console('POST', path, body);
      return `${r.status} ${r.body.reason}`;
    };
    const debugPath = `/projects/${project.id}/debug`;
    assert.equal(await refused(debugPath, { mode: 'oneShot', runTimeoutSeconds: 0 }), '400 invalid_run_timeout');
    assert.equal(await refused(debugPath, { mode: 'later' }), '400 invalid_mode');
    assert.equal(await refused(debugPath, { mode: 'oneShot', arguments: [1] }), '400 invalid_arguments');
    assert.equal(await refused('/projects/nope/debug', { mode: 'oneShot' }), '404 project_not_found');
    assert.equal((await api.console('GET', '/runs/nope/debug')).status, 404);
  });

  test(
    'swiftlambda debug builds debug, prints the gdb-remote line, and Ctrl-C stops the run',
    { timeout: BUILD_MS + 2 * MINUTE },
    async () => {
      const child = trackChild(
        spawn(process.execPath, [CLI, '--data-dir', dataDir, 'debug', project.id, '--', 'alpha'], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      let text = '';
      child.stdout!.on('data', (d) => (text += d));
      child.stderr!.on('data', (d) => (text += d));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const port = await waitFor(
        async () => /gdb-remote 127\.0\.0\.1:(\d+)/.exec(text)?.[1],
        BUILD_MS,
        'the gdb-remote line',
        200,
      );
      assert.match(text, /platform select remote-linux/);
      assert.match(text, /"processCreateCommands"/, 'the CodeLLDB configuration');
      const runId = /debug run ([0-9a-f-]{36})/.exec(text)![1]!;
      const waiting = await waitForState(runId, ['running']);
      assert.deepEqual(waiting.debug, { port: Number(port), state: 'waiting' });
      child.kill('SIGINT');
      assert.equal(await exited, 130, text);
      const run = await consoleRun(runId);
      assert.equal(run.state, 'stopped');
      const project2 = (await api.console<{ project: Project }>('GET', `/projects/${project.id}`)).body.project;
      assert.equal(project2.buildConfiguration, 'debug');
    },
  );

  test(
    "the image's lldb stops at main.swift:8, reads a variable, continues; the run succeeds with all its output",
    { timeout: 5 * MINUTE },
    async () => {
      // the change stream, read meanwhile: the debugger's arrival shows there
      const events = new AbortController();
      let stream = '';
      const reading = fetch(`${api.baseUrl}/console/api/events`, {
        headers: { authorization: `Bearer ${SERVER_PROCESS_TOKEN}` },
        signal: events.signal,
      })
        .then(async (r) => {
          for await (const piece of r.body!) stream += Buffer.from(piece).toString();
        })
        .catch(() => undefined);
      after(() => events.abort());
      const res = await api.console<DebugRunResponse>('POST', `/projects/${project.id}/debug`, {
        mode: 'oneShot',
        arguments: ['alpha', 'be'],
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const { run, debug } = res.body;
      assert.equal(run.debug?.state, 'waiting');
      assert.match(debug.lldb, new RegExp(`gdb-remote 127\\.0\\.0\\.1:${debug.port}`));
      assert.ok(debug.binaryFile.startsWith(dataDir), debug.binaryFile);

      // only SYS_PTRACE comes back; the rest is any run's lockdown (Docker's default seccomp profile included)
      await waitForState(run.uuid, ['running']);
      const info = (await inspectRunContainerRaw(run.uuid))!;
      assert.deepEqual(info.HostConfig.CapAdd, ['SYS_PTRACE']);
      assert.deepEqual(info.HostConfig.CapDrop, ['ALL']);
      assert.deepEqual(info.HostConfig.SecurityOpt, ['no-new-privileges']);
      assert.equal(info.HostConfig.Privileged, false);
      for (const bindings of Object.values(info.HostConfig.PortBindings ?? {}))
        for (const b of bindings as Array<{ HostIp: string }>) assert.equal(b.HostIp, '127.0.0.1');

      const lldb = await execTracked(
        'docker',
        [
          'run',
          '--rm',
          '--network',
          'host',
          '-v',
          `${dirname(debug.binaryFile)}:${dirname(debug.binaryFile)}:ro`,
          '-v',
          `${sourceDir}:${sourceDir}:ro`,
          TEST_IMAGE,
          '/usr/libexec/swift/bin/lldb',
          '--batch',
          '-o',
          'platform select remote-linux',
          '-o',
          `target create ${debug.binaryFile}`,
          '-o',
          'breakpoint set --file main.swift --line 8',
          '-o',
          `gdb-remote 127.0.0.1:${debug.port}`,
          '-o',
          'process handle SIGSTOP -s false -n false -p false',
          '-o',
          'continue',
          '-o',
          'frame variable index label',
          '-o',
          'breakpoint delete --force',
          '-o',
          'continue',
        ],
        3 * MINUTE,
      );
      assert.match(lldb.stdout, /stop reason = breakpoint 1\.1/, lldb.stdout + lldb.stderr);
      assert.match(lldb.stdout, /main\.swift:8/);
      assert.match(lldb.stdout, /\(String\) label = "0:alpha"/);
      assert.match(lldb.stdout, /\(Int\) index = 0/);
      assert.match(lldb.stdout, /exited with status = 0/);

      const done = await waitForState(run.uuid, ['succeeded', 'failed', 'stopped', 'timedOut']);
      assert.equal(done.state, 'succeeded', done.errorSummary ?? '');
      await waitFor(
        async () => ((await consoleRun(run.uuid)).debug?.state === 'detached' ? true : undefined),
        10_000,
        'detached',
      );
      const states = stream
        .split('\n')
        .filter((l) => l.startsWith('data: ') && l.includes(run.uuid))
        .map((l) => (JSON.parse(l.slice(6)) as ConsoleRun).debug?.state);
      assert.deepEqual([...new Set(states)], ['waiting', 'attached', 'detached'], stream);
      events.abort();
      await reading;
      const logs = await output(run.uuid);
      assert.equal(
        logs
          .filter((c) => c.stream !== 'system')
          .map((c) => c.data)
          .join(''),
        'start 2\nword 0:alpha total 5\nword 1:be total 7\ndone 7\n',
      );
    },
  );

  test('a normal run of the same build gets no capability back', { timeout: 2 * MINUTE }, async () => {
    const res = await owner<{ run: Run }>('POST', `/lambdas/${project.id}/runs`, {
      mode: 'oneShot',
      arguments: ['wait'],
    });
    assert.equal(res.status, 201);
    const runId = res.body.run.uuid;
    await waitForState(runId, ['running']);
    const info = (await inspectRunContainerRaw(runId))!;
    assert.equal(info.HostConfig.CapAdd ?? null, null);
    assert.deepEqual(info.HostConfig.CapDrop, ['ALL']);
    assert.equal((await consoleRun(runId)).debug, null);
    await owner('POST', `/lambdas/${project.id}/runs/${runId}/stop`);
  });
  test(
    'a service: a request waits at a breakpoint, then the instance and dev URLs answer as usual',
    { timeout: BUILD_MS + 3 * MINUTE },
    async () => {
      const created = await api.console<{ project: Project }>('POST', '/projects', {
        name: 'echo',
        sourcePath: PACKAGES.echo,
        targetName: 'echo-service',
        runTimeoutSeconds: 300,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const echo = created.body.project;
      assert.equal(
        (await api.console('PATCH', `/projects/${echo.id}`, { buildConfiguration: 'debug', stopGraceSeconds: 2 }))
          .status,
        200,
      );
      assert.equal((await api.build(echo.id, BUILD_MS)).state, 'succeeded');
      const key = await api.createKey({ name: 'debug-test' });
      const res = await api.console<DebugRunResponse>('POST', `/projects/${echo.id}/debug`, { mode: 'service' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const { run, debug } = res.body;
      const get = (path: string) => api.public<string>('GET', path, key);

      const lldb = lldbSession([dirname(debug.binaryFile), PACKAGES.echo]);
      lldb.send('platform select remote-linux');
      lldb.send(`target create ${debug.binaryFile}`);
      // the /hello branch of the request handler
      lldb.send('breakpoint set --file main.swift --line 160');
      lldb.send(`gdb-remote 127.0.0.1:${debug.port}`);
      lldb.send('process handle SIGSTOP -s false -n false -p false');
      lldb.send('continue');
      await lldb.expect(/Process \d+ resuming/);
      await waitFor(
        async () => ((await get(`/instances/${run.uuid}/api/status/204`)).status === 204 ? true : undefined),
        MINUTE,
        'the service to listen',
        200,
      );

      const mark = lldb.length;
      const held = get(`/instances/${run.uuid}/api/hello`);
      await lldb.expect(/stop reason = breakpoint 1\.1/, mark);
      // held at the breakpoint well past any idle timeout a proxy might have (the run's deadline is 300 s)
      await new Promise((r) => setTimeout(r, 8000));
      const afterStop = lldb.length;
      lldb.send('frame variable path');
      await lldb.expect(/\(String\) path = "\/hello"/, afterStop);
      lldb.send('breakpoint delete --force');
      lldb.send('process detach');
      const answer = await held;
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.match(answer.body, new RegExp(`Hello from run ${run.uuid}`));
      lldb.send('quit');
      await new Promise((resolve) => lldb.child.once('exit', resolve));

      assert.equal((await get(`/instances/${run.uuid}/api/hello`)).status, 200);
      const dev = await get(`/dev/${echo.id}/api/hello`);
      assert.equal(dev.status, 200);
      assert.match(dev.body, new RegExp(`Hello from run ${run.uuid}`));
      const live = await consoleRun(run.uuid);
      assert.equal(live.state, 'running');
      assert.equal(live.debug?.state, 'detached');
      await owner('POST', `/lambdas/${echo.id}/runs/${run.uuid}/stop`);
      assert.equal((await waitForState(run.uuid, ['stopped', 'failed', 'succeeded', 'timedOut'])).state, 'stopped');
    },
  );
});
