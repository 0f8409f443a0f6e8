// A full disk and failed writes (issue 23, items 1-4): the data dir on a small real tmpfs, filled
// while runs print; a torn log found at start-up; start-up on a full disk.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, open, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { killChild, killTrackedChildren, trackChild } from '../testing/children.js';
import { fillDisk, MIB, mountTmpfs, tmpfsUnavailable } from '../testing/full-disk.js';
import { makeDataDir, PACKAGES, startTestServer, TEST_IMAGE, waitFor, type TestServer } from '../testing/harness.js';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const skip = tmpfsUnavailable() ?? false;
const LOST_NOTE = /\[swiftlambda\] the data dir was full: (\d+) lines? of output could not be written/;

/** Lines the notes of a log say were lost (a log can fill, recover and fill again). */
function linesLost(logs: Array<{ data: string }>): number {
  return logs.reduce((sum, c) => sum + Number(LOST_NOTE.exec(c.data)?.[1] ?? 0), 0);
}

/** A project running an imported host binary (`seq`, `dash`): no Swift build needed. */
async function importedProject(t: TestServer, name: string, binary: string): Promise<string> {
  const project = await t.api.createProject(PACKAGES.hello, 'hello', { name, runTimeoutSeconds: 120 });
  const res = await t.api.console('POST', `/projects/${project.id}/compilations`, { binaryPath: binary });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await waitFor(
    async () =>
      (await t.api.console('GET', `/projects/${project.id}/compilations`)).body.compilations.some(
        (c: { state: string }) => c.state === 'succeeded',
      ) || undefined,
    30_000,
    'the import',
  );
  return project.id;
}

function assertInsufficientStorage(res: { status: number; body: any }, dataDir: string): void {
  assert.equal(res.status, 507, JSON.stringify(res.body));
  assert.equal(res.body.reason, 'insufficient_storage');
  assert.ok(res.body.message.includes(dataDir), res.body.message);
}

/** Creating a key or a project, renaming a project, revoking a key: each a 507 that changes nothing. */
async function assertConsoleWritesRefused(t: TestServer, dataDir: string, projectId: string): Promise<void> {
  assert.equal((await t.api.console('GET', '/status')).status, 200);
  const before = {
    keys: (await t.api.console('GET', '/keys')).body.keys,
    projects: (await t.api.console('GET', '/projects')).body.projects,
  };
  assertInsufficientStorage(await t.api.console('POST', '/keys', { name: 'while-full' }), dataDir);
  assertInsufficientStorage(await t.api.console('PATCH', `/projects/${projectId}`, { name: 'renamed' }), dataDir);
  assertInsufficientStorage(
    await t.api.console('POST', '/projects', { name: 'new', sourcePath: PACKAGES.hello, targetName: 'hello' }),
    dataDir,
  );
  assertInsufficientStorage(await t.api.console('POST', `/keys/${before.keys[0].id}/revoke`), dataDir);
  assert.deepEqual((await t.api.console('GET', '/keys')).body.keys, before.keys);
  assert.deepEqual((await t.api.console('GET', '/projects')).body.projects, before.projects);
}

const tempFiles = async (dir: string) => (await readdir(dir)).filter((n) => n.includes('.tmp-'));

