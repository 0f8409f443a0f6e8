// Figure 14: a no-op rebuild of a many-package app (a generated graph of 25 path dependencies), the
// emulator's build (request → compilation succeeded) against `docker run --rm` of `swift build`
// in the same image, with the same mounts, hostname, environment and SwiftPM cache.
import { randomUUID } from 'node:crypto';
import type { Compilation, Project } from '../contract/types.js';
import { BUILD_ENV, BUILD_HOSTNAME, SWIFTPM_CACHE_VOLUME } from '../modules/builds/build-container.js';
import { execTracked } from '../testing/children.js';
import { waitFor } from '../testing/harness.js';
import type { BenchEnv } from './bench-env.js';
import { generateManyPackages, PACKAGE_COUNT, type ManyPackages } from './many-packages.js';
import { interleaved, summarize, type Figure, type Summary } from './stats.js';
import { compilationOutput, deleteBenchProject, manifestCacheEntries, reportedBuildMs } from './swiftpm-bench.js';

const COLD_TIMEOUT_MS = 1_800_000;
const WARM_TIMEOUT_MS = 300_000;

/** Starts a build through the console API; ms until it reads `succeeded` (polled every 20 ms). */
async function emulatorBuild(env: BenchEnv, projectId: string, timeoutMs: number) {
  const began = performance.now();
  const res = await env.api.console('POST', `/projects/${projectId}/compilations`, {});
  if (res.status !== 202) throw new Error(`build start failed: ${res.status} ${JSON.stringify(res.body)}`);
  const id = (res.body.compilation as Compilation).id;
  const done = await waitFor(
    async () => {
      const c = (await env.api.console('GET', `/projects/${projectId}/compilations/${id}`)).body
        .compilation as Compilation;
      return c.state === 'succeeded' || c.state === 'failed' ? c : undefined;
    },
    timeoutMs,
    `compilation ${id}`,
    20,
  );
  const ms = performance.now() - began;
  if (done.state !== 'succeeded') throw new Error(`the many-package build failed: ${done.errorSummary}`);
  return { ms, reported: reportedBuildMs(await compilationOutput(env, projectId, id)) };
}

/**
 * `swift build` of the same package by `docker run --rm`, in a scratch volume of its own: the
 * emulator's image, hostname and environment, every package folder mounted at its own path (the
 * root writable, dependencies read-only) and the shared SwiftPM cache.
 */
async function swiftBuild(image: string, tree: ManyPackages, volume: string, timeoutMs: number) {
  const name = `swiftlambda-bench-manypkg-${randomUUID().slice(0, 8)}`;
  const args = [
    'run',
    '--rm',
    '--name',
    name,
    '--hostname',
    BUILD_HOSTNAME,
    ...Object.entries(BUILD_ENV).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    ...tree.folders.flatMap((f, i) => ['-v', i === 0 ? `${f}:${f}` : `${f}:${f}:ro`]),
    '-v',
    `${volume}:/build`,
    '-v',
    `${SWIFTPM_CACHE_VOLUME}:/swiftpm-cache`,
    '--entrypoint',
    'swift',
    image,
    ...['build', '-c', 'debug', '--product', 'app', '--package-path', tree.root],
    ...['--scratch-path', '/build', '--cache-path', '/swiftpm-cache'],
  ];
  const began = performance.now();
  const result = await execTracked('docker', args, timeoutMs);
  const ms = performance.now() - began;
  if (result.code !== 0) {
    await execTracked('docker', ['rm', '-f', name], 30_000);
    throw new Error(`baseline build exited ${result.code}: ${(result.stderr || result.stdout).slice(-500)}`);
  }
  return { ms, reported: reportedBuildMs(result.stdout) };
}

