import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isIgnoredPath, isIgnoredUnlessEnvFile, PackageWatcher } from './package-watcher.js';
import { localDependencyFolders, manifestFileOf, pathDependenciesIn, swiftVersionOfImage } from '../projects/index.js';
import { RebuildScheduler } from './rebuild-scheduler.js';
import { connectsDirectly } from './readiness.js';

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

test('the manifest the toolchain reads: the highest Package@swift-X not above its version, else Package.swift', async () => {
  const root = await mkdtemp(join(tmpdir(), 'manifests-'));
  try {
    for (const name of [
      'Package.swift',
      'Package@swift-5.9.swift',
      'Package@swift-6.0.swift',
      'Package@swift-6.1.swift',
    ])
      await writeFile(join(root, name), '');
    assert.equal(await manifestFileOf(root, '6.0.3'), join(root, 'Package@swift-6.0.swift'));
    assert.equal(await manifestFileOf(root, '5.10'), join(root, 'Package@swift-5.9.swift'));
    assert.equal(await manifestFileOf(root, '5.8'), join(root, 'Package.swift'));
    assert.equal(await manifestFileOf(root, null), join(root, 'Package@swift-6.1.swift'));
    assert.deepEqual(
      ['swift:6.0-jammy', 'swiftlambda/swift:6.0-trixie-git', 'swift:5.10.1', 'swift:latest', 'x/y'].map(
        swiftVersionOfImage,
      ),
      ['6.0', '6.0', '5.10.1', null, null],
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('path dependencies come from the manifest Swift 6.0 reads (Package@swift-6.0.swift) when there is one', async () => {
  const root = await mkdtemp(join(tmpdir(), 'deps-versioned-'));
  try {
    for (const dir of ['App', 'Old', 'New']) await mkdir(join(root, dir));
    await writeFile(join(root, 'App', 'Package.swift'), '.package(path: "../Old")');
    await writeFile(join(root, 'App', 'Package@swift-6.0.swift'), '.package(path: "../New")');
    assert.deepEqual(await localDependencyFolders(join(root, 'App'), '6.0.3'), [join(root, 'New')]);
    assert.deepEqual(await localDependencyFolders(join(root, 'App'), '5.10'), [join(root, 'Old')]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a build is told when the first change of its burst was seen', async () => {
  const seen: Array<number | null> = [];
  const scheduler = new RebuildScheduler(async (changedAt) => void seen.push(changedAt), 50);
  const before = Date.now();
  scheduler.changed();
  await sleep(20);
  scheduler.changed();
  for (let i = 0; i < 100 && !seen.length; i++) await sleep(10);
  scheduler.stop();
  assert.equal(seen.length, 1);
  assert.ok(seen[0]! >= before && seen[0]! < before + 20, `${seen[0]! - before} ms after the first change`);
});

test('a direct connection: accepted when something listens, refused at once when nothing does', async () => {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    assert.equal(await connectsDirectly('127.0.0.1', port), 'yes');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  const began = Date.now();
  assert.equal(await connectsDirectly('127.0.0.1', port), 'no');
  assert.ok(Date.now() - began < 250, 'a refusal is not a timeout');
});
