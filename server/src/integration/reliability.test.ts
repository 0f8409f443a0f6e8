// Issue 5: hostile binaries, load, and clients that go away — the emulator keeps answering.
import assert from 'node:assert/strict';
import http from 'node:http';
import { readdir, stat } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import v8 from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Project } from '../contract/types.js';
import { abortCallsFromOtherProcess } from '../testing/aborting-clients.js';
import { killTrackedChildren } from '../testing/children.js';
import { inspectRunContainerRaw } from '../testing/docker.js';
import { PACKAGES, startTestServer, waitFor, type TestServer } from '../testing/harness.js';
import { pollRunFromOtherProcess } from '../testing/run-poller.js';

const terminal = (r: { state: string }) => !['queued', 'running'].includes(r.state);

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? await dirSize(p) : (await stat(p)).size;
  }
  return total;
}

/**
 * What the serving process holds for HTTP: its open TCP handles, and its live request, response
 * and socket objects (v8.queryObjects counts them after a full GC). The server runs in this
 * process; the clients of the leak test run in another, so their objects are not counted here.
 */
function servingProcessHolds(): { tcpHandles: number; requests: number; responses: number; sockets: number } {
  return {
    tcpHandles: process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length,
    requests: v8.queryObjects(http.IncomingMessage, { format: 'count' }),
    responses: v8.queryObjects(http.ServerResponse, { format: 'count' }),
    sockets: v8.queryObjects(net.Socket, { format: 'count' }),
  };
}

