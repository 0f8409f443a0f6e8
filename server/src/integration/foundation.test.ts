// Issue 2: keys, projects and real Swift builds against the real Docker engine.
import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PACKAGES, startTestServer, type TestServer } from '../testing/harness.js';

describe('foundation: keys, projects, builds', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t?.dispose();
  });

  test('console routes need the console token; API keys are refused there', async () => {
    const anon = await t.api.request('GET', '/console/api/status');
    assert.equal(anon.status, 401);
    assert.deepEqual([anon.body.error, anon.body.reason], [true, 'console_auth_required']);
    const key = await t.api.createKey({ name: 'not-for-console' });
    const withKey = await t.api.request('GET', '/console/api/keys', {
      headers: { authorization: `Bearer ${key}`, 'x-api-key': key },
    });
    assert.equal(withKey.status, 401);
    const status = await t.api.console('GET', '/status');
    assert.equal(status.status, 200);
    assert.equal(status.body.docker.available, true);
    assert.equal(status.body.apiUrl, t.url);
  });

  test('project validation: every bad field gets a stable reason and nothing is stored', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'x', sourcePath: PACKAGES.hello, targetName: 'hello', extra: 1 }, 'unknown_field'],
      [{ name: '', sourcePath: PACKAGES.hello, targetName: 'hello' }, 'invalid_name'],
      [{ name: 5, sourcePath: PACKAGES.hello, targetName: 'hello' }, 'invalid_name'],
      [{ name: 'x', sourcePath: 'relative/path', targetName: 'hello' }, 'invalid_source_path'],
      [{ name: 'x', sourcePath: '/does/not/exist', targetName: 'hello' }, 'source_path_not_found'],
      [{ name: 'x', sourcePath: join(PACKAGES.hello, 'Sources'), targetName: 'hello' }, 'package_manifest_missing'],
      [{ name: 'x', sourcePath: PACKAGES.hello, targetName: 'nope' }, 'unknown_target'],
      [{ name: 'x', sourcePath: PACKAGES.hello, targetName: 'bad name' }, 'invalid_target_name'],
      [{ name: 'x', sourcePath: PACKAGES.hello, targetName: 'hello', runTimeoutSeconds: -1 }, 'invalid_run_timeout'],
      [{ name: 'x', sourcePath: PACKAGES.hello, targetName: 'hello', runTimeoutSeconds: 1e12 }, 'invalid_run_timeout'],
      [
        { name: 'x', sourcePath: PACKAGES.hello, targetName: 'hello', publicInstances: 'yes' },
        'invalid_public_instances',
      ],
    ];
    for (const [body, reason] of cases) {
      const res = await t.api.console('POST', '/projects', body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status}`);
      assert.equal(res.body.reason, reason, JSON.stringify(body));
    }
    const notJson = await t.api.request('POST', '/console/api/projects', {
      rawBody: '{"name":',
      headers: { authorization: `Bearer ${t.api.consoleToken}` },
    });
    assert.deepEqual([notJson.status, notJson.body.reason], [400, 'invalid_json']);
    const arrayBody = await t.api.console('POST', '/projects', [1, 2]);
    assert.deepEqual([arrayBody.status, arrayBody.body.reason], [400, 'invalid_body']);
    assert.equal((await t.api.console('GET', '/projects')).body.projects.length, 0);
  });

  test('keys: created with a secret shown once, stored hashed, validated, listed, revoked', async () => {
    const bad = await t.api.console('POST', '/keys', { name: 'x', expiresInDays: 0 });
    assert.deepEqual([bad.status, bad.body.reason], [400, 'invalid_expires_in_days']);
    const unknownProject = await t.api.console('POST', '/keys', { name: 'x', projects: ['no-such-project'] });
    assert.deepEqual([unknownProject.status, unknownProject.body.reason], [400, 'unknown_project']);
    const created = await t.api.console('POST', '/keys', { name: 'ci', expiresInDays: 30 });
    assert.equal(created.status, 201);
    const { key, secret } = created.body;
    assert.match(secret, /^slk_/);
    assert.ok(secret.startsWith(key.prefix));
    assert.equal(key.expiresAt - key.createdAt, 30 * 86400);
    const listed = (await t.api.console('GET', '/keys')).body.keys.find((k: { id: string }) => k.id === key.id);
    assert.equal(listed.secret, undefined);
    const db = await readFile(join(t.dataDir, 'db.json'), 'utf8');
    assert.ok(!db.includes(secret), 'the secret is not in the data dir');
    const revoked = await t.api.console('POST', `/keys/${key.id}/revoke`);
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.key.revokedAt);
    assert.equal((await t.api.console('POST', '/keys/nope/revoke')).status, 404);
  });

  test('hello builds in Docker: logs stream, binary lands in the data dir, a rebuild is incremental', async () => {
    const project = await t.api.createProject(PACKAGES.hello, 'hello');
    assert.equal(project.dockerImage, t.config.defaultImage);
    assert.equal(project.runTimeoutSeconds, 60);
    const compilation = await t.api.build(project.id);
    assert.equal(compilation.state, 'succeeded', compilation.errorSummary ?? '');
    const binary = join(t.dataDir, 'binaries', project.id, compilation.id, 'hello');
    assert.ok((await stat(binary)).isFile());
    const logs = (await t.api.console('GET', `/projects/${project.id}/compilations/${compilation.id}/logs`)).body.logs;
    assert.ok(
      logs.some((c: { data: string }) => /Compiling|Build of product|Build complete/.test(c.data)),
      'compiler output reached the logs',
    );
    assert.deepEqual(
      logs.map((c: { sequence: number }) => c.sequence),
      logs.map((_: unknown, i: number) => i),
    );
    // the user's package folder is untouched: no .build was written into it
    assert.ok(!(await readdir(PACKAGES.hello)).includes('.build'));
    const again = await t.api.build(project.id);
    assert.equal(again.state, 'succeeded');
    const list = (await t.api.console('GET', `/projects/${project.id}/compilations`)).body.compilations;
    assert.equal(list.length, 2);
    assert.equal(list[0].id, again.id, 'newest first');
  });

  test('a broken package fails with the compiler message in the logs and an errorSummary', async () => {
    const project = await t.api.createProject(PACKAGES.broken, 'broken');
    const compilation = await t.api.build(project.id);
    assert.equal(compilation.state, 'failed');
    assert.match(compilation.errorSummary ?? '', /error:/);
    const logs = (await t.api.console('GET', `/projects/${project.id}/compilations/${compilation.id}/logs`)).body.logs;
    assert.ok(logs.some((c: { data: string }) => c.data.includes('cannot convert value of type')));
    const run = await t.api.request('POST', `/lambdas/${project.id}/runs`, {
      body: { mode: 'oneShot' },
      headers: { 'x-api-key': await t.api.createKey() },
    });
    assert.deepEqual([run.status, run.body.reason], [409, 'no_succeeded_compilation']);
  });

  test('a missing image fails the build with a message that says how to provide it', async () => {
    const project = await t.api.createProject(PACKAGES.hello, 'hello', {
      name: 'missing-image',
      dockerImage: 'swiftlambda-test/no-such-image:1',
    });
    const compilation = await t.api.build(project.id);
    assert.equal(compilation.state, 'failed');
    assert.match(compilation.errorSummary ?? '', /no-such-image/);
    assert.match(compilation.errorSummary ?? '', /SWIFTLAMBDA_DEFAULT_IMAGE/);
  });

  test('importing a prebuilt binary checks that it is a Linux executable', async () => {
    const project = await t.api.createProject(PACKAGES.hello, 'hello', { name: 'imported' });
    const notElf = await t.api.console('POST', `/projects/${project.id}/compilations`, {
      binaryPath: join(PACKAGES.hello, 'Package.swift'),
    });
    assert.deepEqual([notElf.status, notElf.body.reason], [400, 'binary_not_elf']);
    const missing = await t.api.console('POST', `/projects/${project.id}/compilations`, {
      binaryPath: '/no/such/binary',
    });
    assert.deepEqual([missing.status, missing.body.reason], [400, 'binary_not_found']);
    const ok = await t.api.console('POST', `/projects/${project.id}/compilations`, { binaryPath: process.execPath });
    assert.equal(ok.status, 202);
    assert.equal(ok.body.compilation.state, 'succeeded');
    assert.equal(ok.body.compilation.source, 'import');
  });

  test('PATCH changes settings, re-checks the target, and refuses sourcePath', async () => {
    const project = await t.api.createProject(PACKAGES.hello, 'hello', { name: 'patchme' });
    const patched = await t.api.console('PATCH', `/projects/${project.id}`, {
      runTimeoutSeconds: 5,
      publicInstances: true,
    });
    assert.equal(patched.status, 200);
    assert.deepEqual([patched.body.project.runTimeoutSeconds, patched.body.project.publicInstances], [5, true]);
    const badTarget = await t.api.console('PATCH', `/projects/${project.id}`, { targetName: 'missing' });
    assert.deepEqual([badTarget.status, badTarget.body.reason], [400, 'unknown_target']);
    const source = await t.api.console('PATCH', `/projects/${project.id}`, { sourcePath: '/tmp' });
    assert.deepEqual([source.status, source.body.reason], [400, 'unknown_field']);
    assert.equal((await t.api.console('GET', `/projects/${project.id}`)).body.project.runTimeoutSeconds, 5);
    assert.equal((await t.api.console('GET', '/projects/nope')).status, 404);
  });

  test('a restart keeps keys, projects and compilations', async () => {
    const before = {
      keys: (await t.api.console('GET', '/keys')).body.keys.length,
      projects: (await t.api.console('GET', '/projects')).body.projects.length,
    };
    await t.stop();
    const again = await startTestServer({ dataDir: t.dataDir });
    try {
      assert.equal((await again.api.console('GET', '/keys')).body.keys.length, before.keys);
      const projects = (await again.api.console('GET', '/projects')).body.projects;
      assert.equal(projects.length, before.projects);
      const hello = projects.find((p: { targetName: string; name: string }) => p.name === 'hello');
      const comps = (await again.api.console('GET', `/projects/${hello.id}/compilations`)).body.compilations;
      assert.ok(comps.some((c: { state: string }) => c.state === 'succeeded'));
    } finally {
      await again.stop();
    }
  });
});
