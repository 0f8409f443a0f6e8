// Issue 28: a project's builds run with `docker exec` in one long-lived build container (decision
// 0042): it serves every build, answers the toolchain's probes from its cache, is replaced when it
// is gone, and goes with the project and with the server; host.docker.internal leads to this machine.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import type { Project } from '../contract/types.js';
import { PACKAGES, startTestServer, waitFor, type TestServer } from '../testing/harness.js';

const docker = new Docker();

describe('the build container', { timeout: 15 * 60_000 }, () => {
  let t: TestServer;
  let work: string;
  let project: Project;
  let main: string;

  const buildContainers = async (projectId: string) =>
    docker.listContainers({
      all: true,
      filters: { label: ['swiftlambda.kind=build', `swiftlambda.project=${projectId}`] },
    });
  const exec = async (id: string, cmd: string[]) => {
    const run = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await run.start({});
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((resolve) => stream.on('end', resolve));
    // the multiplexed stream's 8-byte frame headers are not text: keep printable lines only
    return Buffer.concat(chunks).toString('latin1');
  };
  const buildLog = async (compilationId: string) =>
    (
      (await t.api.console('GET', `/projects/${project.id}/compilations/${compilationId}/logs?limit=500`)).body
        .logs as Array<{ data: string }>
    )
      .map((c) => c.data)
      .join('');

  before(async () => {
    t = await startTestServer();
    work = await mkdtemp(join(tmpdir(), 'build-container-'));
    await cp(PACKAGES.hello, join(work, 'hello'), { recursive: true, filter: (s) => !s.includes('/.build') });
    main = join(work, 'hello', 'Sources', 'hello', 'main.swift');
    project = await t.api.createProject(join(work, 'hello'), 'hello', { buildConfiguration: 'debug' });
  });
  after(async () => {
    await t?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('one container serves every build, between builds too, and caches the toolchain probes', async () => {
    const first = await t.api.build(project.id, 600_000);
    assert.equal(first.state, 'succeeded', first.errorSummary ?? '');
    const [container] = await buildContainers(project.id);
    assert.ok(container, 'a build container after the build');
    assert.equal(container.State, 'running', 'it waits for the next build');

    await writeFile(main, (await readFile(main, 'utf8')) + '\n// an edit\n');
    const second = await t.api.build(project.id, 600_000);
    assert.equal(second.state, 'succeeded', second.errorSummary ?? '');
    assert.match(await buildLog(second.id), /Compiling hello main\.swift/, 'the edit was compiled');
    const after = await buildContainers(project.id);
    assert.deepEqual(
      after.map((c) => c.Id),
      [container.Id],
      'the same container built again',
    );
    const cached = await exec(container.Id, ['ls', '/tmp/swiftlambda-probes/cache']);
    assert.match(cached, /swiftc-\d+-\d+/, `swiftc's probes cached: ${cached}`);
    assert.match(cached, /swift-frontend-\d+-\d+/, `the frontend's probes cached: ${cached}`);
    // a package registry or git server on this machine is reached as from a run
    assert.match(await exec(container.Id, ['cat', '/etc/hosts']), /host\.docker\.internal/);
    // the binary of each build is its own file
    const runs = await t.api.console('GET', `/projects/${project.id}/compilations`);
    assert.equal(runs.body.compilations.length, 2);
  });

  test('a build container removed behind the emulator’s back is replaced by the next build', async () => {
    const [old] = await buildContainers(project.id);
    assert.ok(old);
    await docker.getContainer(old.Id).remove({ force: true });
    const built = await t.api.build(project.id, 600_000);
    assert.equal(built.state, 'succeeded', built.errorSummary ?? '');
    const now = await buildContainers(project.id);
    assert.equal(now.length, 1);
    assert.notEqual(now[0]!.Id, old.Id);
    assert.ok(t.logLines.some((l) => /build container of .* was gone/.test(l)));
  });

  test('deleting the project removes its build container and its build volume', async () => {
    const [container] = await buildContainers(project.id);
    assert.ok(container);
    const volume = `swiftlambda-build-${project.id}`;
    await docker.getVolume(volume).inspect();
    const deleted = await t.api.console('DELETE', `/projects/${project.id}`);
    assert.equal(deleted.status, 204);
    assert.equal((await buildContainers(project.id)).length, 0);
    await assert.rejects(docker.getVolume(volume).inspect(), /no such volume/i);
  });

  test('the server removes its build containers when it stops', async () => {
    const other = await t.api.createProject(join(work, 'hello'), 'hello', { name: 'hello-again' });
    const built = await t.api.build(other.id, 600_000);
    assert.equal(built.state, 'succeeded', built.errorSummary ?? '');
    assert.equal((await buildContainers(other.id)).length, 1);
    await t.stop();
    await waitFor(
      async () => ((await buildContainers(other.id)).length === 0 ? true : undefined),
      10_000,
      'the build container to go',
    );
  });
});
