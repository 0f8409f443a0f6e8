// Issue 20: kill -9 the emulator 0–150 ms after `POST …/runs` answered 201 and start it again.
// Within 5 s the API must say what Docker did, and in the end every acknowledged run has run or
// failed with a reason: never `succeeded` without running.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Run, RunMode } from '../contract/types.js';
import { killChild, killTrackedChildren } from '../testing/children.js';
import { inspectRunContainerRaw, testEngine } from '../testing/docker.js';
import { ApiClient, makeDataDir, PACKAGES, startServerProcess, waitFor } from '../testing/harness.js';

const KILL_DELAYS_MS = [0, 10, 30, 60, 100, 150];
const MATCH_WITHIN_MS = 5000;
const TERMINAL = new Set(['succeeded', 'failed', 'stopped', 'timedOut']);

const unixSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const near = (a: number | null, b: number) => a !== null && Math.abs(a - b) <= 1;

interface Acknowledged {
  readonly run: Run;
  readonly projectId: string;
  readonly label: string;
}

/**
 * Why the API's run differs from Docker's container, or null when they agree. A container that
 * exists but never started is a mismatch: the run was acknowledged, so it must be started.
 */
async function mismatch(api: ApiClient, key: string, projectId: string, runId: string): Promise<string | null> {
  const run = (await api.public('GET', `/lambdas/${projectId}/runs/${runId}`, key)).body.run as Run;
  const containers = await testEngine.listContainers({ 'swiftlambda.run': runId });
  if (containers.length > 1) return `${containers.length} containers for one run`;
  const info = await inspectRunContainerRaw(runId);
  if (run.state === 'succeeded' && run.startedAt === null) return 'succeeded without having started';
  if (!info) {
    if (TERMINAL.has(run.state)) return run.state === 'failed' && !run.errorSummary ? 'failed without a reason' : null;
    return `run is ${run.state} (${run.phase}) but Docker has no container for it`;
  }
  const state = info.State;
  const label = `container ${state.Status}, run ${run.state} (${run.phase})`;
  switch (state.Status) {
    case 'created':
      // a run whose deadline passed is failed; its container is about to be removed
      return run.state === 'failed' && run.errorSummary ? null : `${label}: an acknowledged run was not started`;
    case 'running': {
      if (run.state !== 'running') return label;
      if (!near(run.startedAt, unixSeconds(state.StartedAt)))
        return `${label}: startedAt ${run.startedAt}, Docker ${state.StartedAt}`;
      if (run.mode !== 'service') return null;
      const published = Number(info.NetworkSettings.Ports?.['8080/tcp']?.[0]?.HostPort ?? 0);
      if (run.hostPort !== published) return `${label}: hostPort ${run.hostPort}, Docker ${published}`;
      const proxied = await api.public('GET', `/instances/${runId}/api/hello`, key);
      return proxied.status === 200
        ? null
        : `${label}: the proxy answered ${proxied.status} ${JSON.stringify(proxied.body)}`;
    }
    case 'exited': {
      if (!TERMINAL.has(run.state)) return label;
      if (run.exitCode !== state.ExitCode) return `${label}: exitCode ${run.exitCode}, Docker ${state.ExitCode}`;
      if (!near(run.startedAt, unixSeconds(state.StartedAt)))
        return `${label}: startedAt ${run.startedAt}, Docker ${state.StartedAt}`;
      if (!near(run.finishedAt, unixSeconds(state.FinishedAt)))
        return `${label}: finishedAt ${run.finishedAt}, Docker ${state.FinishedAt}`;
      return (run.state === 'succeeded') === (state.ExitCode === 0) ? null : label;
    }
    default:
      return label;
  }
}

/** Null once the API agrees with Docker within MATCH_WITHIN_MS, else the last disagreement. */
async function disagreementAfterRestart(
  api: ApiClient,
  key: string,
  projectId: string,
  runId: string,
): Promise<string | null> {
  const deadline = Date.now() + MATCH_WITHIN_MS;
  let last: string | null = 'not checked';
  while (Date.now() < deadline) {
    last = await mismatch(api, key, projectId, runId);
    if (last === null) return null;
    await sleep(100);
  }
  return last;
}

/** The end every acknowledged run must reach: it ran (output, startedAt), or failed with a reason. */
async function assertRanOrFailed(
  api: ApiClient,
  key: string,
  ack: Acknowledged,
  expectedOutput: string,
): Promise<void> {
  const run = (await api.public('GET', `/lambdas/${ack.projectId}/runs/${ack.run.uuid}`, key)).body.run as Run;
  if (run.state === 'failed' && run.startedAt === null) {
    assert.ok(run.errorSummary, `${ack.label}: failed without a reason`);
    return;
  }
  assert.notEqual(run.startedAt, null, `${ack.label}: ${run.state} but never started`);
  const logs = await api.allLogs(ack.projectId, ack.run.uuid, key);
  const output = logs.map((c) => c.data).join('');
  assert.ok(
    output.includes(expectedOutput),
    `${ack.label}: ${run.state} without its output: ${JSON.stringify(output)}`,
  );
}

