// Issue 15: graceful stop. Every stop (one run, stop-all, shutdown) sends SIGTERM, waits the
// project's stopGraceSeconds, then kills; the run ends `stopped` with the program's own exit code.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { LogChunk, Project } from '../contract/types.js';
import { killTrackedChildren } from '../testing/children.js';
import { runCalls } from '../testing/run-calls.js';
import { startTestServer, waitFor, type TestServer } from '../testing/harness.js';

const GRACEFUL = fileURLToPath(new URL('../../../resources/test-packages/graceful', import.meta.url));

describe('graceful stop', { timeout: 10 * 60_000 }, () => {
  let t: TestServer;
  let key: string;

  before(async () => {
    t = await startTestServer();
    key = await t.api.createKey({ name: 'graceful' });
  });
  after(async () => {
    await killTrackedChildren();
    await t?.dispose();
  });

  const { logText, startRun, stopRun } = runCalls(() => ({ api: t.api, key }));

  describe('a program that traps SIGTERM, and one that does not', () => {
    let graceful: Project;
    before(async () => {
      graceful = await t.api.createProject(GRACEFUL, 'graceful', { runTimeoutSeconds: 120 });
      const c = await t.api.build(graceful.id);
      assert.equal(c.state, 'succeeded', c.errorSummary ?? '');
    });

    test('a program that traps SIGTERM drains, flushes its last lines and exits 0: stopped', async () => {
      const runId = await startRun(graceful.id, 'oneShot', ['trap']);
      await waitFor(
        async () => ((await logText(graceful.id, runId)).includes('ready') ? true : undefined),
        60_000,
        'ready',
      );
      const stopped = await stopRun(graceful.id, runId);
      assert.deepEqual([stopped.state, stopped.exitCode], ['stopped', 0]);
      const log = await logText(graceful.id, runId);
      assert.match(log, /draining: finishing in-flight work/);
      assert.match(log, /drained/);
    });

    test('a program that ignores SIGTERM is killed after stopGraceSeconds: 137, stopped', async () => {
      const patched = await t.api.console('PATCH', `/projects/${graceful.id}`, { stopGraceSeconds: 2 });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      const runId = await startRun(graceful.id, 'oneShot', ['ignore']);
      await waitFor(
        async () => ((await logText(graceful.id, runId)).includes('ready') ? true : undefined),
        60_000,
        'ready',
      );
      const began = Date.now();
      const stopped = await stopRun(graceful.id, runId);
      const tookMs = Date.now() - began;
      assert.deepEqual([stopped.state, stopped.exitCode], ['stopped', 137]);
      assert.ok(tookMs >= 1900 && tookMs < 10_000, `the stop took ${tookMs} ms with a grace of 2 s`);
    });

    test('stop-all stops gracefully too', async () => {
      const runId = await startRun(graceful.id, 'oneShot', ['trap']);
      await waitFor(
        async () => ((await logText(graceful.id, runId)).includes('ready') ? true : undefined),
        60_000,
        'ready',
      );
      const res = await t.api.public('POST', `/lambdas/${graceful.id}/runs/stop`, key, {});
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual([res.body.stopped, res.body.runs[0].state, res.body.runs[0].exitCode], [1, 'stopped', 0]);
      assert.match(await logText(graceful.id, runId), /drained/);
    });

    test('shutdown with stopRuns stops gracefully: the next start finds the drain line and exit code 0', async () => {
      const own = await startTestServer();
      let again: TestServer | undefined;
      try {
        const project = await own.api.createProject(GRACEFUL, 'graceful', { runTimeoutSeconds: 120 });
        assert.equal((await own.api.build(project.id)).state, 'succeeded');
        const ownKey = await own.api.createKey({ name: 'shutdown' });
        const started = await own.api.public('POST', `/lambdas/${project.id}/runs`, ownKey, {
          mode: 'oneShot',
          arguments: ['trap'],
        });
        const runId = started.body.run.uuid as string;
        await waitFor(
          async () =>
            (await own.api.allLogs(project.id, runId, ownKey)).some((c: LogChunk) => c.data.includes('ready'))
              ? true
              : undefined,
          60_000,
          'ready',
        );
        await own.stop({ stopRuns: true });
        again = await startTestServer({ dataDir: own.dataDir });
        const run = (await again.api.public('GET', `/lambdas/${project.id}/runs/${runId}`, ownKey)).body.run;
        assert.deepEqual([run.state, run.exitCode], ['stopped', 0]);
        assert.match(
          (await again.api.allLogs(project.id, runId, ownKey)).map((c: LogChunk) => c.data).join('\n'),
          /draining: finishing in-flight work/,
        );
      } finally {
        await again?.stop();
        await own.dispose();
      }
    });

    test('the dev URL: 409 instance_not_running without a service run, 404 for an unknown project', async () => {
      const none = await t.api.request('GET', `/dev/${graceful.id}/api/hello`, { headers: { 'x-api-key': key } });
      assert.deepEqual([none.status, none.body.reason], [409, 'instance_not_running']);
      const unknown = await t.api.request('GET', '/dev/no-such-project/api/hello', { headers: { 'x-api-key': key } });
      assert.deepEqual([unknown.status, unknown.body.reason], [404, 'project_not_found']);
      const anonymous = await t.api.request('GET', `/dev/${graceful.id}/api/hello`);
      assert.equal(anonymous.status, 401);
    });
  });
});
