import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Store } from './store.js';

test('a corrupt store is moved aside and the last good copy restored, never silently reset', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'store-'));
  try {
    const first = await Store.open(dir);
    first.data.projects.push({ id: 'p1' } as never);
    await first.commit();
    const reopened = await Store.open(dir); // takes the backup of a good file
    assert.equal(reopened.data.projects.length, 1);
    await writeFile(join(dir, 'db.json'), '{"version":1,"keys":[');
    const recovered = await Store.open(dir);
    assert.equal(recovered.data.projects.length, 1);
    assert.equal(recovered.warnings.length, 1);
    assert.match(recovered.warnings[0]!, /moved aside/);
    const files = await readdir(dir);
    assert.ok(files.some((f) => f.startsWith('db.json.corrupt-')));
    JSON.parse(await readFile(join(dir, 'db.json'), 'utf8'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('commits made while a write is under way are coalesced and all land', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'store-'));
  try {
    const store = await Store.open(dir);
    const commits: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      store.data.projects.push({ id: `p${i}` } as never);
      commits.push(store.commit());
    }
    await Promise.all(commits);
    const onDisk = JSON.parse(await readFile(join(dir, 'db.json'), 'utf8'));
    assert.equal(onDisk.projects.length, 50);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('serializeDb gives what JSON.stringify gives, and notices a finished run that changed', async () => {
  const { serializeDb } = await import('./store.js');
  const run = (i: number, state: string) => ({
    run: { uuid: `r${i}`, state, updated: 1, finishedAt: 1, exitCode: 0, logsTruncated: false, arguments: ['a'] },
    jobId: 'j',
    containerId: null,
    memoryLimitMb: 1,
    pidsLimit: 1,
    binaryFile: '/b',
    stopRequested: false,
    startedAtMs: null,
  });
  const data = {
    version: 1,
    instanceId: 'i',
    keys: [],
    projects: [{ id: 'p' }],
    compilations: [],
    runs: [run(1, 'succeeded'), run(2, 'running'), run(3, 'failed')],
  } as never;
  assert.deepEqual(JSON.parse(serializeDb(data)), JSON.parse(JSON.stringify(data)));
  assert.equal(serializeDb(data), JSON.stringify(data));
  (data as { runs: Array<ReturnType<typeof run>> }).runs[0]!.run.state = 'failed';
  (data as { runs: Array<ReturnType<typeof run>> }).runs[0]!.run.updated = 2;
  assert.equal(serializeDb(data), JSON.stringify(data));
  assert.equal(
    serializeDb({ ...(data as object), runs: [] } as never),
    JSON.stringify({ ...(data as object), runs: [] }),
  );
});

test('a change whose write fails is undone: memory stays what is on disk', async () => {
  const { mkdir } = await import('node:fs/promises');
  const dir = await mkdtemp(join(tmpdir(), 'store-'));
  try {
    const store = await Store.open(dir);
    await store.transact(() => store.data.projects.push({ id: 'kept', name: 'kept' } as never));
    const kept = store.data.projects[0]!;
    // the write's temporary file cannot be made: every write fails from here
    await mkdir(join(dir, `db.json.tmp-${process.pid}`));
    await assert.rejects(
      store.transact(() => {
        store.data.projects.push({ id: 'new' } as never);
        kept.name = 'renamed';
      }, [kept]),
    );
    assert.deepEqual(store.data.projects, [{ id: 'kept', name: 'kept' }]);
    assert.equal(store.data.projects[0], kept);
    const onDisk = JSON.parse(await readFile(join(dir, 'db.json'), 'utf8'));
    assert.deepEqual(onDisk.projects, store.data.projects);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a full disk is a 507 naming the data dir', async () => {
  const { insufficientStorage, asInsufficientStorage } = await import('./storage-fault.js');
  const enospc = Object.assign(new Error('no space'), { code: 'ENOSPC' });
  const err = insufficientStorage('/data', 'the store (db.json)', enospc);
  assert.equal(err.reason, 'insufficient_storage');
  assert.match(err.message, /the store \(db\.json\) in the data dir \/data \(ENOSPC\)/);
  const other = new Error('other');
  assert.equal(asInsufficientStorage('/data', 'x', other), other);
});

test('after a failed write, what stays in memory is written again once the disk takes it', async () => {
  const { mkdir, rmdir } = await import('node:fs/promises');
  const dir = await mkdtemp(join(tmpdir(), 'store-'));
  try {
    const store = await Store.open(dir);
    const blocker = join(dir, `db.json.tmp-${process.pid}`);
    await mkdir(blocker);
    // background progress (a run's end): not undone, but not on disk yet either
    store.data.compilations.push({ id: 'c1' } as never);
    await assert.rejects(store.commit());
    await rmdir(blocker);
    await new Promise((r) => setTimeout(r, 2500));
    const onDisk = JSON.parse(await readFile(join(dir, 'db.json'), 'utf8'));
    assert.deepEqual(onDisk.compilations, [{ id: 'c1' }]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
