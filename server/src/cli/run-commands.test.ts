import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Run } from '../contract/types.js';
import { ApiCallError } from './client.js';
import { explain } from './hints.js';
import { wantsJson } from './output.js';
import { browserCommand, duration, runRow } from './run-commands.js';

const run = (fields: Partial<Run>): Run => ({
  uuid: '0b9f2c4e-1111-4222-8333-444455556666',
  project: 'p',
  compilation: 'c',
  targetName: 't',
  binaryPath: '/b',
  dockerImage: 'i',
  arguments: [],
  state: 'running',
  phase: 'running',
  runTimeoutSeconds: 60,
  mode: 'oneShot',
  containerPort: null,
  hostPort: null,
  publicAccess: false,
  startedAt: null,
  finishedAt: null,
  exitCode: null,
  errorSummary: null,
  logsTruncated: false,
  created: 0,
  updated: 0,
  ...fields,
});

test('durations: seconds, then minutes and seconds, then hours and minutes', () => {
  assert.deepEqual([0, 42.4, 60, 184, 3599, 3600, 7500].map(duration), [
    '0s',
    '42s',
    '1m00s',
    '3m04s',
    '59m59s',
    '1h00m',
    '2h05m',
  ]);
});

test('a run row: a live run lasts until now, a queued one has no start, the error is one shortened line', () => {
  assert.deepEqual(runRow(run({ startedAt: 1_700_000_000 }), 1_700_000_065), [
    '0b9f2c4e-1111-4222-8333-444455556666',
    'oneShot',
    'running',
    '2023-11-14 22:13:20',
    '1m05s',
    '-',
    '-',
  ]);
  assert.deepEqual(runRow(run({ state: 'queued' }), 0).slice(2, 6), ['queued', '-', '-', '-']);
  const crashed = runRow(
    run({
      state: 'failed',
      startedAt: 10,
      finishedAt: 12,
      exitCode: 132,
      errorSummary: `exited with code 132 (killed by SIGILL): Fatal error: ${'x'.repeat(80)}\nmore`,
    }),
    99,
  );
  assert.equal(crashed[4], '2s');
  assert.equal(crashed[5], '132');
  assert.equal(crashed[6]!.length, 60);
  assert.ok(crashed[6]!.endsWith('…'));
});

test('the browser: $BROWSER (with its own arguments), else the platform opener', () => {
  const url = 'http://127.0.0.1:7400/?token=t';
  assert.deepEqual(browserCommand(url, 'linux', undefined), ['xdg-open', [url]]);
  assert.deepEqual(browserCommand(url, 'darwin', ''), ['open', [url]]);
  assert.deepEqual(browserCommand(url, 'win32', undefined), ['cmd', ['/c', 'start', '""', url]]);
  assert.deepEqual(browserCommand(url, 'linux', 'firefox --new-window'), ['firefox', ['--new-window', url]]);
});

test('--json counts among the options only: not after `--`, nor in the command exec runs', () => {
  assert.equal(wantsJson(['runs', 'p', '--json']), true);
  assert.equal(wantsJson(['run', 'p', '--', '--json']), false);
  assert.equal(wantsJson(['exec', '--project', 'a=/p:t', '--json', '--', 'x']), true);
  assert.equal(wantsJson(['exec', '--data-dir', '/d', '--', 'npm', '--json']), false);
  assert.equal(wantsJson(['exec', 'npm', 'test', '--json']), false);
  assert.equal(wantsJson(['exec', '--env', 'A=1', '--secret', 'TOKEN', '--json', '--', 'x']), true);
});

test("refusals the CLI can fix name the command that fixes them; others keep the server's message", () => {
  const ctx = { projectId: 'p1', runId: 'r1' };
  assert.equal(
    explain(new ApiCallError(409, 'no_succeeded_compilation', 'build it in the console first'), ctx),
    'no successful build yet: run `swiftlambda build p1`',
  );
  assert.match(explain(new ApiCallError(404, 'run_not_found', 'no run'), ctx), /`swiftlambda runs p1`/);
  assert.match(explain(new ApiCallError(404, 'project_not_found', 'no project'), ctx), /`swiftlambda projects list`/);
  assert.equal(explain(new ApiCallError(400, 'source_path_not_found', 'no folder /x'), ctx), 'no folder /x');
});
