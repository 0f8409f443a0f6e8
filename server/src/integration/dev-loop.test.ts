// Issue 15: the development loop (watch, rebuild, hot swap behind the dev URL, diagnostics) against
// the real Docker engine and real Swift builds. Graceful stop is in graceful-stop.test.ts.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Compilation, LogChunk, Project } from '../contract/types.js';
import { killTrackedChildren } from '../testing/children.js';
import { runCalls } from '../testing/run-calls.js';
import { startUrlClient, type ClientAnswer } from '../testing/dev-url-client.js';
import { PACKAGES, startTestServer, waitFor, type TestServer } from '../testing/harness.js';

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

  const { runOf, logText, startRun, stopRun } = runCalls(() => ({ api: t.api, key }));
  const compilations = async (projectId: string): Promise<Compilation[]> =>
    (await t.api.console('GET', `/projects/${projectId}/compilations`)).body.compilations;
  /** the first compilation beyond the `known` ones that has ended */
  const nextFinishedBuild = (projectId: string, known: number, timeoutMs = 240_000) =>
    waitFor(
      async () => {
        const all = await compilations(projectId);
        const fresh = all.slice(0, all.length - known);
        return fresh.length && fresh.every((c) => c.state === 'succeeded' || c.state === 'failed')
          ? fresh[fresh.length - 1]
          : undefined;
      },
      timeoutMs,
      `a build of ${projectId} after ${known}`,
      50,
    );
  const devStatus = async (projectId: string) => (await t.api.console('GET', `/projects/${projectId}/dev`)).body.dev;
  /** milliseconds between the first and the last line of a build's log */
  const buildMs = async (projectId: string, id: string) => {
    const logs: LogChunk[] = (
      await t.api.console('GET', `/projects/${projectId}/compilations/${id}/logs?afterSequence=-1&limit=500`)
    ).body.logs;
    return logs[logs.length - 1]!.timestamp - logs[0]!.timestamp;
  };

  describe('watch and hot swap of the echo service', () => {
    let echo: Project;
    let main: string;
    let original: string;
    let serving: string;

    const getDev = () => t.api.request('GET', `/dev/${echo.id}/api/hello`, { headers: { 'x-api-key': key } });
    const helloOf = async () => {
      const res = await getDev();
      return res.status === 200 ? String(res.body) : `${res.status} ${JSON.stringify(res.body)}`;
    };
    /** the echo service answering `Hello <version> from run …`, maybe slow to listen, broken or dying at start */
    const sourceOf = (
      version: string,
      options: { startupDelayMs?: number; broken?: boolean; exitAtStart?: boolean } = {},
    ) => {
      const lines = original.replace(OLD_HELLO, helloSource(`Hello ${version}`)).split('\n');
      const afterRunId = lines.findIndex((l) => l.startsWith('let runID')) + 1;
      if (options.broken) lines.splice(afterRunId, 0, 'let brokenOnPurpose: Int = "not a number"');
      if (options.exitAtStart) lines.splice(afterRunId, 0, 'exit(3)');
      if (options.startupDelayMs)
        lines.splice(
          lines.findIndex((l) => l.startsWith('let listener')),
          0,
          `usleep(${options.startupDelayMs * 1000})`,
        );
      return lines.join('\n');
    };
    /** the newest running service run, once it is the only live service run and the dev URL's */
    const settledOnOneRun = () =>
      waitFor(
        async () => {
          const runs = (await t.api.public('GET', `/lambdas/${echo.id}/runs?limit=50`, key)).body.runs as Array<{
            uuid: string;
            mode: string;
            state: string;
          }>;
          const live = runs.filter(
            (r) => r.mode === 'service' && !['succeeded', 'failed', 'stopped', 'timedOut'].includes(r.state),
          );
          const dev = await devStatus(echo.id);
          return live.length === 1 &&
            live[0]!.state === 'running' &&
            dev.servingRun === live[0]!.uuid &&
            dev.swappingTo === null
            ? live[0]!.uuid
            : undefined;
        },
        60_000,
        'one live service run serving the dev URL',
        100,
      );

    /**
     * Runs `during` while two clients in other processes call the dev URL: GET /hello every 20 ms,
     * and GET /sleep/1000 every 100 ms (about ten calls always in flight, so a swap has calls open
     * on the old run). Every call must answer 200.
     */
    const underLoad = async <T>(
      during: (hello: ReturnType<typeof startUrlClient>) => Promise<T>,
    ): Promise<{ value: T; hello: readonly ClientAnswer[] }> => {
      const base = `${t.url}/dev/${echo.id}/api`;
      const hello = startUrlClient(`${base}/hello`, { 'x-api-key': key }, 20);
      const slow = startUrlClient(`${base}/sleep/1000`, { 'x-api-key': key }, 100);
      let value: T;
      try {
        await hello.firstAnswer((a) => a.status === 200, 10_000);
        await slow.firstAnswer((a) => a.status === 200, 10_000);
        value = await during(hello);
        await sleep(1500);
      } finally {
        await Promise.all([hello.stop(), slow.stop()]);
      }
      for (const [name, answers] of [
        ['GET /hello', hello.answers],
        ['GET /sleep/1000', slow.answers],
      ] as const) {
        const failed = answers.filter((a) => a.status !== 200);
        assert.equal(
          failed.length,
          0,
          `${name}: ${failed.length} of ${answers.length} calls failed: ${JSON.stringify(failed.slice(0, 5))}`,
        );
        assert.ok(answers.length > 20, `${name}: only ${answers.length} calls`);
      }
      return { value, hello: hello.answers };
    };

    before(async () => {
      const dir = join(work, 'echo-service');
      await cp(PACKAGES.echo, dir, { recursive: true, filter: (src) => !src.includes('/.build') });
      main = join(dir, 'Sources', 'echo-service', 'main.swift');
      original = await readFile(main, 'utf8');
      assert.ok(original.includes(OLD_HELLO));
      echo = await t.api.createProject(dir, 'echo-service', {
        name: 'echo-dev',
        watch: true,
        buildConfiguration: 'debug',
        runTimeoutSeconds: 1200,
      });
      const c = await t.api.build(echo.id);
      assert.equal(c.state, 'succeeded', c.errorSummary ?? '');
      // watch starts a service run of the first good build by itself
      serving = await waitFor(async () => (await devStatus(echo.id)).servingRun ?? undefined, 60_000, 'a run');
      await waitFor(async () => ((await getDev()).status === 200 ? true : undefined), 60_000, 'the dev URL to answer');
      assert.equal((await devStatus(echo.id)).watching, true);
    });

    test('an edit answers on the dev URL once the new run listens, with no failed call across the swap', async () => {
      assert.equal(await helloOf(), `Hello from run ${serving}\n`);
      const known = (await compilations(echo.id)).length;
      // the new version takes 1.5 s to listen: the old one must serve until then
      const { value: firstNew, hello } = await underLoad(async (client) => {
        await sleep(300);
        const savedAt = Date.now();
        await writeFile(main, sourceOf('again (v2)', { startupDelayMs: 1500 }));
        const first = await client.firstAnswer((a) => a.body.startsWith('Hello again (v2)'), 240_000);
        figures.firstSwapWithSlowStartMs = first.at - savedAt;
        await waitFor(
          async () => ((await runOf(echo.id, serving)).state === 'stopped' ? true : undefined),
          60_000,
          'the old run to stop',
          50,
        );
        return first;
      });
      const build = await nextFinishedBuild(echo.id, known);
      assert.equal(build.state, 'succeeded', build.errorSummary ?? '');
      // once the new version has answered, no later call reaches the old one
      const stale = hello.filter((a) => a.sentAt > firstNew.at && !a.body.startsWith('Hello again (v2)'));
      assert.equal(stale.length, 0, JSON.stringify(stale.slice(0, 3)));
      const runs = (await t.api.console('GET', `/runs?project=${echo.id}`)).body.runs as Array<{
        uuid: string;
        replacesRun: string | null;
        state: string;
      }>;
      const replacement = runs.find((r) => r.replacesRun === serving);
      assert.ok(replacement, JSON.stringify(runs));
      const builds = (await compilations(echo.id)).map((c) => [c.state, c.startedAt, c.finishedAt]);
      assert.equal(replacement.state, 'running', JSON.stringify({ runs, builds, dev: await devStatus(echo.id) }));
      assert.equal(await helloOf(), `Hello again (v2) from run ${replacement.uuid}\n`);
      const own = await t.api.request('GET', `/instances/${serving}/api/hello`, { headers: { 'x-api-key': key } });
      assert.deepEqual([own.status, own.body.reason], [409, 'instance_not_running']);
      const dev = await devStatus(echo.id);
      assert.equal(dev.servingRun, replacement.uuid);
      assert.deepEqual([dev.swaps[0]?.from, dev.swaps[0]?.to], [serving, replacement.uuid]);
      assert.equal(dev.problem, null);
      assert.equal(await settledOnOneRun(), replacement.uuid);
      serving = replacement.uuid;
    });

    test("a compile error leaves the old version serving and is a diagnostic at the user's file and line", async () => {
      const known = (await compilations(echo.id)).length;
      const source = sourceOf('again (v2)', { broken: true });
      const line = source.split('\n').findIndex((l) => l.includes('brokenOnPurpose')) + 1;
      await writeFile(main, source);
      const build = await nextFinishedBuild(echo.id, known);
      assert.equal(build.state, 'failed');
      const error = build.diagnostics.find((d) => d.severity === 'error');
      assert.ok(error, JSON.stringify(build.diagnostics));
      assert.deepEqual([error.file, error.line], [main, line]);
      assert.match(build.errorSummary ?? '', new RegExp(`main\\.swift:${line}:\\d+: error:`));
      const dev = await waitFor(
        async () => {
          const d = await devStatus(echo.id);
          return d.problem ? d : undefined;
        },
        5000,
        'the problem to show',
      );
      assert.match(dev.problem, /build failed/);
      assert.equal(dev.servingRun, serving);
      assert.equal(await helloOf(), `Hello again (v2) from run ${serving}\n`);
    });

    test('five saves in 100 ms make one build; the last one answers', async () => {
      // counted from a quiet loop: the broken save before may have queued one more build
      const idle = async () => ((await devStatus(echo.id)).building ? undefined : true);
      await waitFor(idle, 240_000, 'no build under way', 50);
      await sleep(500);
      await waitFor(idle, 240_000, 'no build under way', 50);
      const known = (await compilations(echo.id)).length;
      let savedAt = 0;
      for (let v = 3; v <= 7; v++) {
        savedAt = Date.now();
        await writeFile(main, sourceOf(`again (v${v})`));
        if (v < 7) await sleep(20);
      }
      const build = await nextFinishedBuild(echo.id, known);
      assert.equal(build.state, 'succeeded', build.errorSummary ?? '');
      await waitFor(
        async () => ((await helloOf()).startsWith('Hello again (v7)') ? true : undefined),
        60_000,
        'the v7 answer',
        20,
      );
      figures.saveToNewAnswerMs = Date.now() - savedAt;
      figures.incrementalDebugBuildMs = await buildMs(echo.id, build.id);
      await sleep(1500);
      assert.equal((await compilations(echo.id)).length, known + 1, 'one build for the burst');
      serving = await settledOnOneRun();
      assert.equal((await devStatus(echo.id)).problem, null);
    });

    test('a build that ends while the previous swap waits for its slow run: the newest version serves, alone', async () => {
      const known = (await compilations(echo.id)).length;
      await underLoad(async (client) => {
        // v8 takes 6 s to listen; v9, saved once v8's build is done, is built within that time
        await writeFile(main, sourceOf('again (v8)', { startupDelayMs: 6000 }));
        const v8 = await nextFinishedBuild(echo.id, known);
        assert.equal(v8.state, 'succeeded', v8.errorSummary ?? '');
        await writeFile(main, sourceOf('again (v9)'));
        await client.firstAnswer((a) => a.body.startsWith('Hello again (v9)'), 240_000);
      });
      const newest = await settledOnOneRun();
      assert.match(await helloOf(), new RegExp(`^Hello again \\(v9\\) from run ${newest}`));
      await sleep(7000);
      assert.equal(await settledOnOneRun(), newest, 'the slow v8 run did not take the dev URL back');
      assert.match(await helloOf(), /^Hello again \(v9\)/);
      serving = newest;
    });

    test('a new version that exits before it listens leaves the old one serving, and says why', async () => {
      const known = (await compilations(echo.id)).length;
      await underLoad(async () => {
        await writeFile(main, sourceOf('again (v10)', { exitAtStart: true }));
        const build = await nextFinishedBuild(echo.id, known);
        assert.equal(build.state, 'succeeded', build.errorSummary ?? '');
        const dev = await waitFor(
          async () => {
            const d = await devStatus(echo.id);
            return d.problem ? d : undefined;
          },
          60_000,
          'the problem to show',
        );
        assert.match(dev.problem, /did not start serving.*exit code 3/);
      });
      assert.equal(await settledOnOneRun(), serving);
      assert.match(await helloOf(), /^Hello again \(v9\)/);
    });

    test('a service run started by hand takes the dev URL; when it stops, the swapped-in run serves again', async () => {
      await writeFile(main, sourceOf('again (v11)'));
      await waitFor(
        async () => ((await helloOf()).startsWith('Hello again (v11)') ? true : undefined),
        240_000,
        'v11',
        50,
      );
      serving = await settledOnOneRun();
      const mine = await startRun(echo.id, 'service');
      await waitFor(
        async () => ((await helloOf()).endsWith(`from run ${mine}\n`) ? true : undefined),
        60_000,
        'the new run to serve the dev URL',
        50,
      );
      await stopRun(echo.id, mine);
      assert.equal(await helloOf(), `Hello again (v11) from run ${serving}\n`);
    });
  });

  test('a watched oneShot started from the console runs again, with its arguments, after each successful build', async () => {
    const dir = join(work, 'hello');
    await cp(PACKAGES.hello, dir, { recursive: true, filter: (src) => !src.includes('/.build') });
    const main = join(dir, 'Sources', 'hello', 'main.swift');
    const project = await t.api.createProject(dir, 'hello', {
      name: 'hello-dev',
      watch: true,
      buildConfiguration: 'debug',
    });
    assert.equal((await t.api.build(project.id)).state, 'succeeded');
    const asConsole = { authorization: `Bearer ${t.api.consoleToken}` };
    const first = await t.api.request('POST', `/lambdas/${project.id}/runs`, {
      headers: asConsole,
      body: { mode: 'oneShot', arguments: ['lines:2'] },
    });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    await t.api.waitForRun(project.id, first.body.run.uuid, key, (r) => r.state === 'succeeded');
    await writeFile(
      main,
      (await readFile(main, 'utf8')).replace('Hello from SwiftLambda!', 'Hello again from SwiftLambda!'),
    );
    const rerun = await waitFor(
      async () => {
        const runs = (await t.api.public('GET', `/lambdas/${project.id}/runs`, key)).body.runs;
        // (the first good build also started a service run: watch starts one when none is live)
        return runs[0].uuid !== first.body.run.uuid && runs[0].mode === 'oneShot' && runs[0].state === 'succeeded'
          ? runs[0]
          : undefined;
      },
      240_000,
      'the oneShot to run again',
      100,
    );
    assert.deepEqual(rerun.arguments, ['lines:2']);
    assert.match(await logText(project.id, rerun.uuid), /Hello again from SwiftLambda!/);
  });

  test('a change in a local path dependency starts a build', async () => {
    const app = join(work, 'deps', 'App');
    const shared = join(work, 'deps', 'Shared');
    await mkdir(join(app, 'Sources', 'App'), { recursive: true });
    await mkdir(join(shared, 'Sources', 'Shared'), { recursive: true });
    await writeFile(
      join(shared, 'Package.swift'),
      [
        '// swift-tools-version:5.9',
        'import PackageDescription',
        'let package = Package(name: "Shared", products: [.library(name: "Shared", targets: ["Shared"])], targets: [.target(name: "Shared")])',
      ].join('\n'),
    );
    const sharedSource = join(shared, 'Sources', 'Shared', 'Shared.swift');
    await writeFile(sharedSource, 'public let greeting = "hello"\n');
    await writeFile(
      join(app, 'Package.swift'),
      [
        '// swift-tools-version:5.9',
        'import PackageDescription',
        'let package = Package(',
        '    name: "App",',
        '    dependencies: [.package(path: "../Shared")],',
        '    targets: [.executableTarget(name: "App", dependencies: [.product(name: "Shared", package: "Shared")])]',
        ')',
      ].join('\n'),
    );
    await writeFile(join(app, 'Sources', 'App', 'main.swift'), 'import Shared\nprint(greeting)\n');
    const project = await t.api.createProject(app, 'App', { name: 'app-with-shared', watch: true });
    // watching: the initial scan is done, so the very next change is seen
    await waitFor(async () => ((await devStatus(project.id)).watching ? true : undefined), 10_000, 'watching', 20);
    assert.equal((await compilations(project.id)).length, 0);
    await writeFile(sharedSource, 'public let greeting = "hello again"\n');
    // whether it succeeds is issue 16 (only the package folder is mounted in the build container)
    const build = await nextFinishedBuild(project.id, 0);
    assert.equal(build.project, project.id);
  });
});
