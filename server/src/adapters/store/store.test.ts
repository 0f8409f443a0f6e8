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