describe('kill -9 right after a run is acknowledged', () => {
  let dataDir = '';
  let instanceId = '';
  after(async () => {
    await killTrackedChildren();
    if (instanceId) {
      for (const c of await testEngine.listContainers({ 'swiftlambda.instance': instanceId }))
        await testEngine.removeContainer(c.id);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test(
    'after a restart the API tells what Docker did, and every acknowledged run runs or fails with a reason',
    { timeout: 15 * 60_000 },
    async (t) => {
      dataDir = await makeDataDir();
      let server = await startServerProcess(dataDir);
      const port = server.port;
      let api = server.api;
      let child: ChildProcess = server.child;
      const hello = await api.createProject(PACKAGES.hello, 'hello', { runTimeoutSeconds: 120 });
      const echo = await api.createProject(PACKAGES.echo, 'echo-service', { runTimeoutSeconds: 300 });
      for (const p of [hello, echo]) assert.equal((await api.build(p.id)).state, 'succeeded');
      const key = await api.createKey();
      instanceId = JSON.parse(await readFile(join(dataDir, 'db.json'), 'utf8')).instanceId;

      const acknowledged = new Map<RunMode, Acknowledged[]>([
        ['oneShot', []],
        ['service', []],
      ]);
      // every round is judged, then all disagreements are reported together
      const disagreements: string[] = [];
      const judge = async (projectId: string, runId: string, label: string) => {
        const found = await disagreementAfterRestart(api, key, projectId, runId);
        if (found) disagreements.push(`${label}: ${found}`);
      };
      const crashAfterAcknowledging = async (
        projectId: string,
        mode: RunMode,
        args: string[],
        delayMs: number,
        downMs = 0,
      ) => {
        const res = await api.public('POST', `/lambdas/${projectId}/runs`, key, { mode, arguments: args });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        if (delayMs) await sleep(delayMs);
        await killChild(child);
        if (downMs) await sleep(downMs);
        server = await startServerProcess(dataDir, port);
        ({ api, child } = server);
        return res.body.run as Run;
      };

      for (const mode of ['oneShot', 'service'] as const) {
        for (const delayMs of KILL_DELAYS_MS) {
          const project = mode === 'oneShot' ? hello : echo;
          // the oneShot prints, then sleeps past the restart: its container is seen running
          const run = await crashAfterAcknowledging(
            project.id,
            mode,
            mode === 'oneShot' ? ['lines:2', 'sleep:4'] : [],
            delayMs,
          );
          const label = `${mode} killed ${delayMs} ms after its 201`;
          await judge(project.id, run.uuid, label);
          acknowledged.get(mode)!.push({ run, projectId: project.id, label });
        }
      }

      // down for longer than the run's deadline: it either ran before the kill, or never starts
      assert.equal((await api.console('PATCH', `/projects/${hello.id}`, { runTimeoutSeconds: 2 })).status, 200);
      const late = await crashAfterAcknowledging(hello.id, 'oneShot', ['sleep:1'], 0, 3000);
      const lateAck = {
        run: late,
        projectId: hello.id,
        label: 'oneShot whose deadline passed while the emulator was down',
      };
      await judge(hello.id, late.uuid, lateAck.label);
      assert.deepEqual(disagreements, [], `within ${MATCH_WITHIN_MS} ms of a restart the API disagreed with Docker`);

      for (const ack of [...acknowledged.get('oneShot')!, lateAck]) {
        await api.waitForRun(ack.projectId, ack.run.uuid, key, (r) => TERMINAL.has(r.state), 30_000);
        await assertRanOrFailed(api, key, ack, 'Hello from SwiftLambda!\n');
      }
      const lateEnd = (await api.public('GET', `/lambdas/${hello.id}/runs/${late.uuid}`, key)).body.run as Run;
      t.diagnostic(
        `the run whose deadline passed while the emulator was down: ${lateEnd.state} (${lateEnd.errorSummary ?? 'ran'})`,
      );
      for (const ack of acknowledged.get('oneShot')!) {
        const run = (await api.public('GET', `/lambdas/${ack.projectId}/runs/${ack.run.uuid}`, key)).body.run as Run;
        assert.deepEqual(
          [run.state, run.exitCode],
          ['succeeded', 0],
          `${ack.label}: acknowledged well before its deadline, so it ran: ${run.errorSummary}`,
        );
        const output = (await api.allLogs(ack.projectId, ack.run.uuid, key)).map((c) => c.data).join('');
        assert.ok(output.includes('line 1\n') && output.includes('bye\n'), `${ack.label}: all of its output`);
      }
      for (const ack of acknowledged.get('service')!) {
        const run = (await api.public('GET', `/lambdas/${ack.projectId}/runs/${ack.run.uuid}`, key)).body.run as Run;
        assert.equal(run.state, 'running', ack.label);
        await assertRanOrFailed(api, key, ack, 'echo-service listening');
        const proxied = await api.public('GET', `/instances/${ack.run.uuid}/api/hello`, key);
        assert.equal(proxied.status, 200, `${ack.label}: the proxy answers`);
        const stopped = await api.public('POST', `/lambdas/${ack.projectId}/runs/${ack.run.uuid}/stop`, key, {});
        assert.equal(stopped.body.run?.state, 'stopped', ack.label);
      }
      // every run container goes; the project's build container lives on between builds (decision 0042)
      const runContainers = { 'swiftlambda.instance': instanceId, 'swiftlambda.kind': 'run' };
      await waitFor(
        async () => ((await testEngine.listContainers(runContainers)).length === 0 ? true : undefined),
        10_000,
        'every run container of this emulator to be removed',
      );
      await killChild(child, 'SIGTERM');
    },
  );
});
