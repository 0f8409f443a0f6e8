// Issue 27: crash diagnosis keeps working for a debug run. A debugger attaches, detaches (the
// program goes on by itself), and the program's fatalError is diagnosed as in any run: signal,
// message and frames from Swift's backtrace, in a debug build.
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { ConsoleRun, DebugRunResponse, Project } from '../contract/types.js';
import { execTracked, killTrackedChildren } from '../testing/children.js';
import { startTestServer, TEST_IMAGE, waitFor, type TestServer } from '../testing/harness.js';

const CRASHY = fileURLToPath(new URL('../../../resources/test-packages/crashy', import.meta.url));
const MINUTE = 60_000;

describe('a debug run that crashes', { timeout: 15 * MINUTE }, () => {
  let t: TestServer;
  let crashy: Project;

  before(async () => {
    t = await startTestServer();
    crashy = await t.api.createProject(CRASHY, 'crashy', { runTimeoutSeconds: 120, buildConfiguration: 'debug' });
    const c = await t.api.build(crashy.id, 8 * MINUTE);
    assert.equal(c.state, 'succeeded', c.errorSummary ?? '');
  });
  after(async () => {
    await killTrackedChildren();
    await t?.dispose();
  });

  test('is diagnosed as any run once the debugger has detached', { timeout: 3 * MINUTE }, async () => {
    const res = await t.api.console<DebugRunResponse>('POST', `/projects/${crashy.id}/debug`, {
      mode: 'oneShot',
      arguments: ['fatal'],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const { run, debug } = res.body;
    const lldb = await execTracked(
      'docker',
      [
        ...['run', '--rm', '--network', 'host', '-v', `${dirname(debug.binaryFile)}:${dirname(debug.binaryFile)}:ro`],
        ...[TEST_IMAGE, '/usr/libexec/swift/bin/lldb', '--batch'],
        ...['-o', 'platform select remote-linux', '-o', `target create ${debug.binaryFile}`],
        ...['-o', `gdb-remote 127.0.0.1:${debug.port}`, '-o', 'process handle SIGSTOP -s false -n false -p false'],
        ...['-o', 'process detach'],
      ],
      2 * MINUTE,
    );
    assert.match(lldb.stdout, /Process \d+ detached/, lldb.stdout + lldb.stderr);
    const done = await waitFor(
      async () => {
        const r = (await t.api.console<{ run: ConsoleRun }>('GET', `/runs/${run.uuid}`)).body.run;
        return r.state !== 'queued' && r.state !== 'running' ? r : undefined;
      },
      MINUTE,
      'the run to end',
      200,
    );
    assert.equal(done.state, 'failed');
    assert.equal(done.exitCode, 132);
    assert.equal(done.crash?.signal, 'SIGILL');
    assert.equal(done.crash?.message, 'Fatal error: boom: the answer was 42');
    assert.ok(
      done.crash?.frames.some((f) => f.file?.endsWith('crashy/main.swift') && f.line === 14),
      JSON.stringify(done.crash?.frames),
    );
    assert.equal(done.debug?.state, 'detached');
  });
});
