// startEmulator(): an emulator in this process for a test run (docs/api.md#tests-that-use-the-emulator). A free port, a temporary
// data dir, the projects built, one API key; stop() stops every run, removes every container this
// emulator labelled and deletes the temporary data dir. `swiftlambda exec` is a thin CLI over it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerEngine } from '../adapters/docker/docker-engine.js';
import { DockerodeEngine } from '../adapters/docker/dockerode-engine.js';
import { writeServerJson } from '../adapters/store/server-json.js';
import { PRODUCT_DEFAULT_IMAGE, resolveConfig } from '../config.js';
import type { BuildConfiguration, Compilation, Diagnostic, LogChunk } from '../contract/types.js';
import { formatDiagnostic } from '../domain/diagnostic-format.js';
import { errorMessage } from '../errors.js';
import { createServer, type SwiftLambdaServer } from '../index.js';
import { startServiceRun, type ServiceRun } from './service-run.js';

export interface EmulatorProject {
  /** the Swift package's folder; a relative path is resolved from the current directory */
  readonly path: string;
  /** the executable product to build and run */
  readonly target: string;
  /** how long a run may last, in seconds (default 60, as on the hosted platform) */
  readonly runTimeoutSeconds?: number;
  /** `release` (default) or `debug` */
  readonly buildConfiguration?: BuildConfiguration;
  /** service runs answer without an API key */
  readonly publicInstances?: boolean;
}

export interface StartEmulatorOptions {
  /** the projects to create and build, by name: `{ echo: { path, target } }` */
  readonly projects?: Readonly<Record<string, EmulatorProject>>;
  /** a data dir to use and keep; by default a temporary one that stop() deletes */
  readonly dataDir?: string;
  /** the image to build and run in (default SWIFTLAMBDA_DEFAULT_IMAGE, else swift:5.10-jammy) */
  readonly image?: string;
  /** receives the build output as it comes (default: discarded; a failed build's diagnostics are in the error) */
  readonly onOutput?: (text: string) => void;
  /** the server's own log lines (default: stderr) */
  readonly log?: (line: string) => void;
  /** aborts the start (a build under way is ended); startEmulator then cleans up and rejects */
  readonly signal?: AbortSignal;
}

export interface Emulator {
  /** the API's base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** an API key for every project (`X-API-Key`) */
  readonly apiKey: string;
  /** the console token (console routes, and `?token=` for the console in a browser) */
  readonly consoleToken: string;
  /** LAMBDA_ID by project name */
  readonly projects: Readonly<Record<string, string>>;
  readonly dataDir: string;
  /** starts a service run of a project and resolves once it accepts connections */
  startService(name: string, args?: readonly string[]): Promise<ServiceRun>;
  /** stops every run, removes every container this emulator started, deletes a temporary data dir */
  stop(): Promise<void>;
}

/** A project's build failed: the compiler's diagnostics are in the message and on the error. */
export class BuildFailedError extends Error {
  constructor(
    readonly project: string,
    readonly compilation: Compilation,
  ) {
    const lines = compilation.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    super(
      `the build of ${project} failed:\n${(lines.length ? lines : [compilation.errorSummary ?? 'no compiler output']).join('\n')}`,
    );
    this.name = 'BuildFailedError';
  }

  get diagnostics(): readonly Diagnostic[] {
    return this.compilation.diagnostics;
  }
}