describe('a full disk', { skip }, () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    await killTrackedChildren();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  test(
    'runs printing while the disk fills end as Docker says; writes answer 507 and change nothing; space coming back is noted',
    { timeout: 5 * 60_000 },
    async () => {
      const disk = await mountTmpfs(16 * MIB);
      cleanups.push(disk.unmount);
      let t = await startTestServer({ dataDir: disk.dir });
      cleanups.push(() => t.dispose());
      const projectId = await importedProject(t, 'seq', '/usr/bin/seq');
      const key = await t.api.createKey({ name: 'before' });
      const filler = await fillDisk(disk.dir, 256 * 1024);
      const LINES = 100_000;
      const runs: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await t.api.public('POST', `/lambdas/${projectId}/runs`, key, {
          mode: 'oneShot',
          arguments: ['1', String(LINES)],
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        runs.push(res.body.run.uuid);
      }
      for (const id of runs) {
        const run = await t.api.waitForRun(projectId, id, key, (r) => r.phase === 'finished', 120_000);
        assert.equal(run.state, 'succeeded', JSON.stringify(run));
        assert.equal(run.exitCode, 0);
        assert.equal(run.logsTruncated, true);
      }
      await fillDisk(disk.dir); // whatever the runs' end freed: nothing is left now

      // the server answers; every write is a 507 that changes nothing
      await assertConsoleWritesRefused(t, disk.dir, projectId);
      const started = await t.api.public('POST', `/lambdas/${projectId}/runs`, key, { mode: 'oneShot' });
      assertInsufficientStorage(started, disk.dir);
      assert.equal((await t.api.public('GET', `/lambdas/${projectId}/runs`, key)).body.runs.length, 3);
      const compilations = async () =>
        (await t.api.console('GET', `/projects/${projectId}/compilations`)).body.compilations.length;
      const compiled = await compilations();
      const imported = await t.api.console('POST', `/projects/${projectId}/compilations`, { binaryPath: '/bin/dash' });
      assertInsufficientStorage(imported, disk.dir);
      assert.equal(await compilations(), compiled);
      assert.equal((await readdir(join(disk.dir, 'binaries', projectId))).length, compiled);
      // reading never fails: every page is whole, sequences contiguous
      for (const id of runs) {
        const logs = await t.api.allLogs(projectId, id, key);
        logs.forEach((c, i) => assert.equal(c.sequence, i));
      }
      assert.deepEqual(await tempFiles(disk.dir), []);

      // space comes back: each log says how many lines it lost, and they add up
      await unlink(filler);
      for (const id of runs) {
        const logs = await waitFor(
          async () => {
            const all = await t.api.allLogs(projectId, id, key);
            return all.some((c) => LOST_NOTE.test(c.data)) ? all : undefined;
          },
          20_000,
          `the note about lost lines of run ${id}`,
        );
        // whole lines only, in order, each once; with the lost ones they are all of the output
        const out = logs.filter((c) => c.stream === 'stdout').map((c) => c.data);
        out.forEach((line, i) => {
          assert.match(line, /^\d+\n$/);
          if (i > 0) assert.ok(Number(line) > Number(out[i - 1]), `${out[i - 1]} then ${line}`);
        });
        const lost = linesLost(logs);
        assert.equal(out.length + lost, LINES, `${out.length} stored + ${lost} lost`);
      }
      assert.equal((await t.api.console('POST', '/keys', { name: 'after' })).status, 201);
      const onDisk = JSON.parse(await readFile(join(disk.dir, 'db.json'), 'utf8'));
      assert.deepEqual(
        onDisk.keys.map((k: { name: string }) => k.name),
        ['before', 'after'],
      );
      // what is on disk is what the server said: a restart keeps the outcomes
      await t.stop();
      t = await startTestServer({ dataDir: disk.dir });
      for (const id of runs) {
        const { run } = (await t.api.public('GET', `/lambdas/${projectId}/runs/${id}`, key)).body;
        assert.deepEqual([run.state, run.exitCode, run.logsTruncated], ['succeeded', 0, true]);
      }
    },
  );

  test(
    'a store write that fails answers 507 and changes nothing, in memory or on disk',
    { timeout: 2 * 60_000 },
    async () => {
      const disk = await mountTmpfs(4 * MIB);
      cleanups.push(disk.unmount);
      const t = await startTestServer({ dataDir: disk.dir });
      cleanups.push(() => t.dispose());
      const project = await t.api.createProject(PACKAGES.hello, 'hello');
      await t.api.createKey({ name: 'before' });
      const filler = await fillDisk(disk.dir);
      await assertConsoleWritesRefused(t, disk.dir, project.id);
      assert.deepEqual(await tempFiles(disk.dir), []);
      await unlink(filler);
      assert.equal((await t.api.console('POST', '/keys', { name: 'after' })).status, 201);
      const onDisk = JSON.parse(await readFile(join(disk.dir, 'db.json'), 'utf8'));
      assert.deepEqual(
        onDisk.keys.map((k: { name: string; revokedAt: number | null }) => [k.name, k.revokedAt]),
        [
          ['before', null],
          ['after', null],
        ],
      );
      assert.deepEqual(
        onDisk.projects.map((p: { name: string }) => p.name),
        ['hello'],
      );
    },
  );

  test(
    'start-up on a full disk says "data dir full" and exits 1; temporary files of atomic writes go at start-up',
    { timeout: 2 * 60_000 },
    async () => {
      const disk = await mountTmpfs(4 * MIB);
      cleanups.push(disk.unmount);
      await writeFile(join(disk.dir, 'db.json.tmp-999999'), '{"half":');
      await writeFile(join(disk.dir, 'server.json.tmp-999999'), '{');
      const filler = await fillDisk(disk.dir);
      const child = trackChild(
        spawn(process.execPath, [MAIN, '--port', '0', '--data-dir', disk.dir], {
          env: { ...process.env, SWIFTLAMBDA_DEFAULT_IMAGE: TEST_IMAGE },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 1, stderr);
      assert.match(stderr, /^data dir full: .* in /m);
      assert.ok(stderr.includes(disk.dir), stderr);
      assert.match(stderr, /free/);
      assert.doesNotMatch(stderr, /Docker engine not reachable|fatal:|\n\s+at /);
      await unlink(filler);
      const t = await startTestServer({ dataDir: disk.dir });
      cleanups.push(() => t.stop());
      assert.deepEqual(await tempFiles(disk.dir), []);
      await killChild(child);
    },
  );
});

describe('a torn log', () => {
  let t: TestServer | undefined;
  let dataDir = '';
  after(async () => {
    await t?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test(
    'a damaged log found at start-up is cut back and skipped; the run ends as its container did',
    { timeout: 3 * 60_000 },
    async () => {
      dataDir = await makeDataDir();
      t = await startTestServer({ dataDir });
      const projectId = await importedProject(t, 'dash', '/bin/dash');
      const key = await t.api.createKey();
      const run = (
        await t.api.public('POST', `/lambdas/${projectId}/runs`, key, {
          mode: 'oneShot',
          arguments: ['-c', 'seq 1 3000; sleep 6'],
        })
      ).body.run;
      await waitFor(
        async () => ((await t!.api.allLogs(projectId, run.uuid, key)).length >= 3000 ? true : undefined),
        30_000,
        'the output',
      );
      await t.stop({ stopRuns: false }); // the container runs on
      // a NUL inside line 10, then what a full disk left: NUL bytes and half a line, with index entries
      const base = join(dataDir, 'logs', 'runs', run.uuid);
      const data = await open(`${base}.ndjson`, 'r+');
      const text = await readFile(`${base}.ndjson`, 'utf8');
      let at = 0;
      for (let i = 0; i < 10; i++) at = text.indexOf('\n', at) + 1;
      await data.write(Buffer.from([0]), 0, 1, text.indexOf('"data":"', at) + 8);
      await data.close();
      const size = Buffer.byteLength(text);
      await appendFile(`${base}.ndjson`, Buffer.concat([Buffer.alloc(64), Buffer.from('{"sequence":3000,"str')]));
      const entry = Buffer.alloc(8);
      entry.writeUIntLE(size + 64, 0, 6);
      await appendFile(`${base}.idx`, Buffer.concat([entry, Buffer.alloc(3)]));

      t = await startTestServer({ dataDir });
      const done = await t.api.waitForRun(projectId, run.uuid, key, (r) => r.phase === 'finished', 60_000);
      assert.equal(done.state, 'succeeded', JSON.stringify(done));
      assert.equal(done.exitCode, 0);
      assert.equal(done.errorSummary, null);
      const res = await t.api.public('GET', `/lambdas/${projectId}/runs/${run.uuid}/logs?limit=500`, key);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const logs = await t.api.allLogs(projectId, run.uuid, key);
      logs.forEach((c, i) => assert.equal(c.sequence, i));
      assert.equal(logs[10].stream, 'system');
      assert.match(logs[10].data, /damaged on disk/);
      assert.equal(logs[11].data, '12\n');
      assert.ok(logs.every((c) => !c.data.includes('\u0000')));
      assert.equal(logs.filter((c) => c.data === '3000\n').length, 1);
    },
  );
});