export async function figureManyPackages(env: BenchEnv, n: number, log: (line: string) => void): Promise<Figure> {
  const tree = await generateManyPackages();
  const volume = `swiftlambda-bench-manypkg-${randomUUID().slice(0, 8)}`;
  let project: Project | undefined;
  try {
    project = await env.api.createProject(tree.root, 'app', {
      name: 'many-packages-bench',
      buildConfiguration: 'debug',
      runTimeoutSeconds: 600,
    });
    const projectId = project.id;
    const image = project.dockerImage;
    const cold = await emulatorBuild(env, projectId, COLD_TIMEOUT_MS);
    log(`figure 14: cold build of app + ${PACKAGE_COUNT} packages ${(cold.ms / 1000).toFixed(1)} s`);
    // the baseline's own scratch volume built once, unmeasured; then one unmeasured no-op of each
    const baselineCold = await swiftBuild(image, tree, volume, COLD_TIMEOUT_MS);
    log(`figure 14: baseline's cold build ${(baselineCold.ms / 1000).toFixed(1)} s`);
    await emulatorBuild(env, projectId, WARM_TIMEOUT_MS);
    await swiftBuild(image, tree, volume, WARM_TIMEOUT_MS);

    const manifestsBefore = await manifestCacheEntries(image, tree.tag);
    const emulatorReported: number[] = [];
    const baselineReported: number[] = [];
    const [emulator, bare] = (
      await interleaved(n, 1000, [
        async () => {
          const b = await emulatorBuild(env, projectId, WARM_TIMEOUT_MS);
          emulatorReported.push(b.reported);
          return b.ms;
        },
        async () => {
          const b = await swiftBuild(image, tree, volume, WARM_TIMEOUT_MS);
          baselineReported.push(b.reported);
          return b.ms;
        },
      ])
    ).map(summarize) as [Summary, Summary];
    const swiftReported = summarize(emulatorReported.filter((x) => !Number.isNaN(x)));
    const manifests = await manifestCacheEntries(image, tree.tag);
    log(
      `figure 14: no-op build ${emulator.median.toFixed(0)} ms, docker run swift build ${bare.median.toFixed(0)} ms, ` +
        `SwiftPM's own ${swiftReported.median.toFixed(0)} ms; manifest cache entries of this tree ` +
        `${manifestsBefore} before the timed builds, ${manifests} after`,
    );
    const ratio = emulator.median / bare.median;
    const added = manifests - manifestsBefore;
    const overReported = emulator.median / swiftReported.median;
    return {
      id: 14,
      title: `no-op rebuild of a many-package app (app + ${PACKAGE_COUNT} path dependencies, debug), against swift build`,
      measured: {
        emulator_noop_build_ms: emulator,
        docker_run_swift_build_ms: bare,
        swift_build_reported_in_emulator_ms: swiftReported,
        swift_build_reported_in_baseline_ms: summarize(baselineReported.filter((x) => !Number.isNaN(x))),
        cold_build_ms: cold.ms,
        baseline_cold_build_ms: baselineCold.ms,
        manifests: PACKAGE_COUNT + 1,
        manifest_cache_entries_before_timed_builds: manifestsBefore,
        manifest_cache_entries_after_timed_builds: manifests,
      },
      ratios: [
        { name: 'no-op build / docker run swift build (medians)', value: ratio, target: '≤ 2', met: ratio <= 2 },
        {
          name: 'no-op build / SwiftPM\'s own "complete! (Xs)" of that build (medians)',
          value: overReported,
          target: 'info',
          met: true,
        },
        {
          name: "entries added to SwiftPM's manifest cache by the timed builds",
          value: added,
          target: '= 0',
          met: added === 0,
        },
      ],
      notes: [
        `A generated app: an executable package \`app\` depending on 5 of ${PACKAGE_COUNT} library packages ` +
          '(`../pkgNN` path dependencies, in 5 layers of 5, each package depending on two of the next layer, ' +
          "two small Swift files each), written into a temp dir at bench time; the emulator mounts each folder's " +
          'copy at its own path. The cold debug build through the API is cold_build_ms (unmeasured otherwise).',
        "No-op build: from `POST /console/api/projects/{id}/compilations` to the compilation's `succeeded` " +
          '(polled every 20 ms), nothing changed since the last build. The baseline is `docker run --rm` of ' +
          '`swift build -c debug --product app --scratch-path /build --cache-path /swiftpm-cache` in the same image, ' +
          "with the build's fixed hostname and environment, the package folders mounted at their own paths, a " +
          'scratch volume of its own (built once, unmeasured) and the shared SwiftPM cache volume. One emulator ' +
          'build and one baseline build alternate, after one unmeasured pair.',
        "The manifest_cache_entries rows count the entries of SwiftPM's shared manifest cache " +
          '(manifests/manifest.db in the cache volume) that belong to this tree, before and after the timed ' +
          "builds: SwiftPM's cache key includes the environment, so the emulator's builds and the baseline's " +
          'may each hold one entry per manifest, and none is added while every build hits the cache (a random ' +
          'hostname added one per manifest and build: docs/decisions/0041-dev-loop-speed.md).',
      ],
    };
  } finally {
    if (project) await deleteBenchProject(env, project, 14, log);
    await execTracked('docker', ['volume', 'rm', '-f', volume], 60_000);
    await tree.remove();
  }
}