const POLL_MS = 200;
/** How a build log prints: the program's lines as written, the emulator's own after `»`. */
export function formatChunk(chunk: LogChunk): string {
  return chunk.stream === 'system' ? `» ${chunk.data}` : chunk.data;
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  const engine = new DockerodeEngine();
  // Docker first, so a missing engine is one clear error before anything is written
  try {
    await engine.version();
  } catch (err) {
    throw new Error(`the Docker engine is not reachable (${errorMessage(err)}); start Docker or set DOCKER_HOST`, {
      cause: err,
    });
  }
  const temporary = options.dataDir === undefined;
  const dataDir =
    options.dataDir !== undefined ? resolve(options.dataDir) : await mkdtemp(join(tmpdir(), 'swiftlambda-exec-'));
  const log = options.log ?? ((line: string) => process.stderr.write(`[swiftlambda] ${line}\n`));
  const image = options.image || process.env.SWIFTLAMBDA_DEFAULT_IMAGE || PRODUCT_DEFAULT_IMAGE;
  let server: SwiftLambdaServer | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= cleanUp(engine, server, temporary ? dataDir : undefined, log));
  try {
    const config = {
      ...resolveConfig(['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], {
        ...process.env,
        SWIFTLAMBDA_DEFAULT_IMAGE: image,
      }),
      buildVolumeKey: 'packagePath' as const,
    };
    server = await createServer({ config, engine, log });
    const url = await server.listen();
    // as `npm start` writes it, so the swiftlambda CLI finds this emulator through the data dir
    await writeServerJson(dataDir, { url, consoleToken: server.consoleToken, pid: process.pid });
    const projects: Record<string, string> = {};
    for (const [name, spec] of Object.entries(options.projects ?? {})) {
      projects[name] = await createOrReuseProject(server, name, spec, options.image);
    }
    for (const [name, id] of Object.entries(projects)) {
      options.signal?.throwIfAborted();
      await buildProject(server, engine, name, id, options);
    }
    options.signal?.throwIfAborted();
    const { secret } = await server.services.keys.create({
      name: 'swiftlambda-exec',
      expiresInDays: null,
      projects: null,
    });
    return {
      url,
      apiKey: secret,
      consoleToken: server.consoleToken,
      projects,
      dataDir,
      startService: (name, args = []) => {
        const lambdaId = projects[name];
        if (!lambdaId)
          return Promise.reject(
            new Error(`no project named ${name}; the projects are: ${Object.keys(projects).join(', ') || 'none'}`),
          );
        return startServiceRun({ url, apiKey: secret }, lambdaId, args);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A kept data dir may have the project already: the same name, path and target is reused. */
async function createOrReuseProject(
  server: SwiftLambdaServer,
  name: string,
  spec: EmulatorProject,
  image: string | undefined,
): Promise<string> {
  const { projects } = server.services;
  const sourcePath = resolve(spec.path);
  const settings = {
    runTimeoutSeconds: spec.runTimeoutSeconds,
    buildConfiguration: spec.buildConfiguration,
    publicInstances: spec.publicInstances,
    dockerImage: image || undefined,
  };
  const existing = projects.list().find((p) => p.name.toLowerCase() === name.toLowerCase());
  if (!existing) return (await projects.create({ name, sourcePath, targetName: spec.target, ...settings })).id;
  if (existing.sourcePath !== sourcePath || existing.targetName !== spec.target) {
    throw new Error(
      `the data dir has a project ${existing.name} for ${existing.sourcePath}:${existing.targetName}, not ${sourcePath}:${spec.target}`,
    );
  }
  // only what the caller named changes; settings made in the console stay
  const named = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
  await projects.update(existing.id, named);
  return existing.id;
}

/** Builds a project, handing its output to `onOutput` as it comes; throws BuildFailedError. */
async function buildProject(
  server: SwiftLambdaServer,
  engine: DockerEngine,
  name: string,
  projectId: string,
  options: StartEmulatorOptions,
): Promise<void> {
  const { onOutput, signal } = options;
  const { builds } = server.services;
  const buildLabels = { 'swiftlambda.instance': server.services.store.data.instanceId, 'swiftlambda.kind': 'build' };
  const started = Date.now();
  const project = server.services.projects.get(projectId);
  onOutput?.(`── building ${name}: ${project.sourcePath}, product ${project.targetName} ──\n`);
  const { id } = await builds.startBuild(projectId);
  let done = false;
  const settled = builds.settled(projectId).then(() => (done = true));
  let after = -1;
  for (;;) {
    const wasDone = done;
    const page = await builds.readLogs(projectId, id, after, 500);
    for (const chunk of page) onOutput?.(formatChunk(chunk));
    if (page.length) after = page[page.length - 1]!.sequence;
    if (wasDone && page.length < 500) break;
    // aborted: the build ends once its container is gone (it may not have one yet)
    if (signal?.aborted) await removeContainers(engine, buildLabels, () => undefined);
    if (page.length < 500) await Promise.race([settled, sleep(POLL_MS)]);
  }
  signal?.throwIfAborted();
  const compilation = builds.list(projectId).find((c) => c.id === id)!;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (compilation.state !== 'succeeded') {
    onOutput?.(`── ${name}: build failed after ${seconds} s ──\n`);
    throw new BuildFailedError(name, compilation);
  }
  onOutput?.(`── ${name}: built in ${seconds} s ──\n`);
}

/**
 * Builds end first (their containers removed, so nothing writes into the data dir afterwards),
 * then the server stops its runs, then whatever container is still labelled with this emulator's
 * instance goes, then the temporary data dir.
 */
async function cleanUp(
  engine: DockerEngine,
  server: SwiftLambdaServer | undefined,
  temporaryDir: string | undefined,
  log: (line: string) => void,
): Promise<void> {
  if (server) {
    const labels = { 'swiftlambda.instance': server.services.store.data.instanceId };
    const { builds, projects } = server.services;
    const building = () => projects.list().some((p) => builds.isBuilding(p.id));
    const deadline = Date.now() + 60_000;
    while (building() && Date.now() < deadline) {
      await removeContainers(engine, { ...labels, 'swiftlambda.kind': 'build' }, log);
      await sleep(500);
    }
    await server
      .close({ stopRuns: true })
      .catch((err: unknown) => log(`could not close the emulator cleanly: ${errorMessage(err)}`));
    await removeContainers(engine, labels, log);
  }
  if (temporaryDir) await rm(temporaryDir, { recursive: true, force: true, maxRetries: 3 });
}

async function removeContainers(
  engine: DockerEngine,
  labels: Readonly<Record<string, string>>,
  log: (line: string) => void,
): Promise<void> {
  try {
    const left = await engine.listContainers(labels);
    await Promise.all(left.map((c) => engine.removeContainer(c.id)));
  } catch (err) {
    log(`could not remove the emulator's containers: ${errorMessage(err)}`);
  }
}
