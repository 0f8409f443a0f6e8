import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { syncMirror } from './source-mirror.js';

test('the mirror follows the source: new, changed and removed files; unchanged files keep inode and mtime', async () => {
  const root = await mkdtemp(join(tmpdir(), 'mirror-'));
  const src = join(root, 'src');
  const dst = join(root, 'dst');
  try {
    await mkdir(join(src, 'Sources', 'app'), { recursive: true });
    await mkdir(join(src, '.build', 'x'), { recursive: true });
    await writeFile(join(src, 'Package.swift'), '// manifest');
    await writeFile(join(src, 'Sources', 'app', 'main.swift'), 'print(1)');
    await writeFile(join(src, 'Sources', 'app', 'gone.swift'), 'x');
    await writeFile(join(src, '.build', 'x', 'o'), 'object');
    await symlink('main.swift', join(src, 'Sources', 'app', 'link.swift'));
    assert.deepEqual(await syncMirror(src, dst), { copied: 4, removed: 0 });
    assert.equal(await readFile(join(dst, 'Sources', 'app', 'main.swift'), 'utf8'), 'print(1)');
    assert.equal(await stat(join(dst, '.build')).catch(() => null), null, '.build is not copied');
    const before = await stat(join(dst, 'Package.swift'));

    await writeFile(join(dst, 'Package.resolved'), '{"pins":[]}');
    await rm(join(src, 'Sources', 'app', 'gone.swift'));
    await writeFile(join(src, 'Sources', 'app', 'main.swift'), 'print(2)');
    const later = new Date(Date.now() + 5000);
    await utimes(join(src, 'Sources', 'app', 'main.swift'), later, later);
    assert.deepEqual(await syncMirror(src, dst), { copied: 1, removed: 1 });
    assert.equal(await readFile(join(dst, 'Sources', 'app', 'main.swift'), 'utf8'), 'print(2)');
    assert.equal(
      Math.trunc((await stat(join(dst, 'Sources', 'app', 'main.swift'))).mtimeMs),
      Math.trunc((await stat(join(src, 'Sources', 'app', 'main.swift'))).mtimeMs),
    );
    const after = await stat(join(dst, 'Package.swift'));
    assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs], 'an unchanged file is left alone');
    assert.equal(
      await readFile(join(dst, 'Package.resolved'), 'utf8'),
      '{"pins":[]}',
      "SwiftPM's Package.resolved stays in the copy",
    );

    await writeFile(join(src, 'Package.resolved'), '{"pins":["mine"]}');
    await syncMirror(src, dst);
    assert.equal(
      await readFile(join(dst, 'Package.resolved'), 'utf8'),
      '{"pins":["mine"]}',
      "the user's own Package.resolved wins",
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
