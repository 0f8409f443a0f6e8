// Schedules (cron one-shot runs) and Idempotency-Key on POST …/runs, against a real server and
// real containers. The project runs Debian's own `echo` and `sleep` imported as its binary: what
// is under test is the firing and the answers, not a Swift build.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Project } from '../contract/types.js';
import { PACKAGES, startTestServer, waitFor, type TestServer } from '../testing/harness.js';

describe('schedules and idempotent starts', () => {
  let t: TestServer;
  let echo: Project;
  let sleeper: Project;
  let key: string;
  let otherKey: string;

  const importBinary = async (project: Project, binaryPath: string) => {
    const res = await t.api.console('POST', `/projects/${project.id}/compilations`, { binaryPath });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await waitFor(
      async () => {
        const c = (await t.api.console('GET', `/projects/${project.id}/compilations`)).body.compilations[0];
        return c.state === 'succeeded' ? c : undefined;
      },
      30_000,
      'imported binary',
    );
  };
  const consoleRuns = async (project: Project) =>
    (await t.api.console('GET', `/runs?project=${project.id}&limit=50`)).body.runs as any[];
  const schedulesPath = (project: Project) => `/projects/${project.id}/schedules`;
  const startRun = (body: unknown, idempotencyKey: string, apiKey = key, project = echo) =>
    t.api.request('POST', `/lambdas/${project.id}/runs`, {
      body,
      headers: { 'x-api-key': apiKey, 'idempotency-key': idempotencyKey },
    });

  before(async () => {
    t = await startTestServer();
    echo = await t.api.createProject(PACKAGES.hello, 'hello', { name: 'scheduled-echo' });
    sleeper = await t.api.createProject(PACKAGES.hello, 'hello', { name: 'scheduled-sleep' });
    await importBinary(echo, '/usr/bin/echo');
    await importBinary(sleeper, '/usr/bin/sleep');
    key = await t.api.createKey({ name: 'schedules' });
    otherKey = await t.api.createKey({ name: 'another caller' });
  });
  after(async () => {
    await t?.dispose();
  });

  test('bad expressions, zones and ids are refused with their reasons, and nothing is stored', async () => {
    const cases: Array<[unknown, string]> = [
      [{ cron: '61 * * * *' }, 'invalid_cron'],
      [{ cron: '* * * *' }, 'invalid_cron'],
      [{ cron: '0 * * * * *' }, 'invalid_cron'],
      [{ cron: '@sometimes' }, 'invalid_cron'],
      [{ cron: '0 0 31 2 *' }, 'invalid_cron'],
      [{ cron: '* * * * *', timezone: 'Mars/Olympus' }, 'invalid_timezone'],
      [{ cron: '* * * * *', arguments: 'x' }, 'invalid_arguments'],
      [{ cron: '* * * * *', every: 5 }, 'unknown_field'],
    ];
    for (const [body, reason] of cases) {
      const res = await t.api.console('POST', schedulesPath(echo), body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual([res.body.error, res.body.reason], [true, reason], JSON.stringify(body));
    }
    assert.deepEqual((await t.api.console('GET', schedulesPath(echo))).body.schedules, []);
    const missing = await t.api.console('PATCH', `${schedulesPath(echo)}/nope`, { enabled: false });
    assert.deepEqual([missing.status, missing.body.reason], [404, 'schedule_not_found']);
    const keyCaller = await t.api.request('GET', `/console/api${schedulesPath(echo)}`, {
      headers: { 'x-api-key': key },
    });
    assert.equal(keyCaller.status, 401, 'an API key cannot manage schedules');
  });

  test('an every-minute schedule starts a one-shot run with its arguments, then nothing once disabled', async () => {
    const created = await t.api.console('POST', schedulesPath(echo), {
      cron: '* * * * *',
      timezone: 'UTC',
      arguments: ['from', 'the schedule'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const schedule = created.body.schedule;
    assert.deepEqual(
      [schedule.cron, schedule.timezone, schedule.arguments, schedule.enabled, schedule.lastRunAt, schedule.lastRun],
      ['* * * * *', 'UTC', ['from', 'the schedule'], true, null, null],
    );
    const now = Math.floor(Date.now() / 1000);
    assert.ok(schedule.nextRunAt > now - 1 && schedule.nextRunAt <= now + 60, `nextRunAt ${schedule.nextRunAt}`);

    const run = await waitFor(
      async () => (await consoleRuns(echo)).find((r) => r.startedBy === 'schedule'),
      75_000,
      'a run started by the schedule',
      500,
    );
    assert.deepEqual([run.mode, run.arguments], ['oneShot', ['from', 'the schedule']]);
    const done = await t.api.waitForRun(echo.id, run.uuid, key, (r) => !['queued', 'running'].includes(r.state));
    assert.equal(done.state, 'succeeded');
    const logs = await t.api.allLogs(echo.id, run.uuid, key);
    assert.equal(logs.map((c) => c.data).join(''), 'from the schedule\n');
    const fired = (await t.api.console('GET', `${schedulesPath(echo)}/${schedule.id}`)).body.schedule;
    assert.equal(fired.lastRun, run.uuid);
    assert.ok(fired.lastRunAt >= schedule.nextRunAt, 'lastRunAt is the firing time');

    const disabled = await t.api.console('PATCH', `${schedulesPath(echo)}/${schedule.id}`, { enabled: false });
    assert.deepEqual(
      [disabled.status, disabled.body.schedule.enabled, disabled.body.schedule.nextRunAt],
      [200, false, null],
    );
    // past the next minute's firing: nothing more starts
    const msToNextMinute = 60_000 - (Date.now() % 60_000);
    await sleep(msToNextMinute + 4_000);
    const scheduled = (await consoleRuns(echo)).filter((r) => r.startedBy === 'schedule');
    assert.equal(scheduled.length, 1, 'a disabled schedule starts nothing');
  });

  test('a firing while the previous scheduled run is live is skipped and counted', async () => {
    const created = await t.api.console('POST', schedulesPath(sleeper), {
      cron: '@daily',
      arguments: ['30'],
      enabled: false,
    });
    assert.equal(created.status, 201);
    const { id } = created.body.schedule;
    assert.equal(created.body.schedule.timezone, Intl.DateTimeFormat().resolvedOptions().timeZone);
    const first = await t.api.console('POST', `${schedulesPath(sleeper)}/${id}/run`);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const runId = first.body.schedule.lastRun;
    assert.ok(runId);
    const second = await t.api.console('POST', `${schedulesPath(sleeper)}/${id}/run`);
    assert.deepEqual([second.body.schedule.lastRun, second.body.schedule.skipped], [runId, 1]);
    const stopped = await t.api.public('POST', `/lambdas/${sleeper.id}/runs/${runId}/stop`, key);
    assert.equal(stopped.status, 200);
    const third = await t.api.console('POST', `${schedulesPath(sleeper)}/${id}/run`);
    assert.notEqual(third.body.schedule.lastRun, runId, 'once the last run ended, a firing starts a new one');
    await t.api.public('POST', `/lambdas/${sleeper.id}/runs/${third.body.schedule.lastRun}/stop`, key);
    const removed = await t.api.console('DELETE', `${schedulesPath(sleeper)}/${id}`);
    assert.equal(removed.status, 204);
    const gone = await t.api.console('GET', `${schedulesPath(sleeper)}/${id}`);
    assert.deepEqual([gone.status, gone.body.reason], [404, 'schedule_not_found']);
  });

  test('Idempotency-Key: the same request answers the first answer, another body is 409, per API key', async () => {
    const body = { mode: 'oneShot', arguments: ['once'] };
    const first = await startRun(body, 'retry-me-1');
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const again = await startRun({ arguments: ['once'], mode: 'oneShot' }, 'retry-me-1');
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, first.body, 'the first answer, run and jobId alike');
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const runs = (await t.api.public('GET', `/lambdas/${echo.id}/runs?limit=50`, key)).body.runs as any[];
    assert.equal(runs.filter((r) => r.arguments[0] === 'once').length, 1, 'one run, not two');

    const other = await startRun({ mode: 'oneShot', arguments: ['twice'] }, 'retry-me-1');
    assert.deepEqual([other.status, other.body.error, other.body.reason], [409, true, 'idempotency_key_reused']);
    const otherCaller = await startRun(body, 'retry-me-1', otherKey);
    assert.equal(otherCaller.status, 201);
    assert.notEqual(otherCaller.body.run.uuid, first.body.run.uuid, 'keys are remembered per API key');

    const tooLong = await startRun(body, 'k'.repeat(256));
    assert.deepEqual([tooLong.status, tooLong.body.reason], [400, 'invalid_idempotency_key']);
    assert.equal((await startRun(body, 'k'.repeat(255))).status, 201);

    // two retries at once start one run
    const [a, b] = await Promise.all([startRun(body, 'concurrent'), startRun(body, 'concurrent')]);
    assert.deepEqual([a.status, b.status], [201, 201]);
    assert.equal(a.body.run.uuid, b.body.run.uuid);
  });

  test('schedules and idempotency keys survive a restart', async () => {
    const body = { mode: 'oneShot', arguments: ['before restart'] };
    const first = await startRun(body, 'across-restart');
    assert.equal(first.status, 201);
    const kept = (await t.api.console('GET', schedulesPath(echo))).body.schedules;
    assert.equal(kept.length, 1);

    await t.stop();
    t = await startTestServer({ dataDir: t.dataDir });
    const after = await startRun(body, 'across-restart');
    assert.deepEqual([after.status, after.body.run.uuid], [201, first.body.run.uuid]);
    const reused = await startRun({ mode: 'oneShot' }, 'across-restart');
    assert.equal(reused.status, 409);
    const schedules = (await t.api.console('GET', schedulesPath(echo))).body.schedules;
    assert.deepEqual(
      schedules.map((s: any) => [s.id, s.enabled, s.lastRun]),
      kept.map((s: any) => [s.id, s.enabled, s.lastRun]),
    );

    // deleting the project deletes its schedules
    const deleted = await t.api.console('DELETE', `/projects/${echo.id}`);
    assert.equal(deleted.status, 204);
    assert.deepEqual(
      t.server.services.store.data.schedules?.filter((s) => s.project === echo.id),
      [],
    );
  });
});
