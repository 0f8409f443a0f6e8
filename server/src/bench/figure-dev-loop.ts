// Figure 13: save → the new answer on the dev URL (watch, rebuild, hot swap), against `swift build`
// of the same change in the same image and build volume; and the calls that fail across swaps
// while 20 keep-alive clients call the dev URL.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import type { DevStatus, DevTimeline } from '../contract/dev.js';
import type { Compilation, Project, RunState } from '../contract/types.js';
import { isTerminal } from '../domain/run-states.js';
import { execTracked, killChild, trackChild } from '../testing/children.js';
import { startUrlClient, type ClientAnswer, type RunningClient } from '../testing/dev-url-client.js';
import { PACKAGES, waitFor } from '../testing/harness.js';
import type { BenchEnv } from './bench-env.js';
import { interleaved, summarize, type Figure, type Summary } from './stats.js';
import { compilationOutput, deleteBenchProject, reportedBuildMs } from './swiftpm-bench.js';
import { timelinePhases } from '../testing/dev-timeline.js';

const docker = new Docker();
const OLD_HELLO = 'Hello from run \\(runID)\\n';
const LOAD_CONNECTIONS = 20;

/** The emulator's build container as the engine holds it: the baseline builds with the same setup. */
interface BuildContainerSpec {
  readonly image: string;
  readonly env: string[];
  readonly workingDir: string;
  readonly binds: string[];
  readonly hostname: string;
}

/** Polls the engine until the project's build container exists, and reads its spec. */
async function captureBuildContainer(projectId: string): Promise<BuildContainerSpec> {
  const filters = { label: ['swiftlambda.kind=build', `swiftlambda.project=${projectId}`] };
  // one that is listed may be gone by the time it is read: the next one is read then
  const info = await waitFor(
    async () => {
      const id = (await docker.listContainers({ all: true, filters }))[0]?.Id;
      return id
        ? await docker
            .getContainer(id)
            .inspect()
            .catch(() => undefined)
        : undefined;
    },
    240_000,
    'the build container',
    25,
  );
  return {
    image: info.Config.Image,
    env: info.Config.Env ?? [],
    workingDir: info.Config.WorkingDir,
    binds: info.HostConfig.Binds ?? [],
    hostname: info.Config.Hostname,
  };
}

