// Issue 16: what a networked build of a real package does, offline: a path dependency in a sibling
// folder, a resource read through Bundle.module, a git dependency by file:// URL with a version tag,
// SwiftPM's shared cache, diagnostics naming the user's files, and nothing written into them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Compilation } from '../contract/types.js';
import { startTestServer, TEST_IMAGE, type TestServer } from '../testing/harness.js';

const FIXTURES = fileURLToPath(new URL('../../../resources/test-packages/real-package/', import.meta.url));

/** Every file and folder under `dir` with its size and modification time. */
async function snapshot(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = join(prefix, entry.name);
    const info = await stat(join(dir, rel));
    out.push(`${rel} ${entry.isDirectory() ? 'dir' : `${info.size} ${info.mtimeMs}`}`);
    if (entry.isDirectory()) out.push(...(await snapshot(dir, rel)));
  }
  return out.sort();
}

describe('real packages', { timeout: 900_000 }, () => {
  let t: TestServer;
  let root: string;
  let app: string;
  let key: string;
  const buildLog = async (projectId: string, c: Compilation) =>
    (
      (await t.api.console('GET', `/projects/${projectId}/compilations/${c.id}/logs?limit=5000`)).body.logs as Array<{
        data: string;
      }>
    )
      .map((l) => l.data)
      .join('');

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'real-packages-'));
    app = join(root, 'App');
    await cp(join(FIXTURES, 'App'), app, { recursive: true });
    await cp(join(FIXTURES, 'Shared'), join(root, 'Shared'), { recursive: true });
    const greeting = join(app, 'deps', 'Greeting');
    await cp(join(FIXTURES, 'Greeting'), greeting, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync(
        'git',
        ['-c', 'user.email=test@example.com', '-c', 'user.name=test', '-c', 'init.defaultBranch=main', ...args],
        { cwd: greeting, stdio: 'pipe' },
      );
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'Greeting 1.0.0');
    git('tag', '1.0.0');
    const manifest = (await readFile(join(app, 'Package.swift.in'), 'utf8')).replace(
      '__GREETING_URL__',
      `file://${greeting}`,
    );
    await writeFile(join(app, 'Package.swift'), manifest);
    t = await startTestServer();
    key = await t.api.createKey({ name: 'real' });
  });
  after(async () => {
    await t?.dispose();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test("a package with a path dependency, a git dependency and a resource builds and runs; the user's folders are untouched", async () => {
    const before = [await snapshot(app), await snapshot(join(root, 'Shared'))];
    const project = await t.api.createProject(app, 'app', { name: 'app' });
    const c = await t.api.build(project.id, 600_000);
    const log = await buildLog(project.id, c);
    assert.equal(c.state, 'succeeded', `${c.errorSummary}\n${log.slice(-3000)}`);
    assert.deepEqual(
      c.resolvedPackages.map((p) => [p.identity, p.version]),
      [['greeting', '1.0.0']],
    );
    assert.match(log, /resolved greeting 1\.0\.0/);
    const run = (await t.api.public('POST', `/lambdas/${project.id}/runs`, key, { mode: 'oneShot' })).body.run;
    const done = await t.api.waitForRun(
      project.id,
      run.uuid,
      key,
      (r) => r.state !== 'queued' && r.state !== 'running',
    );
    const output = (await t.api.allLogs(project.id, run.uuid, key)).map((l) => l.data).join('');
    assert.equal(done.state, 'succeeded', output);
    assert.match(output, /resource: hello from a resource bundle\n/);
    assert.match(output, /shared: hello from a path dependency\n/);
    assert.match(output, /greeting: 1\.0\.0 from a git dependency\n/);
    assert.deepEqual(
      [await snapshot(app), await snapshot(join(root, 'Shared'))],
      before,
      "no file appeared or changed in the user's folders",
    );
  });

  test('a second project resolving the same git dependency takes it from the shared cache', async () => {
    const app2 = join(root, 'App2');
    await cp(app, app2, { recursive: true });
    const project = await t.api.createProject(app2, 'app', { name: 'app2' });
    const c = await t.api.build(project.id, 600_000);
    const log = await buildLog(project.id, c);
    assert.equal(c.state, 'succeeded', `${c.errorSummary}\n${log.slice(-3000)}`);
    assert.match(log, /Fetched [^\n]*Greeting from cache/, log.slice(-3000));
  });

  test("an error in a path dependency names the user's own file and line", async () => {
    const file = join(root, 'Shared', 'Sources', 'Shared', 'Shared.swift');
    const original = await readFile(file, 'utf8');
    try {
      await writeFile(file, 'public func sharedGreeting() -> String {\n    undefinedThing\n}\n');
      const project = (await t.api.console('GET', '/projects')).body.projects.find(
        (p: { name: string }) => p.name === 'app',
      );
      const c = await t.api.build(project.id, 600_000);
      assert.equal(c.state, 'failed');
      const error = c.diagnostics.find((d) => d.severity === 'error');
      assert.ok(error, JSON.stringify(c.diagnostics));
      assert.deepEqual([error.file, error.line], [file, 2]);
      assert.match(error.message, /undefinedThing/);
      assert.equal(c.errorSummary, `${file}:2:${error.column}: error: ${error.message}`.slice(0, 500));
    } finally {
      await writeFile(file, original);
    }
  });

  test('the images route lists local images with their Swift version', async () => {
    const res = await t.api.console('GET', '/images');
    assert.equal(res.status, 200);
    const image = (res.body.images as Array<{ name: string; swiftVersion: string | null; sizeBytes: number }>).find(
      (i) => i.name === TEST_IMAGE,
    );
    assert.ok(image, JSON.stringify(res.body));
    assert.match(image.swiftVersion ?? '', /^\d+\.\d+/);
    assert.ok(image.sizeBytes > 0);
  });
});
