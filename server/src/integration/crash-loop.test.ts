// Issue 5 §10: kill -9 in a loop while runs are created; the JSON file always parses to a
// committed state, and nothing a client saw acknowledged is lost. Issue 20: in the end every
// acknowledged run has run or failed with a reason.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Run } from '../contract/types.js';
import { killChild, killTrackedChildren } from '../testing/children.js';
import { testEngine } from '../testing/docker.js';
import { makeDataDir, PACKAGES, startServerProcess } from '../testing/harness.js';

const ROUNDS = 50;
const TERMINAL = new Set(['succeeded', 'failed', 'stopped', 'timedOut']);

describe('kill -9 loop', () => {
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
    `${ROUNDS} rounds of kill -9 while runs are created: db.json always parses, acknowledged runs survive and run`,
    { timeout: 15 * 60_000 },
    async () => {
      dataDir = await makeDataDir();
      const first = await startServerProcess(dataDir);
      const port = first.port;
      let { child, api } = first;
      const project = await api.createProject(PACKAGES.hello, 'hello', { runTimeoutSeconds: 60 });
      assert.equal((await api.build(project.id)).state, 'succeeded');
      const key = await api.createKey();
      instanceId = JSON.parse(await readFile(join(dataDir, 'db.json'), 'utf8')).instanceId;
      const acknowledged = new Set<string>();
      for (let round = 0; round < ROUNDS; round++) {
        // fire creations without waiting; once one is acknowledged, kill the server mid-stream
        const inflight = Array.from({ length: 4 }, () =>
          api
            .public('POST', `/lambdas/${project.id}/runs`, key, { mode: 'oneShot', arguments: ['exit:0'] })
            .then((r) => {
              if (r.status !== 201) throw new Error(`answered ${r.status}`);
              acknowledged.add(r.body.run.uuid);
            }),
        );
        await Promise.any(inflight);
        await sleep((round % 5) * 20);
        await killChild(child);
        await Promise.allSettled(inflight);
        const text = await readFile(join(dataDir, 'db.json'), 'utf8');
        const db = JSON.parse(text) as { runs: Array<{ run: { uuid: string } }>; keys: unknown[]; projects: unknown[] };
        assert.equal(db.projects.length, 1, `round ${round}: projects intact`);
        assert.equal(db.keys.length, 1, `round ${round}: keys intact`);
        const stored = new Set(db.runs.map((r) => r.run.uuid));
        for (const id of acknowledged) assert.ok(stored.has(id), `round ${round}: acknowledged run ${id} was lost`);
        ({ child, api } = await startServerProcess(dataDir, port));
      }
      assert.ok(acknowledged.size >= ROUNDS, `${acknowledged.size} runs acknowledged in ${ROUNDS} rounds`);

      for (const id of acknowledged) {
        const run = (await api.waitForRun(project.id, id, key, (r) => TERMINAL.has(r.state), 120_000)) as Run;
        if (run.state === 'failed') assert.ok(run.errorSummary, `run ${id} failed without a reason`);
        else
          assert.deepEqual(
            [run.state, run.exitCode, run.startedAt !== null],
            ['succeeded', 0, true],
            `run ${id} did not run: ${JSON.stringify(run)}`,
          );
      }
      await killChild(child, 'SIGTERM');
    },
  );
});
