// Issue 3 §12: kill -9 the server with a live oneShot and a live service run, start it again.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { killTrackedChildren, trackChild } from '../testing/children.js';
import { containersOfRun, testEngine } from '../testing/docker.js';
import { makeDataDir, PACKAGES, startServerProcess, waitFor } from '../testing/harness.js';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const startChild = startServerProcess;

describe('restart after kill -9', () => {
  let dataDir = '';
  after(async () => {
    await killTrackedChildren();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test(
    'live runs are re-attached, finished ones recorded, nothing duplicated or orphaned',
    { timeout: 10 * 60_000 },
    async () => {
      dataDir = await makeDataDir();
      const first = await startChild(dataDir);
      const port = first.port;
      let { child, api } = first;
      const hello = await api.createProject(PACKAGES.hello, 'hello');
      const echo = await api.createProject(PACKAGES.echo, 'echo-service', { runTimeoutSeconds: 120 });
      assert.equal((await api.build(hello.id)).state, 'succeeded');
      assert.equal((await api.build(echo.id)).state, 'succeeded');
      const key = await api.createKey();
      // a oneShot that prints, sleeps through the restart, then prints more
      const oneShot = (
        await api.public('POST', `/lambdas/${hello.id}/runs`, key, {
          mode: 'oneShot',
          arguments: ['lines:3', 'sleep:6', 'stderr:after-sleep'],
        })
      ).body.run;
      const service = (await api.public('POST', `/lambdas/${echo.id}/runs`, key, { mode: 'service' })).body.run;
      // a oneShot that ends while the server is down
      const quick = (
        await api.public('POST', `/lambdas/${hello.id}/runs`, key, {
          mode: 'oneShot',
          arguments: ['sleep:1', 'exit:7'],
        })
      ).body.run;
      await api.waitForRun(hello.id, oneShot.uuid, key, (r) => r.state === 'running');
      const live = await api.waitForRun(echo.id, service.uuid, key, (r) => r.state === 'running');
      await api.waitForRun(hello.id, quick.uuid, key, (r) => r.state === 'running');
      await waitFor(
        async () =>
          (await api.public('GET', `/instances/${service.uuid}/api/hello`, key)).status === 200 ? true : undefined,
        10_000,
        'service',
      );
      const before = (await api.allLogs(hello.id, oneShot.uuid, key)).length;
      assert.ok(before >= 3);

      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      await sleep(2000); // the quick run exits while nobody watches

      const restartedAt = Date.now();
      ({ child, api } = await startChild(dataDir, port));
      // within 5 s every run's state matches what Docker has
      const quickDone = await api.waitForRun(hello.id, quick.uuid, key, (r) => r.state !== 'running', 5000);
      assert.deepEqual([quickDone.state, quickDone.exitCode], ['failed', 7], 'the exit code is not lost');
      assert.ok(
        quickDone.finishedAt <= Math.floor(restartedAt / 1000),
        `finishedAt ${quickDone.finishedAt} is Docker's, before the restart`,
      );
      assert.ok(Date.now() - restartedAt < 6000);
      const svc = (await api.public('GET', `/lambdas/${echo.id}/runs/${service.uuid}`, key)).body.run;
      assert.equal(svc.state, 'running');
      assert.equal(svc.hostPort, live.hostPort);
      const proxied = await api.public('GET', `/instances/${service.uuid}/api/hello`, key);
      assert.equal(proxied.status, 200, 'the re-attached service is proxied');

      const done = await api.waitForRun(
        hello.id,
        oneShot.uuid,
        key,
        (r) => !['queued', 'running'].includes(r.state),
        20_000,
      );
      assert.equal(done.state, 'succeeded');
      const logs = await api.allLogs(hello.id, oneShot.uuid, key);
      assert.deepEqual(
        logs.map((c) => c.sequence),
        logs.map((_, i) => i),
      );
      const data = logs.map((c) => c.data);
      for (const line of ['line 0\n', 'line 1\n', 'line 2\n', 'bye\n', 'Hello from SwiftLambda!\n']) {
        assert.equal(data.filter((d) => d === line).length, 1, `${JSON.stringify(line)} exactly once`);
      }
      assert.ok(
        logs.some((c) => c.stream === 'stderr' && c.data === 'after-sleep\n'),
        'output after the restart is captured',
      );

      await api.public('POST', `/lambdas/${echo.id}/runs/${service.uuid}/stop`, key, {});
      for (const id of [oneShot.uuid, service.uuid, quick.uuid]) {
        await waitFor(
          async () => ((await containersOfRun(id)) === 0 ? true : undefined),
          5000,
          `containers of ${id} removed`,
        );
      }
      const db = JSON.parse(await readFile(join(dataDir, 'db.json'), 'utf8'));
      assert.equal(db.runs.length, 3, 'no run duplicated');
      // the project's build container lives on between builds (decision 0042); nothing else may
      const stray = (await testEngine.listContainers({ 'swiftlambda.instance': db.instanceId })).filter(
        (c) => c.labels['swiftlambda.kind'] !== 'build',
      );
      assert.equal(stray.length, 0, 'no labelled container orphaned');
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  );

  test('a second server on the same data dir fails fast with a clear message', { timeout: 60_000 }, async () => {
    const dir = await makeDataDir();
    const first = await startChild(dir);
    try {
      const second = trackChild(
        spawn(process.execPath, [MAIN, '--port', '0', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] }),
      );
      let err = '';
      second.stderr!.on('data', (d) => (err += d));
      const code = await new Promise((r) => second.once('exit', r));
      assert.equal(code, 1);
      assert.match(err, /another SwiftLambda Local server \(pid \d+\) is using the data dir/);
      assert.equal((await first.api.console('GET', '/status')).status, 200, 'the first keeps working');
    } finally {
      first.child.kill('SIGTERM');
      await new Promise((r) => first.child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    }
  });

  test(
    'with the emulator gone for good, a container still ends a few seconds after its deadline',
    { timeout: 5 * 60_000 },
    async () => {
      const dir = await makeDataDir();
      const { child, api } = await startChild(dir);
      try {
        const project = await api.createProject(PACKAGES.hello, 'hello', { runTimeoutSeconds: 2 });
        assert.equal((await api.build(project.id)).state, 'succeeded');
        const key = await api.createKey();
        const run = (
          await api.public('POST', `/lambdas/${project.id}/runs`, key, { mode: 'oneShot', arguments: ['sleep:120'] })
        ).body.run;
        await api.waitForRun(project.id, run.uuid, key, (r) => r.state === 'running');
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        const db = JSON.parse(await readFile(join(dir, 'db.json'), 'utf8'));
        const stopped = await waitFor(
          async () => {
            const [c] = await testEngine.listContainers({
              'swiftlambda.instance': db.instanceId,
              'swiftlambda.run': run.uuid,
            });
            return c && !c.running ? c : undefined;
          },
          15_000,
          'the orphaned container to end by itself',
          250,
        );
        assert.ok(stopped);
        await testEngine.removeContainer(stopped.id);
      } finally {
        child.kill('SIGKILL');
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