describe('reliability', () => {
  let t: TestServer;
  let hostile: Project;
  let echo: Project;
  let key: string;
  const start = (p: Project, body: unknown) => t.api.public('POST', `/lambdas/${p.id}/runs`, key, body);

  before(async () => {
    t = await startTestServer();
    hostile = await t.api.createProject(PACKAGES.hostile, 'hostile', {
      memoryLimitMb: 128,
      pidsLimit: 64,
      runTimeoutSeconds: 120,
    });
    echo = await t.api.createProject(PACKAGES.echo, 'echo-service', { runTimeoutSeconds: 300 });
    for (const p of [hostile, echo]) assert.equal((await t.api.build(p.id)).state, 'succeeded');
    key = await t.api.createKey({ name: 'reliability' });
  });
  after(async () => {
    await killTrackedChildren();
    await t?.dispose();
  });

  test("a run's container has the documented defaults", async () => {
    const run = (await start(echo, { mode: 'service' })).body.run;
    await t.api.waitForRun(echo.id, run.uuid, key, (r) => r.state === 'running');
    const info = (await inspectRunContainerRaw(run.uuid))!;
    assert.deepEqual(info.HostConfig.CapDrop, ['ALL']);
    assert.ok(info.HostConfig.SecurityOpt?.includes('no-new-privileges'));
    assert.equal(info.HostConfig.Init, true);
    assert.equal(info.HostConfig.PidsLimit, 512);
    assert.equal(info.HostConfig.Memory, 1024 * 1024 * 1024);
    assert.equal(info.HostConfig.Privileged, false);
    const bindings = info.HostConfig.PortBindings?.['8080/tcp'] as Array<{ HostIp: string }>;
    assert.deepEqual(
      bindings.map((b) => b.HostIp),
      ['127.0.0.1'],
    );
    assert.ok(
      info.HostConfig.Binds?.every((b) => b.endsWith(':ro')),
      'the binary is mounted read-only',
    );
    assert.ok(info.Config.Env.includes('PORT=8080'));
    await t.api.public('POST', `/lambdas/${echo.id}/runs/${run.uuid}/stop`, key, {});
  });

  test('a fork bomb is stopped by the pids limit', async () => {
    const run = (await start(hostile, { mode: 'oneShot', arguments: ['forkbomb'] })).body.run;
    const done = await t.api.waitForRun(hostile.id, run.uuid, key, terminal, 60_000);
    assert.deepEqual([done.state, done.exitCode], ['failed', 3]);
    const text = (await t.api.allLogs(hostile.id, run.uuid, key)).map((c) => c.data).join('');
    const children = Number(/fork failed after (\d+) children/.exec(text)?.[1]);
    assert.ok(children > 0 && children < 64, `stopped at ${children} processes`);
    assert.equal((await t.api.console('GET', '/status')).status, 200);
  });

  test('a memory hog ends failed with an errorSummary that says out of memory', async () => {
    const run = (await start(hostile, { mode: 'oneShot', arguments: ['memhog'] })).body.run;
    const done = await t.api.waitForRun(hostile.id, run.uuid, key, terminal, 60_000);
    assert.equal(done.state, 'failed');
    assert.match(done.errorSummary, /out of memory/);
    assert.match(done.errorSummary, /128 MiB/);
  });

  // how fast the API answers during the flood is figure 10 of the benchmarks
  test('1 GB of output: logsTruncated, bounded disk use, and the API answers every call during it', async () => {
    const run = (await start(hostile, { mode: 'oneShot', arguments: ['flood:1024'] })).body.run;
    // the API as a user's client sees it: from a process of its own, polling every 20 ms
    const { answers, run: finished } = await pollRunFromOtherProcess(
      `${t.url}/lambdas/${hostile.id}/runs/${run.uuid}`,
      key,
    );
    assert.ok(finished, `the run did not end within the poller's deadline (${answers.length} answers)`);
    assert.deepEqual([finished.state, finished.logsTruncated], ['succeeded', true]);
    assert.ok(answers.length >= 10, `${answers.length} calls during the flood`);
    assert.deepEqual(
      answers.filter((a) => a.status !== 200),
      [],
      'every call during the flood answered 200',
    );
    const logBytes = await dirSize(join(t.dataDir, 'logs', 'runs'));
    assert.ok(logBytes < 80 * 1024 * 1024, `logs use ${logBytes} bytes`);
    const page = await t.api.public(
      'GET',
      `/lambdas/${hostile.id}/runs/${run.uuid}/logs?afterSequence=-1&limit=5`,
      key,
    );
    assert.equal(page.body.logsTruncated, true);
  });

  // how soon after the revoke the stream ends is figure 11 of the benchmarks
  test('revoking a key closes its open log streams', async () => {
    const doomed = await t.api.createKey({ name: 'stream-holder' });
    const run = (await start(echo, { mode: 'service' })).body.run;
    const res = await fetch(`${t.url}/lambdas/${echo.id}/runs/${run.uuid}/logs?follow=true`, {
      headers: { 'x-api-key': doomed },
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    await reader.read();
    const id = (await t.api.console('GET', '/keys')).body.keys.find(
      (k: { name: string }) => k.name === 'stream-holder',
    ).id;
    await t.api.console('POST', `/keys/${id}/revoke`);
    // the service runs for 300 s: a stream that ends before that was ended by the revoke
    let timer: NodeJS.Timeout | undefined;
    const stillOpen = new Promise<never>(
      (_, reject) =>
        (timer = setTimeout(() => reject(new Error('the stream is still open 60 s after the revoke')), 60_000)),
    );
    try {
      while (!(await Promise.race([reader.read(), stillOpen])).done);
    } finally {
      clearTimeout(timer);
    }
    assert.equal(
      (await t.api.public('GET', `/lambdas/${echo.id}/runs/${run.uuid}`, key)).body.run.state,
      'running',
      'the run goes on',
    );
    await t.api.public('POST', `/lambdas/${echo.id}/runs/${run.uuid}/stop`, key, {});
  });

  test('a burst of a million lines is captured to the last line', async () => {
    const run = (await start(hostile, { mode: 'oneShot', arguments: ['burst:1000000'] })).body.run;
    const done = await t.api.waitForRun(hostile.id, run.uuid, key, terminal, 180_000);
    assert.equal(done.state, 'succeeded');
    const tail = (
      await t.api.public('GET', `/lambdas/${hostile.id}/runs/${run.uuid}/logs?afterSequence=999998&limit=5`, key)
    ).body.logs;
    assert.deepEqual(
      tail.map((c: { sequence: number; data: string }) => [c.sequence, c.data]),
      [[999_999, 'burst line 999999\n']],
    );
  });

  test('20 oneShot runs started at once all finish with every line of their logs', async () => {
    const runs = await Promise.all(
      Array.from({ length: 20 }, () => start(hostile, { mode: 'oneShot', arguments: ['burst:2000'] })),
    );
    assert.ok(runs.every((r) => r.status === 201));
    for (const r of runs) {
      const done = await t.api.waitForRun(hostile.id, r.body.run.uuid, key, terminal, 120_000);
      assert.deepEqual([done.state, done.exitCode], ['succeeded', 0]);
      const logs = await t.api.allLogs(hostile.id, r.body.run.uuid, key);
      assert.equal(logs.length, 2000);
      assert.equal(logs[1999].data, 'burst line 1999\n');
    }
  });

  test('10,000 proxied requests over 100 concurrent connections: zero errors', async () => {
    const run = (await start(echo, { mode: 'service' })).body.run;
    await t.api.waitForRun(echo.id, run.uuid, key, (r) => r.state === 'running');
    await waitFor(
      async () =>
        (await t.api.public('GET', `/instances/${run.uuid}/api/hello`, key)).status === 200 ? true : undefined,
      10_000,
      'service',
    );
    const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
    const port = Number(new URL(t.url).port);
    let errors = 0;
    let next = 0;
    const one = () =>
      new Promise<void>((resolve) => {
        const req = http.request(
          { host: '127.0.0.1', port, path: `/instances/${run.uuid}/api/hello`, agent, headers: { 'x-api-key': key } },
          (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode !== 200) errors++;
              resolve();
            });
          },
        );
        req.on('error', () => {
          errors++;
          resolve();
        });
        req.end();
      });
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (next < 10_000) {
          next++;
          await one();
        }
      }),
    );
    agent.destroy();
    assert.equal(errors, 0);
    await t.api.public('POST', `/lambdas/${echo.id}/runs/${run.uuid}/stop`, key, {});
  });

  test('1,000 clients leaving mid-call leave no sockets and no request objects behind in the serving process', async () => {
    const run = (await start(echo, { mode: 'service' })).body.run;
    await t.api.waitForRun(echo.id, run.uuid, key, (r) => r.state === 'running');
    await waitFor(
      async () =>
        (await t.api.public('GET', `/instances/${run.uuid}/api/hello`, key)).status === 200 ? true : undefined,
      10_000,
      'service',
    );
    await sleep(500);
    const baseline = servingProcessHolds();
    const left = await abortCallsFromOtherProcess(t.url, key, run.uuid, 1000);
    assert.ok(left.beforeAnswer >= 300 && left.midAnswer >= 100, `clients left ${JSON.stringify(left)}`);
    // what the calls held is let go once their sockets close: a few seconds at most here, 30 s allowed
    const close = (now: ReturnType<typeof servingProcessHolds>) =>
      now.tcpHandles <= baseline.tcpHandles + 5 &&
      now.requests <= baseline.requests + 10 &&
      now.responses <= baseline.responses + 10 &&
      now.sockets <= baseline.sockets + 10;
    let now = servingProcessHolds();
    for (let i = 0; i < 60 && !close(now); i++) {
      await sleep(500);
      now = servingProcessHolds();
    }
    assert.ok(
      close(now),
      `the serving process holds ${JSON.stringify(now)}, against ${JSON.stringify(baseline)} before the clients`,
    );
    assert.equal(
      (await t.api.public('GET', `/instances/${run.uuid}/api/hello`, key)).status,
      200,
      'the proxy still works',
    );
    await t.api.public('POST', `/lambdas/${echo.id}/runs/${run.uuid}/stop`, key, {});
  });
});
