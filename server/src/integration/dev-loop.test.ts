// Issue 15: graceful stop, and the development loop (watch, rebuild, hot swap behind the dev URL,
// diagnostics) against the real Docker engine and real Swift builds.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Compilation, LogChunk, Project } from '../contract/types.js';
import { killTrackedChildren } from '../testing/children.js';
import { startUrlClient, type ClientAnswer } from '../testing/dev-url-client.js';
import { PACKAGES, startTestServer, waitFor, type TestServer } from '../testing/harness.js';

const GRACEFUL = fileURLToPath(new URL('../../../resources/test-packages/graceful', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const OLD_HELLO = 'Hello from run \\(runID)\\n';
const helloSource = (text: string) => `${text} from run \\(runID)\\n`;

describe('development loop', { timeout: 20 * 60_000 }, () => {
  let t: TestServer;
  let key: string;
  let work: string;
  /** figures reported at the end (swap and build times) */
  const figures: Record<string, number> = {};

  before(async () => {
    t = await startTestServer();
    key = await t.api.createKey({ name: 'dev-loop' });
    work = await mkdtemp(join(tmpdir(), 'swiftlambda-dev-'));
  });
  after(async () => {
    await killTrackedChildren();
    await t?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
    if (Object.keys(figures).length) console.log(`dev loop figures: ${JSON.stringify(figures)}`);
  });

  const runOf = async (projectId: string, runId: string) => (await t.api.public('GET', `/lambdas/${projectId}/runs/${runId}`, key)).body.run;
  const logText = async (projectId: string, runId: string) => (await t.api.allLogs(projectId, runId, key)).map((c: LogChunk) => c.data).join('\n');
  const startRun = async (projectId: string, mode: 'oneShot' | 'service', args: string[] = []) => {
    const res = await t.api.public('POST', `/lambdas/${projectId}/runs`, key, { mode, arguments: args });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.run.uuid as string;
  };
  const stopRun = async (projectId: string, runId: string) => {
    const res = await t.api.public('POST', `/lambdas/${projectId}/runs/${runId}/stop`, key, {});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.run;
  };
  const compilations = async (projectId: string): Promise<Compilation[]> =>
    (await t.api.console('GET', `/projects/${projectId}/compilations`)).body.compilations;
  /** the first compilation beyond the `known` ones that has ended */
  const nextFinishedBuild = (projectId: string, known: number, timeoutMs = 240_000) =>
    waitFor(async () => {
      const all = await compilations(projectId);
      const fresh = all.slice(0, all.length - known);
      return fresh.length && fresh.every((c) => c.state === 'succeeded' || c.state === 'failed') ? fresh[fresh.length - 1] : undefined;
    }, timeoutMs, `a build of ${projectId} after ${known}`, 50);
  const devStatus = async (projectId: string) => (await t.api.console('GET', `/projects/${projectId}/dev`)).body.dev;
  /** milliseconds between the first and the last line of a build's log */
  const buildMs = async (projectId: string, id: string) => {
    const logs: LogChunk[] = (await t.api.console('GET', `/projects/${projectId}/compilations/${id}/logs?afterSequence=-1&limit=500`)).body.logs;
    return logs[logs.length - 1]!.timestamp - logs[0]!.timestamp;
  };

  describe('graceful stop', () => {
    let graceful: Project;
    before(async () => {
      graceful = await t.api.createProject(GRACEFUL, 'graceful', { runTimeoutSeconds: 120 });
      const c = await t.api.build(graceful.id);
      assert.equal(c.state, 'succeeded', c.errorSummary ?? '');
    });

    test('a program that traps SIGTERM drains, flushes its last lines and exits 0: stopped', async () => {
      const runId = await startRun(graceful.id, 'oneShot', ['trap']);
      await waitFor(async () => ((await logText(graceful.id, runId)).includes('ready') ? true : undefined), 60_000, 'ready');
      const stopped = await stopRun(graceful.id, runId);
      assert.deepEqual([stopped.state, stopped.exitCode], ['stopped', 0]);
      const log = await logText(graceful.id, runId);
      assert.match(log, /draining: finishing in-flight work/);
      assert.match(log, /drained/);
    });

    test('a program that ignores SIGTERM is killed after stopGraceSeconds: 137, stopped', async () => {
      const patched = await t.api.console('PATCH', `/projects/${graceful.id}`, { stopGraceSeconds: 2 });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      const runId = await startRun(graceful.id, 'oneShot', ['ignore']);
      await waitFor(async () => ((await logText(graceful.id, runId)).includes('ready') ? true : undefined), 60_000, 'ready');
      const began = Date.now();
      const stopped = await stopRun(graceful.id, runId);
      const tookMs = Date.now() - began;
      assert.deepEqual([stopped.state, stopped.exitCode], ['stopped', 137]);
      assert.ok(tookMs >= 1900 && tookMs < 10_000, `the stop took ${tookMs} ms with a grace of 2 s`);
    });

    test('the dev URL: 409 instance_not_running without a service run, 404 for an unknown project', async () => {
      const none = await t.api.request('GET', `/dev/${graceful.id}/api/hello`, { headers: { 'x-api-key': key } });
      assert.deepEqual([none.status, none.body.reason], [409, 'instance_not_running']);
      const unknown = await t.api.request('GET', '/dev/no-such-project/api/hello', { headers: { 'x-api-key': key } });
      assert.deepEqual([unknown.status, unknown.body.reason], [404, 'project_not_found']);
      const anonymous = await t.api.request('GET', `/dev/${graceful.id}/api/hello`);
      assert.equal(anonymous.status, 401);
    });
  });

  describe('watch and hot swap of the echo service', () => {
    let echo: Project;
    let main: string;
    let serving: string;
    let devUrl: string;

    const getDev = () => t.api.request('GET', `/dev/${echo.id}/api/hello`, { headers: { 'x-api-key': key } });

    before(async () => {
      const dir = join(work, 'echo-service');
      await cp(PACKAGES.echo, dir, { recursive: true, filter: (src) => !src.includes('/.build') });
      main = join(dir, 'Sources', 'echo-service', 'main.swift');
      echo = await t.api.createProject(dir, 'echo-service', { name: 'echo-dev', watch: true, buildConfiguration: 'debug', runTimeoutSeconds: 1200 });
      const c = await t.api.build(echo.id);
      assert.equal(c.state, 'succeeded', c.errorSummary ?? '');
      serving = await startRun(echo.id, 'service');
      devUrl = `${t.url}/dev/${echo.id}/api/hello`;
      await waitFor(async () => ((await getDev()).status === 200 ? true : undefined), 60_000, 'the dev URL to answer');
      assert.equal((await devStatus(echo.id)).watching, true);
    });

    test('an edit answers on the dev URL, with no failed call from a client calling every 20 ms', async () => {
      assert.equal((await getDev()).body, `Hello from run ${serving}\n`);
      const known = (await compilations(echo.id)).length;
      const client = startUrlClient(devUrl, { 'x-api-key': key }, 20);
      let answers: readonly ClientAnswer[] = [];
      try {
        await client.firstAnswer((a) => a.status === 200, 10_000);
        await sleep(300);
        const source = await readFile(main, 'utf8');
        assert.ok(source.includes(OLD_HELLO));
        const savedAt = Date.now();
        await writeFile(main, source.replace(OLD_HELLO, helloSource('Hello again (v2)')));
        const firstNew = await client.firstAnswer((a) => a.body.startsWith('Hello again (v2)'), 240_000);
        const build = await nextFinishedBuild(echo.id, known);
        assert.equal(build.state, 'succeeded', build.errorSummary ?? '');
        figures.saveToNewAnswerMs = firstNew.at - savedAt;
        figures.incrementalDebugBuildMs = await buildMs(echo.id, build.id);
        // the old run is stopped once its calls are done; the client keeps calling through it all
        await waitFor(async () => ((await runOf(echo.id, serving)).state === 'stopped' ? true : undefined), 60_000, 'the old run to stop', 50);
        await sleep(500);
        answers = await client.stop();
        const failed = answers.filter((a) => a.status !== 200);
        assert.equal(failed.length, 0, `${failed.length} of ${answers.length} calls failed: ${JSON.stringify(failed.slice(0, 5))}`);
        assert.ok(answers.length > 50, `only ${answers.length} calls`);
        // once the new version has answered, no later call reaches the old one
        const stale = answers.filter((a) => a.sentAt > firstNew.at && !a.body.startsWith('Hello again (v2)'));
        assert.equal(stale.length, 0, JSON.stringify(stale.slice(0, 3)));
      } finally {
        if (!answers.length) await client.stop();
      }
      const runs = (await t.api.console('GET', `/runs?project=${echo.id}`)).body.runs as Array<{ uuid: string; replacesRun: string | null; state: string }>;
      const replacement = runs.find((r) => r.replacesRun === serving);
      assert.ok(replacement, JSON.stringify(runs));
      assert.equal(replacement.state, 'running');
      assert.equal((await getDev()).body, `Hello again (v2) from run ${replacement.uuid}\n`);
      const own = await t.api.request('GET', `/instances/${serving}/api/hello`, { headers: { 'x-api-key': key } });
      assert.deepEqual([own.status, own.body.reason], [409, 'instance_not_running']);
      const dev = await devStatus(echo.id);
      assert.equal(dev.servingRun, replacement.uuid);
      assert.deepEqual([dev.swaps[0]?.from, dev.swaps[0]?.to], [serving, replacement.uuid]);
      assert.equal(dev.problem, null);
      serving = replacement.uuid;
    });

    test('a compile error leaves the old version serving and is a diagnostic at the user\'s file and line', async () => {
      const known = (await compilations(echo.id)).length;
      const source = await readFile(main, 'utf8');
      const lines = source.split('\n');
      const at = lines.findIndex((l) => l.startsWith('let runID')) + 1;
      lines.splice(at, 0, 'let brokenOnPurpose: Int = "not a number"');
      await writeFile(main, lines.join('\n'));
      const build = await nextFinishedBuild(echo.id, known);
      assert.equal(build.state, 'failed');
      const error = build.diagnostics.find((d) => d.severity === 'error');
      assert.ok(error, JSON.stringify(build.diagnostics));
      assert.deepEqual([error.file, error.line], [main, at + 1]);
      assert.match(build.errorSummary ?? '', new RegExp(`main\\.swift:${at + 1}:\\d+: error:`));
      const dev = await waitFor(async () => {
        const d = await devStatus(echo.id);
        return d.problem ? d : undefined;
      }, 5000, 'the problem to show');
      assert.match(dev.problem, /build failed/);
      assert.equal(dev.servingRun, serving);
      const res = await getDev();
      assert.deepEqual([res.status, res.body], [200, `Hello again (v2) from run ${serving}\n`]);
    });

    test('five saves in 100 ms make one build; the last one answers', async () => {
      const known = (await compilations(echo.id)).length;
      const fixed = (await readFile(main, 'utf8')).split('\n').filter((l) => !l.includes('brokenOnPurpose')).join('\n');
      for (let v = 3; v <= 7; v++) {
        await writeFile(main, fixed.replace(helloSource('Hello again (v2)'), helloSource(`Hello again (v${v})`)));
        if (v < 7) await sleep(20);
      }
      const build = await nextFinishedBuild(echo.id, known);
      assert.equal(build.state, 'succeeded', build.errorSummary ?? '');
      await sleep(1500);
      assert.equal((await compilations(echo.id)).length, known + 1, 'one build for the burst');
      await waitFor(async () => ((await getDev()).body.startsWith?.('Hello again (v7)') ? true : undefined), 60_000, 'the v7 answer', 50);
      const dev = await waitFor(async () => {
        const d = await devStatus(echo.id);
        return d.swappingTo === null && d.servingRun !== serving ? d : undefined;
      }, 30_000, 'the swap to finish');
      assert.equal(dev.problem, null);
      await waitFor(async () => ((await runOf(echo.id, serving)).state === 'stopped' ? true : undefined), 60_000, 'the previous run to stop');
      serving = dev.servingRun;
    });
  });

  test('a change in a local path dependency starts a build', async () => {
    const app = join(work, 'deps', 'App');
    const shared = join(work, 'deps', 'Shared');
    await mkdir(join(app, 'Sources', 'App'), { recursive: true });
    await mkdir(join(shared, 'Sources', 'Shared'), { recursive: true });
    await writeFile(join(shared, 'Package.swift'), [
      '// swift-tools-version:5.9',
      'import PackageDescription',
      'let package = Package(name: "Shared", products: [.library(name: "Shared", targets: ["Shared"])], targets: [.target(name: "Shared")])',
    ].join('\n'));
    const sharedSource = join(shared, 'Sources', 'Shared', 'Shared.swift');
    await writeFile(sharedSource, 'public let greeting = "hello"\n');
    await writeFile(join(app, 'Package.swift'), [
      '// swift-tools-version:5.9',
      'import PackageDescription',
      'let package = Package(',
      '    name: "App",',
      '    dependencies: [.package(path: "../Shared")],',
      '    targets: [.executableTarget(name: "App", dependencies: [.product(name: "Shared", package: "Shared")])]',
      ')',
    ].join('\n'));
    await writeFile(join(app, 'Sources', 'App', 'main.swift'), 'import Shared\nprint(greeting)\n');
    const project = await t.api.createProject(app, 'App', { name: 'app-with-shared', watch: true });
    await waitFor(async () => ((await devStatus(project.id)).watching ? true : undefined), 10_000, 'watching');
    await sleep(500);
    assert.equal((await compilations(project.id)).length, 0);
    await writeFile(sharedSource, 'public let greeting = "hello again"\n');
    // whether it succeeds is issue 16 (only the package folder is mounted in the build container)
    const build = await nextFinishedBuild(project.id, 0);
    assert.equal(build.project, project.id);
  });
});
