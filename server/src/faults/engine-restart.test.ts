// Issue 5 §13: the Docker engine stopped and started during a run. This stops the machine's
// dockerd, so it runs only in `npm run test:faults` with SWIFTLAMBDA_FAULTS_CAN_RESTART_DOCKERD=1
// (CI sets it: CI starts that dockerd itself); on a developer's machine it is skipped.
import assert from 'node:assert/strict';
import { execSync, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { testEngine } from '../testing/docker.js';
import { PACKAGES, startTestServer, waitFor, type TestServer } from '../testing/harness.js';

const allowed = process.env.SWIFTLAMBDA_FAULTS_CAN_RESTART_DOCKERD === '1';

async function engineUp(): Promise<boolean> {
  try {
    await testEngine.version();
    return true;
  } catch {
    return false;
  }
}

function dockerdRunning(): boolean {
  try {
    execSync('pgrep -x dockerd', { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts dockerd once the old one has fully exited (it holds its pid file until then). */
async function startDockerd(): Promise<void> {
  await waitFor(async () => (dockerdRunning() ? undefined : true), 60_000, 'the old dockerd to exit', 250);
  const child = spawn('setsid', ['sh', '-c', 'exec dockerd >>/tmp/dockerd.log 2>&1 </dev/null'], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  await waitFor(async () => ((await engineUp()) ? true : undefined), 60_000, 'dockerd to start', 500);
}

describe(
  'Docker engine stopped and started during a run',
  { skip: allowed ? false : 'set SWIFTLAMBDA_FAULTS_CAN_RESTART_DOCKERD=1 to let this test stop dockerd' },
  () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer();
    });
    after(async () => {
      if (!(await engineUp())) await startDockerd();
      await t?.dispose();
    });

    test(
      'reads keep working, writes answer 503, and after the engine is back run states match Docker',
      { timeout: 10 * 60_000 },
      async () => {
        const project = await t.api.createProject(PACKAGES.hello, 'hello', { runTimeoutSeconds: 120 });
        const echo = await t.api.createProject(PACKAGES.echo, 'echo-service', { runTimeoutSeconds: 120 });
        assert.equal((await t.api.build(project.id)).state, 'succeeded');
        assert.equal((await t.api.build(echo.id)).state, 'succeeded');
        const key = await t.api.createKey();
        const run = (
          await t.api.public('POST', `/lambdas/${project.id}/runs`, key, { mode: 'oneShot', arguments: ['sleep:60'] })
        ).body.run;
        const service = (await t.api.public('POST', `/lambdas/${echo.id}/runs`, key, { mode: 'service' })).body.run;
        await t.api.waitForRun(project.id, run.uuid, key, (r) => r.state === 'running');
        await t.api.waitForRun(echo.id, service.uuid, key, (r) => r.state === 'running');

        execSync('pkill -TERM -x dockerd');
        await waitFor(async () => ((await engineUp()) ? undefined : true), 30_000, 'dockerd to stop answering', 250);

        const read = await t.api.public('GET', `/lambdas/${project.id}/runs/${run.uuid}`, key);
        assert.equal(read.status, 200, 'reads keep working');
        const write = await t.api.public('POST', `/lambdas/${project.id}/runs`, key, { mode: 'oneShot' });
        assert.deepEqual([write.status, write.body.reason], [503, 'docker_unavailable']);
        const status = await t.api.console('GET', '/status');
        assert.equal(status.body.docker.available, false);

        await startDockerd();
        const backAt = Math.ceil(Date.now() / 1000);
        // the events stream reconnects with backoff and a full reconcile follows; the engine's stop
        // killed both containers, so both runs failed with the exit code and end time Docker recorded
        for (const [projectId, runId] of [
          [project.id, run.uuid],
          [echo.id, service.uuid],
        ] as const) {
          const settled = await t.api.waitForRun(projectId, runId, key, (r) => r.state !== 'running', 30_000);
          const containers = await testEngine.listContainers({ 'swiftlambda.run': runId });
          assert.ok(
            containers.every((c) => !c.running),
            'Docker has no running container for it',
          );
          assert.equal(settled.state, 'failed', 'the engine stop killed the container: the run failed');
          assert.ok(settled.errorSummary);
          assert.notEqual(settled.exitCode, null, 'the exit code Docker recorded');
          assert.ok(
            settled.startedAt !== null && settled.finishedAt <= backAt,
            `finishedAt ${settled.finishedAt} is when the container ended`,
          );
        }

        // a freshly started dockerd can refuse containers for a moment (its network store is not
        // ready yet); wait until it really runs one before judging new runs
        await waitFor(
          async () => {
            try {
              execSync(`docker run --rm ${t.config.defaultImage} true`, { stdio: 'ignore' });
              return true;
            } catch {
              return undefined;
            }
          },
          60_000,
          'dockerd to run containers',
          1000,
        );
        const again = (
          await t.api.public('POST', `/lambdas/${project.id}/runs`, key, { mode: 'oneShot', arguments: ['ok'] })
        ).body.run;
        const done = await t.api.waitForRun(
          project.id,
          again.uuid,
          key,
          (r) => !['queued', 'running'].includes(r.state),
        );
        assert.equal(done.state, 'succeeded', `new runs work again: ${done.errorSummary}`);
      },
    );
  },
);
