import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isIgnoredPath, isIgnoredUnlessEnvFile, PackageWatcher } from './package-watcher.js';
import { localDependencyFolders, pathDependenciesIn } from '../projects/index.js';
import { RebuildScheduler } from './rebuild-scheduler.js';

test('path dependencies are read from the manifest, comments ignored', () => {
  const manifest = `
    dependencies: [
      .package(path: "../Shared"),
      // .package(path: "../Commented"),
      .package(name: "Util", path: "/abs/Util"),
      .package(url: "https://example.com/x.git", from: "1.0.0"),
      .package(url: "file:///home/me/git/Greeting/", from: "1.0.0"),
    ]`;
  assert.deepEqual(pathDependenciesIn(manifest), ['../Shared', '/abs/Util', '/home/me/git/Greeting']);
});

test('local dependency folders are found transitively, once each, missing ones skipped', async () => {
  const root = await mkdtemp(join(tmpdir(), 'deps-'));
  try {
    for (const [dir, deps] of [
      ['App', ['../A', '../Missing']],
      ['A', ['../B', '../App']],
      ['B', ['../A']],
    ] as const) {
      await mkdir(join(root, dir));
      await writeFile(join(root, dir, 'Package.swift'), deps.map((d) => `.package(path: "${d}")`).join(',\n'));
    }
    assert.deepEqual(await localDependencyFolders(join(root, 'App')), [join(root, 'A'), join(root, 'B')]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('ignored: build output, SwiftPM state, dot-folders and editor temp files', () => {
  const roots = ['/p'];
  for (const p of [
    '/p/.build/x.o',
    '/p/.swiftpm/a',
    '/p/.git/HEAD',
    '/p/Sources/.main.swift.swp',
    '/p/Sources/main.swift~',
    '/p/Sources/4913',
    '/p/Sources/#main.swift#',
  ]) {
    assert.ok(isIgnoredPath(p, roots), p);
  }
  for (const p of ['/p/Sources/main.swift', '/p/Package.swift', '/p']) assert.ok(!isIgnoredPath(p, roots), p);
});

test('a burst of changes makes one build; changes during a build queue exactly one more', async () => {
  let builds = 0;
  let release: () => void = () => undefined;
  const scheduler = new RebuildScheduler(async () => {
    builds++;
    await new Promise<void>((r) => (release = r));
  }, 100);
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 500 && !done(); i++) await sleep(10);
  };
  for (let i = 0; i < 5; i++) scheduler.changed();
  await until(() => builds === 1);
  await sleep(300);
  assert.equal(builds, 1, 'one build for the burst');
  for (let i = 0; i < 4; i++) scheduler.changed();
  release();
  await until(() => builds === 2);
  assert.equal(builds, 2, 'one more for the changes made during the build');
  release();
  await sleep(300);
  assert.equal(builds, 2, 'and no more');
  scheduler.stop();
});

test('the watcher reports a saved source file and not what it ignores', async () => {
  const root = await mkdtemp(join(tmpdir(), 'watch-'));
  const seen: string[] = [];
  const watcher = new PackageWatcher((p) => seen.push(p));
  try {
    await mkdir(join(root, 'Sources'));
    await mkdir(join(root, '.build'));
    await watcher.watch([root]);
    await writeFile(join(root, '.build', 'x.o'), 'x');
    await writeFile(join(root, 'Sources', 'main.swift'), 'print(1)');
    for (let i = 0; i < 500 && !seen.length; i++) await sleep(20);
    assert.deepEqual(seen, [join(root, 'Sources', 'main.swift')]);
  } finally {
    await watcher.close();
    await rm(root, { recursive: true, force: true });
  }
});

test("the watcher reports the project's env file, though it is a dot-file, and no other", async () => {
  const root = await mkdtemp(join(tmpdir(), 'watch-env-'));
  const seen: string[] = [];
  const watcher = new PackageWatcher((p) => seen.push(p));
  try {
    await mkdir(join(root, '.config'));
    await writeFile(join(root, '.config', 'app.env'), 'A=1\n');
    await writeFile(join(root, '.env'), 'A=1\n');
    await watcher.watch([root], join(root, '.config', 'app.env'));
    await writeFile(join(root, '.env'), 'A=2\n');
    await writeFile(join(root, '.config', 'app.env'), 'A=2\n');
    for (let i = 0; i < 500 && !seen.length; i++) await sleep(20);
    await sleep(200);
    assert.deepEqual([...new Set(seen)], [join(root, '.config', 'app.env')]);
    assert.equal(isIgnoredUnlessEnvFile(join(root, '.env'), [root], join(root, '.config', 'app.env')), true);
  } finally {
    await watcher.close();
    await rm(root, { recursive: true, force: true });
  }
});