/** Loads the dev URL from autocannon in a process of its own until `stop`. */
function startLoad(url: string, headers: Record<string, string>) {
  const script = fileURLToPath(new URL('./dev-url-load.js', import.meta.url));
  const child = trackChild(
    spawn(process.execPath, [script, url, JSON.stringify(headers), String(LOAD_CONNECTIONS)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ready: () => waitFor(async () => (lines.includes('ready') ? true : undefined), 30_000, 'the load to answer', 20),
    async stop() {
      child.stdin!.end();
      await Promise.race([exited, sleep(30_000)]);
      await killChild(child);
      const json = lines.find((l) => l.startsWith('{'));
      if (!json) throw new Error('the load process gave no result');
      return JSON.parse(json) as {
        sent: number;
        errors: number;
        timeouts: number;
        non2xx: number;
        resets: number;
        statusCodeStats: Record<string, { count: number }>;
        errorSamples: Array<{ at: number; error: string }>;
      };
    },
    kill: () => killChild(child),
  };
}

const failedOf = (answers: readonly ClientAnswer[]) => answers.filter((a) => a.status === 0).length;
const non2xxOf = (answers: readonly ClientAnswer[]) =>
  answers.filter((a) => a.status !== 0 && (a.status < 200 || a.status > 299)).length;

export async function figureDevLoop(env: BenchEnv, n: number, log: (line: string) => void): Promise<Figure> {
  const loadAtStart = loadavg()[0]!;
  const work = await mkdtemp(join(tmpdir(), 'bench-dev-'));
  const outDir = await mkdtemp(join(tmpdir(), 'bench-dev-out-'));
  const dir = join(work, 'echo-service');
  const baselineVolume = `swiftlambda-bench-baseline-${randomUUID().slice(0, 8)}`;
  await cp(PACKAGES.echo, dir, { recursive: true, filter: (src) => !src.includes('/.build') });
  const main = join(dir, 'Sources', 'echo-service', 'main.swift');
  const original = await readFile(main, 'utf8');
  if (!original.includes(OLD_HELLO))
    throw new Error('the echo service no longer answers /hello as this figure expects');
  const sourceWith = (text: string) => original.replace(OLD_HELLO, `${text} from run \\(runID)\\n`);
  let project: Project | undefined;
  const clients: RunningClient[] = [];
  let load: ReturnType<typeof startLoad> | undefined;
  try {
    project = await env.api.createProject(dir, 'echo-service', {
      name: 'echo-dev-bench',
      watch: true,
      buildConfiguration: 'debug',
      runTimeoutSeconds: 3600,
    });
    const projectId = project.id;
    const [spec, first] = await Promise.all([captureBuildContainer(projectId), env.api.build(projectId, 600_000)]);
    if (first.state !== 'succeeded') throw new Error(`debug build of the echo service failed: ${first.errorSummary}`);
    // the build's source copy (mounted at the package's own path) and a throwaway output folder
    const mirror = spec.binds.find((b) => b.split(':')[1] === dir)?.split(':')[0];
    if (!mirror) throw new Error(`no source mount in the build container: ${spec.binds.join(', ')}`);
    // the baseline's own scratch volume: its builds and the emulator's do not undo each other's work
    const binds = spec.binds.map((b) => {
      const target = b.split(':')[1];
      return target === '/out' ? `${outDir}:/out` : target === '/build' ? `${baselineVolume}:/build` : b;
    });
    const mirrorMain = join(mirror, 'Sources', 'echo-service', 'main.swift');
    log(`figure 13: debug build done; build container ${spec.image}, mounts ${binds.join(' ')}`);

    // watch starts a service run of the first good build by itself
    await waitFor(
      async () =>
        ((await env.api.console('GET', `/projects/${projectId}/dev`)).body.dev as DevStatus).servingRun ?? undefined,
      60_000,
      'the service run the loop starts',
      50,
    );
    const devUrl = `${env.t.url}/dev/${projectId}/api/hello`;
    const headers = { 'x-api-key': env.key };

    const compilationIds = async () =>
      new Set(
        ((await env.api.console('GET', `/projects/${projectId}/compilations`)).body.compilations as Compilation[]).map(
          (c) => c.id,
        ),
      );
    /** the swap is over: no build, one live service run, and it is the one the dev URL serves */
    const settled = () =>
      waitFor(
        async () => {
          const dev = (await env.api.console('GET', `/projects/${projectId}/dev`)).body.dev as DevStatus;
          const runs = (await env.api.public('GET', `/lambdas/${projectId}/runs?limit=50`, env.key)).body
            .runs as Array<{ uuid: string; mode: string; state: RunState }>;
          const live = runs.filter((r) => r.mode === 'service' && !isTerminal(r.state));
          return !dev.building &&
            dev.swappingTo === null &&
            live.length === 1 &&
            live[0]!.state === 'running' &&
            dev.servingRun === live[0]!.uuid
            ? true
            : undefined;
        },
        120_000,
        'the swap to settle',
        100,
      );

    let version = 0;
    const emulatorBuildMs: number[] = [];
    /** per timed edit: save → new answer minus SwiftPM's own time for that build */
    const overheadMs: number[] = [];
    const timelines: DevTimeline[] = [];
    let emulatorBuilds = 0;
    /** one save of main.swift; ms until `client` gets the new text from the dev URL */
    const edit = async (client: RunningClient) => {
      const text = `Hello v${++version}`;
      const known = await compilationIds();
      const savedAt = Date.now();
      await writeFile(main, sourceWith(text));
      const answer = await client.firstAnswer(
        (a) => a.status === 200 && a.body.startsWith(`${text} from run`),
        300_000,
      );
      await settled();
      const builds = (
        (await env.api.console('GET', `/projects/${projectId}/compilations`)).body.compilations as Compilation[]
      ).filter((c) => !known.has(c.id));
      emulatorBuilds += builds.length;
      const built = builds.find((c) => c.state === 'succeeded');
      if (built) {
        const swiftMs = reportedBuildMs(await compilationOutput(env, projectId, built.id));
        emulatorBuildMs.push(swiftMs);
        overheadMs.push(answer.at - savedAt - swiftMs);
        const dev = (await env.api.console('GET', `/projects/${projectId}/dev`)).body.dev as DevStatus;
        if (dev.swaps[0]?.timeline) timelines.push(dev.swaps[0].timeline);
      }
      return answer.at - savedAt;
    };

    const baselineReportedMs: number[] = [];
    /**
     * the same kind of change written into the build's source copy, built by `docker run --rm swift build`
     * with the build container's image, hostname, environment and mounts
     */
    const baseline = async () => {
      const text = `Hello v${++version}`;
      await writeFile(mirrorMain, sourceWith(text));
      const name = `swiftlambda-bench-build-${randomUUID().slice(0, 8)}`;
      const args = [
        'run',
        '--rm',
        '--name',
        name,
        '-w',
        spec.workingDir,
        // the build's fixed hostname: SwiftPM's manifest cache key includes the environment
        '--hostname',
        spec.hostname,
        ...spec.env.flatMap((e) => ['-e', e]),
        ...binds.flatMap((b) => ['-v', b]),
        spec.image,
        ...['swift', 'build', '-c', 'debug', '--product', 'echo-service', '--package-path', dir],
        ...['--scratch-path', '/build', '--cache-path', '/swiftpm-cache'],
      ];
      const began = performance.now();
      const result = await execTracked('docker', args, 600_000);
      const ms = performance.now() - began;
      if (result.code !== 0) {
        await execTracked('docker', ['rm', '-f', name], 30_000);
        throw new Error(`baseline build exited ${result.code}: ${result.stderr.slice(-500)}`);
      }
      baselineReportedMs.push(reportedBuildMs(result.stdout));
      return ms;
    };

    // timed: one client calling GET /hello every 20 ms, in its own process, as a user's client would
    // the run watch started answers before the timed client starts (not yet listening it is a 502)
    await waitFor(
      async () =>
        (await env.api.request('GET', devUrl.slice(env.t.url.length), { headers })).status === 200 ? true : undefined,
      60_000,
      'the dev URL to answer',
      50,
    );
    const client = startUrlClient(devUrl, headers, 20);
    clients.push(client);
    await client.firstAnswer((a) => a.status === 200, 60_000);
    await edit(client);
    await baseline();
    emulatorBuildMs.length = 0;
    overheadMs.length = 0;
    timelines.length = 0;
    baselineReportedMs.length = 0;
    emulatorBuilds = 0;
    const [emulator, bare] = (await interleaved(n, 1000, [() => edit(client), baseline])).map(summarize) as [
      Summary,
      Summary,
    ];
    const timedAnswers = await client.stop();
    const timedBuilds = emulatorBuilds;
    const timedBuildMs = emulatorBuildMs.filter((x) => !Number.isNaN(x));
    const timedOverheadMs = overheadMs.filter((x) => !Number.isNaN(x));
    const phases = timelinePhases(timelines.slice(0, n));
    log(
      `figure 13: save → answer ${emulator.median.toFixed(0)} ms, docker run swift build ${bare.median.toFixed(0)} ms`,
    );

    // not timed against anything: n more swaps while 20 keep-alive clients call the dev URL back to back
    load = startLoad(devUrl, headers);
    await load.ready();
    const watcher = startUrlClient(devUrl, headers, 20);
    clients.push(watcher);
    await watcher.firstAnswer((a) => a.status === 200, 60_000);
    const underLoad: number[] = [];
    for (let i = 0; i < n; i++) {
      await sleep(1000);
      underLoad.push(await edit(watcher));
    }
    await sleep(1000);
    const loaded = await load.stop();
    load = undefined;
    const watcherAnswers = await watcher.stop();
    if (loaded.errorSamples.length) log(`figure 13: load errors ${JSON.stringify(loaded.errorSamples)}`);

    const failed = loaded.errors + failedOf(watcherAnswers);
    const non2xx = loaded.non2xx + non2xxOf(watcherAnswers);
    const addedS = (emulator.median - bare.median) / 1000;
    const overSwiftS = summarize(timedOverheadMs).median / 1000;
    const ratio = emulator.median / bare.median;
    return {
      id: 13,
      title:
        `dev loop: save → new answer on the dev URL (debug), against swift build of the same change; ${n} ` +
        `swaps under ${LOAD_CONNECTIONS} keep-alive connections`,
      measured: {
        save_to_new_answer_ms: emulator,
        docker_run_swift_build_ms: bare,
        swift_build_reported_in_emulator_ms: summarize(timedBuildMs),
        swift_build_reported_in_baseline_ms: summarize(baselineReportedMs.filter((x) => !Number.isNaN(x))),
        save_to_new_answer_minus_swift_reported_ms: summarize(timedOverheadMs),
        ...phases,
        save_to_new_answer_under_load_ms: summarize(underLoad),
        builds_per_timed_edit: timedBuilds / n,
        load_calls: loaded.sent,
        load_errors: loaded.errors,
        load_timeouts: loaded.timeouts,
        load_non2xx: loaded.non2xx,
        client_20ms_failed: failedOf(timedAnswers) + failedOf(watcherAnswers),
        client_20ms_non2xx: non2xxOf(timedAnswers) + non2xxOf(watcherAnswers),
        load_average_1m_start: loadAtStart,
        load_average_1m_end: loadavg()[0]!,
      },
      ratios: [
        {
          name: 'save → new answer minus SwiftPM\'s own "complete! (Xs)" of that build (s, median)',
          value: overSwiftS,
          target: '≤ 1',
          met: overSwiftS <= 1,
        },
        {
          name: 'save → new answer minus docker run swift build (s, medians)',
          value: addedS,
          target: 'info',
          met: true,
        },
        { name: 'save → new answer / docker run swift build (medians)', value: ratio, target: 'info', met: true },
        {
          name: `failed calls across ${n} swaps, ${LOAD_CONNECTIONS} keep-alive connections`,
          value: failed,
          target: '= 0',
          met: failed === 0,
        },
        { name: 'answers other than 2xx across those swaps', value: non2xx, target: '= 0', met: non2xx === 0 },
      ],
      notes: [
        'buildConfiguration "debug" (decision 0040); the service run is the one watch starts after the ' +
          'first build. The baseline is `docker run --rm … swift build -c debug --product echo-service` with ' +
          "the emulator's build container's image, hostname, environment and mounts (the source copy, the " +
          'SwiftPM cache), read from the engine during the first build, and a scratch volume of its own (warmed ' +
          "by the unmeasured pair): a developer's own build in the same setup, without the emulator's probe " +
          'cache (decision 0042). The same one-line change to main.swift is written into the source copy first. ' +
          'One emulator edit and one baseline build alternate, after one unmeasured pair.',
        "The timeline rows are medians of each swap's steps as the dev status reports them " +
          '(docs/decisions/0041-dev-loop-speed.md): debounce (first change seen → build asked for), build ' +
          "container (→ the build's exec started in the project's build container), SwiftPM before its timer " +
          "(→ `complete!` minus SwiftPM's own time: process start, package loading, planning), SwiftPM's own " +
          "time, after SwiftPM (→ binary copied, build saved), run start (build end → the new run's container " +
          'started), readiness (→ it accepts a connection), switch (→ the dev URL moved).',
        'Save → answer: from just before main.swift is written to the first answer with the new text seen by ' +
          'a client in its own process calling GET /hello on the dev URL every 20 ms. The swift_build_reported ' +
          'rows are SwiftPM\'s own "complete! (…s)" time in each.',
        `Under load: autocannon in its own process, ${LOAD_CONNECTIONS} keep-alive connections calling GET ` +
          `/hello on the dev URL back to back across ${n} more swaps (not the timed ones), with the 20 ms ` +
          `client beside it. Failed = errors and timeouts of both; answers other than 2xx counted apart.`,
      ],
    };
  } finally {
    await load?.kill();
    for (const c of clients) await c.stop().catch(() => undefined);
    // stops the project's runs and removes its builds and build volume
    if (project) await deleteBenchProject(env, project, 13, log);
    await docker
      .getVolume(baselineVolume)
      .remove()
      .catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    await rm(outDir, { recursive: true, force: true });
  }
}
