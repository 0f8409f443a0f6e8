// Issue 3: runs and logs through the public API, against real containers and the Swift examples.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Project } from '../contract/types.js';
import { readEventStream } from '../emulator/event-stream.js';
import { containersOfRun, testEngine } from '../testing/docker.js';
import { PACKAGES, PUBLIC_RUN_FIELDS, startTestServer, waitFor, type TestServer } from '../testing/harness.js';

describe('runs and logs', () => {
  let t: TestServer;
  let hello: Project;
  let key: string;
  let clockOffsetMs = 0;

  const start = (body: unknown, project = hello, k = key) =>
    t.api.public('POST', `/lambdas/${project.id}/runs`, k, body);
  const finished = (run: { state: string }) => !['queued', 'running'].includes(run.state);

  before(async () => {
    t = await startTestServer({ clock: { now: () => Date.now() + clockOffsetMs } });
    hello = await t.api.createProject(PACKAGES.hello, 'hello');
    const c = await t.api.build(hello.id);
    assert.equal(c.state, 'succeeded', c.errorSummary ?? '');
    key = await t.api.createKey({ name: 'runs' });
  });
  after(async () => {
    await t?.dispose();
  });

  test('a oneShot run: 201 with exactly the public Run fields, argv, env, stdout and stderr apart', async () => {
    const res = await start({
      mode: 'oneShot',
      arguments: ['--flag', 'value with spaces', '$HOME', 'stderr:to-stderr'],
    });
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(res.body.run).sort(), PUBLIC_RUN_FIELDS);
    assert.equal(typeof res.body.jobId, 'string');
    const run = res.body.run;
    assert.deepEqual([run.state, run.mode, run.project, run.targetName], ['queued', 'oneShot', hello.id, 'hello']);
    assert.equal(run.binaryPath, `/binaries/${hello.id}/hello`);
    assert.equal(run.runTimeoutSeconds, 60);
    const done = await t.api.waitForRun(hello.id, run.uuid, key, finished);
    assert.deepEqual([done.state, done.exitCode, done.phase, done.errorSummary], ['succeeded', 0, 'finished', null]);
    assert.ok(done.startedAt && done.finishedAt && done.finishedAt >= done.startedAt);
    const logs = await t.api.allLogs(hello.id, run.uuid, key);
    assert.deepEqual(
      logs.map((c) => c.sequence),
      logs.map((_, i) => i),
      'sequences from 0, one by one',
    );
    const stdout = logs
      .filter((c) => c.stream === 'stdout')
      .map((c) => c.data)
      .join('');
    assert.match(stdout, /\[0\] --flag\n/);
    assert.match(stdout, /\[1\] value with spaces\n/);
    assert.match(stdout, /\[2\] \$HOME\n/, 'arguments reach argv without a shell expanding them');
    assert.match(stdout, new RegExp(`run: ${run.uuid}\\n`));
    assert.match(stdout, new RegExp(`project: ${hello.id}\\n`));
    assert.deepEqual(
      logs.filter((c) => c.stream === 'stderr').map((c) => c.data),
      ['to-stderr\n'],
    );
    for (const c of logs) {
      assert.ok(c.data.endsWith('\n'));
      assert.equal(typeof c.timestamp, 'number');
    }
    await waitFor(
      async () => ((await containersOfRun(run.uuid)) === 0 ? true : undefined),
      5000,
      'the container to be removed',
    );
  });

  // how soon a printed line is readable is figure 6 of the benchmarks
  test('a line printed before a long sleep is readable while the run is still running', async () => {
    const run = (await start({ mode: 'oneShot', arguments: ['sleep:20'] })).body.run;
    try {
      await t.api.waitForRun(hello.id, run.uuid, key, (r) => r.state === 'running');
      const logs = await waitFor(
        async () => {
          const page = (await t.api.public('GET', `/lambdas/${hello.id}/runs/${run.uuid}/logs`, key)).body.logs;
          return page.some((c: { data: string }) => c.data.startsWith('Hello from SwiftLambda')) ? page : undefined;
        },
        15_000,
        'the first line',
        50,
      );
      assert.ok(logs.length >= 1);
      assert.equal((await t.api.public('GET', `/lambdas/${hello.id}/runs/${run.uuid}`, key)).body.run.state, 'running');
    } finally {
      await t.api.public('POST', `/lambdas/${hello.id}/runs/${run.uuid}/stop`, key, {});
    }
  });

  test('a non-zero exit is failed with exitCode and errorSummary', async () => {
    const run = (await start({ mode: 'oneShot', arguments: ['exit:3'] })).body.run;
    const done = await t.api.waitForRun(hello.id, run.uuid, key, finished);
    assert.deepEqual([done.state, done.exitCode], ['failed', 3]);
    assert.match(done.errorSummary, /exited with code 3/);
  });

  test('runTimeoutSeconds is enforced: the container is killed and the run is timedOut', async () => {
    const quick = await t.api.createProject(PACKAGES.hello, 'hello', { name: 'quick', runTimeoutSeconds: 2 });
    assert.equal((await t.api.build(quick.id)).state, 'succeeded');
    const run = (await start({ mode: 'oneShot', arguments: ['sleep:60'] }, quick)).body.run;
    assert.equal(run.runTimeoutSeconds, 2);
    const done = await t.api.waitForRun(quick.id, run.uuid, key, finished, 20_000);
    assert.equal(done.state, 'timedOut');
    assert.match(done.errorSummary, /runTimeoutSeconds \(2s\)/);
    // ended by its deadline, not by the program (which sleeps 60 s)
    assert.ok(done.finishedAt - done.startedAt < 60, `ran ${done.finishedAt - done.startedAt} s`);
    await waitFor(
      async () => ((await containersOfRun(run.uuid)) === 0 ? true : undefined),
      5000,
      'the container to be removed',
    );
  });

  // how long a stop takes is figure 11 of the benchmarks
  test('stop: a running run becomes stopped, its container goes, a second stop is 409', async () => {
    const run = (await start({ mode: 'oneShot', arguments: ['sleep:60'] })).body.run;
    await t.api.waitForRun(hello.id, run.uuid, key, (r) => r.state === 'running');
    const stopped = await t.api.public('POST', `/lambdas/${hello.id}/runs/${run.uuid}/stop`, key, {});
    assert.equal(stopped.status, 200);
    assert.equal(stopped.body.run.state, 'stopped');
    assert.equal(await containersOfRun(run.uuid), 0);
    const again = await t.api.public('POST', `/lambdas/${hello.id}/runs/${run.uuid}/stop`, key, {});
    assert.deepEqual([again.status, again.body.error, again.body.reason], [409, true, 'not_stoppable']);
  });

  test('stop-all stops the live runs of a project, filtered by mode', async () => {
    const a = (await start({ mode: 'oneShot', arguments: ['sleep:60'] })).body.run;
    const b = (await start({ mode: 'service', arguments: ['sleep:60'] })).body.run;
    await t.api.waitForRun(hello.id, b.uuid, key, (r) => r.state === 'running');
    const services = await t.api.public('POST', `/lambdas/${hello.id}/runs/stop`, key, { mode: 'service' });
    assert.equal(services.status, 200);
    assert.equal(services.body.stopped, 1);
    assert.equal(services.body.runs[0].uuid, b.uuid);
    assert.notEqual((await t.api.public('GET', `/lambdas/${hello.id}/runs/${a.uuid}`, key)).body.run.state, 'stopped');
    const rest = await t.api.public('POST', `/lambdas/${hello.id}/runs/stop`, key, {});
    assert.equal(rest.body.stopped, 1);
    assert.equal((await t.api.public('GET', `/lambdas/${hello.id}/runs/${a.uuid}`, key)).body.run.state, 'stopped');
    const bad = await t.api.public('POST', `/lambdas/${hello.id}/runs/stop`, key, { mode: 'all' });
    assert.equal(bad.body.reason, 'invalid_mode');
  });

  test('list: newest first, limit capped at 50, state filter, 400 for an unknown state', async () => {
    const all = (await t.api.public('GET', `/lambdas/${hello.id}/runs?limit=500`, key)).body.runs;
    assert.ok(all.length >= 5 && all.length <= 50);
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].created >= all[i].created);
    const two = (await t.api.public('GET', `/lambdas/${hello.id}/runs?limit=2`, key)).body.runs;
    assert.deepEqual(
      two.map((r: { uuid: string }) => r.uuid),
      all.slice(0, 2).map((r: { uuid: string }) => r.uuid),
    );
    const failed = (await t.api.public('GET', `/lambdas/${hello.id}/runs?state=failed`, key)).body.runs;
    assert.ok(failed.length >= 1 && failed.every((r: { state: string }) => r.state === 'failed'));
    const bad = await t.api.public('GET', `/lambdas/${hello.id}/runs?state=done`, key);
    assert.deepEqual([bad.status, bad.body.reason], [400, 'invalid_state']);
    assert.equal((await t.api.public('GET', `/lambdas/${hello.id}/runs/not-a-run`, key)).status, 404);
    assert.equal((await t.api.public('GET', '/lambdas/not-a-project/runs', key)).status, 404);
  });

  test('bad run input: invalid_mode, invalid_arguments, malformed JSON', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'invalid_mode'],
      [{ mode: 'batch' }, 'invalid_mode'],
      [{ mode: 'oneShot', arguments: 'a b' }, 'invalid_arguments'],
      [{ mode: 'oneShot', arguments: [1, 2] }, 'invalid_arguments'],
      [{ mode: 'oneShot', arguments: Array(257).fill('x') }, 'invalid_arguments'],
      [{ mode: 'oneShot', arguments: ['x'.repeat(5000)] }, 'invalid_arguments'],
      [{ mode: 'oneShot', arguments: ['nul\u0000'] }, 'invalid_arguments'],
    ];
    for (const [body, reason] of cases) {
      const res = await start(body);
      assert.deepEqual(
        [res.status, res.body.error, res.body.reason],
        [400, true, reason],
        JSON.stringify(body).slice(0, 80),
      );
    }
    const malformed = await t.api.request('POST', `/lambdas/${hello.id}/runs`, {
      rawBody: '{"mode":',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
    });
    assert.equal(malformed.status, 400);
    assert.equal((await start({ mode: 'oneShot' }, { ...hello, id: 'no-such-project' })).status, 404);
  });

  test('auth: missing, unknown, garbled, revoked and expired keys are 401; a restricted key is 403; Bearer works', async () => {
    const path = `/lambdas/${hello.id}/runs`;
    const reasonOf = async (headers: Record<string, string>) => {
      const res = await t.api.request('GET', path, { headers });
      return `${res.status} ${res.body.reason ?? ''}`.trim();
    };
    assert.equal(await reasonOf({}), '401 missing_api_key');
    assert.equal(await reasonOf({ 'x-api-key': 'slk_' + 'A'.repeat(36) }), '401 invalid_api_key');
    assert.equal(await reasonOf({ 'x-api-key': 'garbage' }), '401 invalid_api_key');
    assert.equal(await reasonOf({ 'x-api-key': 'x'.repeat(10_000) }), '401 invalid_api_key');
    assert.equal(await reasonOf({ authorization: `Bearer ${key}` }), '200');
    const other = await t.api.createProject(PACKAGES.hello, 'hello', { name: 'other' });
    const restricted = await t.api.createKey({ name: 'restricted', projects: [other.id] });
    assert.equal(await reasonOf({ 'x-api-key': restricted }), '403 forbidden_project');
    assert.equal((await t.api.public('GET', `/lambdas/${other.id}/runs`, restricted)).status, 200);
    assert.equal((await t.api.public('GET', '/lambdas/unknown-project/runs', restricted)).status, 403);
    const doomed = await t.api.createKey({ name: 'doomed' });
    assert.equal(await reasonOf({ 'x-api-key': doomed }), '200');
    const id = (await t.api.console('GET', '/keys')).body.keys.find((k: { name: string }) => k.name === 'doomed').id;
    await t.api.console('POST', `/keys/${id}/revoke`);
    assert.equal(await reasonOf({ 'x-api-key': doomed }), '401 revoked_api_key');
    const shortLived = await t.api.createKey({ name: 'short', expiresInDays: 1 });
    assert.equal(await reasonOf({ 'x-api-key': shortLived }), '200');
    clockOffsetMs = 2 * 86_400_000;
    try {
      assert.equal(await reasonOf({ 'x-api-key': shortLived }), '401 expired_api_key');
    } finally {
      clockOffsetMs = 0;
    }
    const used = (await t.api.console('GET', '/keys')).body.keys.find((k: { name: string }) => k.name === 'runs');
    assert.ok(used.lastUsedAt, 'lastUsedAt is kept');
  });

  test('logs page by afterSequence and limit (default 200, at most 500); concatenation gives the output', async () => {
    const run = (await start({ mode: 'oneShot', arguments: ['lines:1200'] })).body.run;
    await t.api.waitForRun(hello.id, run.uuid, key, finished);
    const base = `/lambdas/${hello.id}/runs/${run.uuid}/logs`;
    const first = (await t.api.public('GET', base, key)).body;
    assert.equal(first.logs.length, 200);
    assert.equal(first.logsTruncated, false);
    assert.equal(first.logs[0].sequence, 0);
    const big = (await t.api.public('GET', `${base}?afterSequence=99&limit=5000`, key)).body.logs;
    assert.equal(big.length, 500);
    assert.equal(big[0].sequence, 100);
    const all = await t.api.allLogs(hello.id, run.uuid, key);
    const text = all.map((c) => c.data).join('');
    for (let i = 0; i < 1200; i++) assert.ok(text.includes(`line ${i}\n`));
    const bad = await t.api.public('GET', `${base}?afterSequence=abc`, key);
    assert.equal(bad.status, 400);
  });

  test('the per-run log cap sets logsTruncated and the run goes on', async () => {
    const capped = await startTestServer({ env: { SWIFTLAMBDA_MAX_LOG_BYTES: '4096' } });
    try {
      const p = await capped.api.createProject(PACKAGES.hello, 'hello');
      assert.equal((await capped.api.build(p.id)).state, 'succeeded');
      const k = await capped.api.createKey();
      const run = (
        await capped.api.public('POST', `/lambdas/${p.id}/runs`, k, { mode: 'oneShot', arguments: ['lines:5000'] })
      ).body.run;
      const done = await capped.api.waitForRun(p.id, run.uuid, k, finished);
      assert.deepEqual([done.state, done.logsTruncated], ['succeeded', true]);
      const logs = await capped.api.allLogs(p.id, run.uuid, k);
      const bytes = logs.filter((c) => c.stream !== 'system').reduce((n, c) => n + Buffer.byteLength(c.data), 0);
      assert.ok(bytes <= 4096);
      assert.ok(logs.some((c) => c.stream === 'system' && /log cap/.test(c.data)));
      assert.equal(
        (await capped.api.public('GET', `/lambdas/${p.id}/runs/${run.uuid}/logs`, k)).body.logsTruncated,
        true,
      );
    } finally {
      await capped.dispose();
    }
  });

  test('?follow=true streams the log as Server-Sent Events until the run ends', async () => {
    const run = (await start({ mode: 'oneShot', arguments: ['sleep:1', 'lines:3'] })).body.run;
    const res = await fetch(`${t.url}/lambdas/${hello.id}/runs/${run.uuid}/logs?follow=true`, {
      headers: { 'x-api-key': key },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = [];
    for await (const e of readEventStream(res.body!)) events.push(e);
    const chunks = events.filter((e) => e.type === 'log').map((e) => JSON.parse(e.data));
    assert.deepEqual(
      chunks.map((c) => c.sequence),
      chunks.map((_, i) => i),
    );
    assert.ok(chunks.some((c) => c.data === 'line 2\n'));
    assert.equal(events.at(-1)?.type, 'end');
    assert.equal(JSON.parse(events.at(-1)!.data).state, 'succeeded');
  });

  test('a run whose image is missing tries to pull it and fails saying how to provide it', async () => {
    const ghost = await t.api.createProject(PACKAGES.hello, 'hello', {
      name: 'ghost',
      dockerImage: 'swiftlambda-test/no-such-image:1',
    });
    const binary = (await t.api.console('GET', `/projects/${hello.id}/compilations`)).body.compilations.find(
      (c: { state: string }) => c.state === 'succeeded',
    );
    const imported = await t.api.console('POST', `/projects/${ghost.id}/compilations`, {
      binaryPath: `${t.dataDir}/binaries/${hello.id}/${binary.id}/hello`,
    });
    assert.equal(imported.status, 202);
    const run = (await start({ mode: 'oneShot' }, ghost)).body.run;
    const done = await t.api.waitForRun(ghost.id, run.uuid, key, finished);
    assert.equal(done.state, 'failed');
    assert.match(done.errorSummary, /no-such-image/);
    assert.match(done.errorSummary, /SWIFTLAMBDA_DEFAULT_IMAGE/);
    const logs = await t.api.allLogs(ghost.id, run.uuid, key);
    assert.ok(logs.some((c) => c.stream === 'system' && /pulling swiftlambda-test\/no-such-image:1/.test(c.data)));
  });

  test('service runs get PORT=8080 published on 127.0.0.1 at a free hostPort', async () => {
    const run = (await start({ mode: 'service', arguments: ['sleep:30'] })).body.run;
    assert.deepEqual([run.containerPort, run.hostPort], [8080, null]);
    const live = await t.api.waitForRun(hello.id, run.uuid, key, (r) => r.state === 'running');
    assert.ok(live.hostPort > 0);
    const containers = await testEngine.listContainers({ 'swiftlambda.run': run.uuid });
    assert.equal(containers.length, 1);
    const status = await testEngine.inspectContainer(containers[0]!.id);
    assert.equal(status?.hostPort, live.hostPort);
    await t.api.public('POST', `/lambdas/${hello.id}/runs/${run.uuid}/stop`, key, {});
  });
});
