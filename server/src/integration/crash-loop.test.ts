// Issue 5 §10: kill -9 in a loop while runs are created; the JSON file always parses to a
// committed state, and nothing a client saw acknowledged is lost.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { makeDataDir, PACKAGES, startServerProcess } from '../testing/harness.js';

describe('kill -9 loop', () => {
  let dataDir = '';
  after(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('50 rounds of kill -9 while runs are created: db.json always parses, acknowledged runs survive', async () => {
    dataDir = await makeDataDir();
    const first = await startServerProcess(dataDir);
    const port = first.port;
    let { child, api } = first;
    const project = await api.createProject(PACKAGES.hello, 'hello', { runTimeoutSeconds: 5 });
    assert.equal((await api.build(project.id)).state, 'succeeded');
    const key = await api.createKey();
    const acknowledged = new Set<string>();
    for (let round = 0; round < 50; round++) {
      // fire creations without waiting, then kill the server mid-stream
      const inflight = Array.from({ length: 4 }, () =>
        api.public('POST', `/lambdas/${project.id}/runs`, key, { mode: 'oneShot', arguments: ['exit:0'] })
          .then((r) => (r.status === 201 ? acknowledged.add(r.body.run.uuid) : undefined))
          .catch(() => undefined));
      await new Promise((r) => setTimeout(r, 15 + (round % 5) * 20));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      await Promise.all(inflight);
      const text = await readFile(join(dataDir, 'db.json'), 'utf8');
      const db = JSON.parse(text) as { runs: Array<{ run: { uuid: string } }>; keys: unknown[]; projects: unknown[] };
      assert.equal(db.projects.length, 1, `round ${round}: projects intact`);
      assert.equal(db.keys.length, 1, `round ${round}: keys intact`);
      const stored = new Set(db.runs.map((r) => r.run.uuid));
      for (const id of acknowledged) assert.ok(stored.has(id), `round ${round}: acknowledged run ${id} was lost`);
      ({ child, api } = await startServerProcess(dataDir, port));
    }
    assert.ok(acknowledged.size > 20, `${acknowledged.size} runs acknowledged`);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  });
});
