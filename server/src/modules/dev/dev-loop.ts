import { join } from 'node:path';
import type { DevStart, DevStatus, DevSwap } from '../../contract/dev.js';
import type { Compilation } from '../../contract/types.js';
import type { RunRecord } from '../../domain/records.js';
import { swapTimeline } from './swap-timeline.js';
import { isTerminal } from '../../domain/run-states.js';
import { errorMessage } from '../../errors.js';
import type { BuildsService } from '../builds/index.js';
import { localDependencyFolders, swiftVersionOfImage, type ProjectsService } from '../projects/index.js';
import type { RunsService, StartRunOptions } from '../runs/index.js';
import { PackageWatcher } from './package-watcher.js';
import { waitUntilListening } from './readiness.js';
import { RebuildScheduler } from './rebuild-scheduler.js';
import { CrashRestarts } from './crash-restarts.js';
import { liveServiceRuns, servingRun } from './serving-run.js';

export interface DevLoopDeps {
  readonly projects: ProjectsService;
  readonly builds: BuildsService;
  readonly runs: RunsService;
  /** resolves once no proxied call to the run is open */
  readonly whenIdle: (runId: string) => Promise<void>;
  readonly log: (line: string) => void;
}

interface ProjectLoop {
  watcher: PackageWatcher | null;
  scheduler: RebuildScheduler | null;
  /** the run the dev URL serves, once a swap has moved it (else the newest service run) */
  pinned: string | null;
  swappingTo: string | null;
  problem: string | null;
  swaps: DevSwap[];
  /** successful builds seen: a swap whose new run is still starting gives way to a newer build */
  generation: number;
  /** deploys of successful builds, one after another: each swap starts from the run the last one pinned */
  deploying: Promise<void>;
  /** saves of the env file seen, and how many of them the run behind the dev URL started after */
  envChanges: number;
  envChangesServed: number;
  /** what a good build starts when no service run is live, as `PUT …/dev` said (null: see deploy) */
  starts: DevStart | null;
  /** when the first change each recent build answers was seen */
  changedAt: Map<string, number | null>;
}

/** why a swap gave up its new run: a newer build deploys instead */
const SUPERSEDED = 'superseded by a newer build';
/** how long a new run may take to listen before the console is told the swap is waiting */
const SLOW_LISTEN_MS = 30_000;
const MAX_SWAPS_KEPT = 20;
const DEFAULT_START: DevStart = { mode: 'service', arguments: [] };

/**
 * The development loop (docs/api.md#development-loop): watch a project's package, rebuild on save, and after each successful
 * build move the dev URL to a new service run of the new binary once it listens (the old one
 * finishes its calls and is stopped gracefully), start one when none is live, or run a oneShot
 * again; a crashed service run is started again (crash-restarts.ts).
 * Why swaps are pinned, serialized and superseded: docs/decisions/0040-hot-swap.md.
 */
export class DevLoop {
  private readonly loops = new Map<string, ProjectLoop>();
  private readonly statusListeners: Array<(projectId: string) => void> = [];
  private readonly restarts: CrashRestarts;
  /** after close, a build that ends starts nothing (the server no longer follows runs) */
  private closed = false;

  constructor(private readonly deps: DevLoopDeps) {
    this.restarts = new CrashRestarts({
      projects: deps.projects,
      runs: deps.runs,
      watching: (id) => !!this.loops.get(id)?.watcher,
      swappingTo: (id) => this.loops.get(id)?.swappingTo ?? null,
      liveServiceRuns: (id) => this.liveServiceRuns(id),
      setProblem: (id, problem) => {
        this.loop(id).problem = problem;
        this.changed(id);
      },
      startOptions: (id, options) => this.loopRunOptions(id, options),
      log: deps.log,
    });
    deps.builds.onFinished((c) => void this.afterBuild(c).catch((err) => deps.log(`dev loop: ${errorMessage(err)}`)));
    deps.projects.onChanged(
      (id) =>
        void this.syncProject(id).catch((err) =>
          deps.log(`dev loop: cannot watch project ${id}: ${errorMessage(err)}`),
        ),
    );
  }

  private loop(projectId: string): ProjectLoop {
    let loop = this.loops.get(projectId);
    if (!loop) {
      loop = {
        watcher: null,
        scheduler: null,
        pinned: null,
        swappingTo: null,
        problem: null,
        swaps: [],
        generation: 0,
        deploying: Promise.resolve(),
        envChanges: 0,
        envChangesServed: 0,
        starts: null,
        changedAt: new Map(),
      };
      this.loops.set(projectId, loop);
    }
    return loop;
  }

  onStatus(listener: (projectId: string) => void): void {
    this.statusListeners.push(listener);
  }

  private changed(projectId: string): void {
    for (const l of this.statusListeners) l(projectId);
  }

  /** The options of a run the loop starts: its development deadline, and who started it. */
  private loopRunOptions(projectId: string, options: StartRunOptions): StartRunOptions {
    return { ...options, runTimeoutSeconds: this.deps.projects.get(projectId).devRunTimeoutSeconds };
  }

  /** Starts or stops watching every project as its `watch` setting says. */
  async syncWatchers(): Promise<void> {
    for (const project of this.deps.projects.list()) await this.syncProject(project.id);
    for (const id of this.loops.keys()) if (!this.deps.projects.exists(id)) await this.forget(id);
  }

  async syncProject(projectId: string): Promise<void> {
    if (this.closed) return;
    if (!this.deps.projects.exists(projectId)) return this.forget(projectId);
    const project = this.deps.projects.get(projectId);
    const loop = this.loop(projectId);
    if (!project.watch) {
      // a problem is the loop's; with the loop off, nothing is being kept serving
      loop.problem = null;
      loop.starts = null;
      loop.scheduler?.stop();
      loop.scheduler = null;
      await loop.watcher?.close();
      loop.watcher = null;
      this.restarts.forget(projectId);
      this.changed(projectId);
      return;
    }
    if (!project.restartOnFailure) this.restarts.forget(projectId);
    if (!loop.scheduler) {
      loop.scheduler = new RebuildScheduler(async (changedAt) => {
        const compilation = await this.deps.builds.startBuild(projectId);
        loop.changedAt.set(compilation.id, changedAt);
        for (const old of [...loop.changedAt.keys()].slice(0, Math.max(0, loop.changedAt.size - 20)))
          loop.changedAt.delete(old);
        this.changed(projectId);
        await this.deps.builds.settled(projectId);
      });
    }
    loop.watcher ??= new PackageWatcher((path) => {
      if (path === this.envFileOf(projectId)) return void this.afterEnvFileChange(projectId);
      loop.scheduler?.changed();
      void this.refreshRoots(projectId);
    });
    await this.refreshRoots(projectId);
    this.changed(projectId);
  }

  /** What the loop starts after a good build when no service run of the project is live. */
  setStart(
    projectId: string,
    start: { readonly mode: DevStart['mode']; readonly arguments: readonly string[] } | null,
  ): DevStatus {
    this.deps.projects.get(projectId);
    this.loop(projectId).starts = start && { mode: start.mode, arguments: [...start.arguments] };
    this.changed(projectId);
    return this.status(projectId);
  }

  /** The package and its local path dependencies, read again when a manifest may have changed. */
  private async refreshRoots(projectId: string): Promise<void> {
    const loop = this.loops.get(projectId);
    if (!loop?.watcher || !this.deps.projects.exists(projectId)) return;
    const project = this.deps.projects.get(projectId);
    const dependencies = await localDependencyFolders(project.sourcePath, swiftVersionOfImage(project.dockerImage));
    await loop.watcher.watch([project.sourcePath, ...dependencies], this.envFileOf(projectId));
  }

  /** The absolute path of the project's env file, or null. */
  private envFileOf(projectId: string): string | null {
    const project = this.deps.projects.exists(projectId) ? this.deps.projects.get(projectId) : null;
    return project?.envFile ? join(project.sourcePath, project.envFile) : null;
  }

  /**
   * The env file changed: nothing to build, but the dev URL's run has the old values. A new run of
   * the same build takes over as after a build (a swap), and reads the file as it starts.
   */
  private async afterEnvFileChange(projectId: string): Promise<void> {
    const loop = this.loops.get(projectId);
    if (!loop) return;
    loop.envChanges++;
    const generation = ++loop.generation;
    const restart = loop.deploying.then(async () => {
      // a build that ends meanwhile supersedes this, and its deploy swaps for the env file too
      if (loop.generation !== generation || !this.deps.projects.exists(projectId)) return;
      const serving = this.devRunOf(projectId);
      if (serving && loop.envChanges !== loop.envChangesServed) await this.swap(projectId, serving, null, generation);
      this.changed(projectId);
    });
    loop.deploying = restart.catch(() => undefined);
    await restart.catch((err) => this.deps.log(`dev loop: ${errorMessage(err)}`));
  }

  async forget(projectId: string): Promise<void> {
    const loop = this.loops.get(projectId);
    loop?.scheduler?.stop();
    await loop?.watcher?.close();
    this.restarts.forget(projectId);
    this.loops.delete(projectId);
  }

  /**
   * The run `/dev/{LAMBDA_ID}/api` serves: null when none, undefined for an unknown project. The
   * newest live service run, except that the loop's own new runs wait until their swap pins them.
   */
  devRunOf(projectId: string): string | null | undefined {
    if (!this.deps.projects.exists(projectId)) return undefined;
    const loop = this.loops.get(projectId);
    return servingRun(this.liveServiceRuns(projectId), loop?.pinned ?? null, loop?.swappingTo ?? null);
  }

  private liveServiceRuns(projectId: string): RunRecord[] {
    return liveServiceRuns(this.deps.runs, projectId);
  }

  status(projectId: string): DevStatus {
    const project = this.deps.projects.get(projectId);
    const loop = this.loops.get(projectId);
    return {
      watching: project.watch && !!loop?.watcher?.ready,
      building: this.deps.builds.isBuilding(projectId),
      servingRun: this.devRunOf(projectId) ?? null,
      swappingTo: loop?.swappingTo ?? null,
      problem: loop?.problem ?? null,
      swaps: (loop?.swaps ?? []).map((s) => ({ ...s })),
      restart: this.restarts.status(projectId),
      starts: project.watch ? (loop?.starts ?? null) : null,
    };
  }

  private async afterBuild(compilation: Compilation): Promise<void> {
    const projectId = compilation.project;
    if (this.closed || !this.deps.projects.exists(projectId) || !this.deps.projects.get(projectId).watch) return;
    const loop = this.loop(projectId);
    if (compilation.state !== 'succeeded') {
      loop.problem = `build failed, the previous version keeps serving: ${compilation.errorSummary ?? 'see the build log'}`;
      this.changed(projectId);
      return;
    }
    // new code: crashes of the old one no longer count
    this.restarts.reset(projectId);
    const generation = ++loop.generation;
    const deploy = loop.deploying.then(() => this.deploy(projectId, compilation.id, generation));
    loop.deploying = deploy.catch(() => undefined);
    await deploy;
  }

  /** Puts a successful build to work: a swap of the dev URL's run, a new run, or a oneShot again. */
  private async deploy(projectId: string, compilationId: string, generation: number): Promise<void> {
    const loop = this.loops.get(projectId);
    // a newer build came while this one waited its turn: that one deploys
    if (!loop || loop.generation !== generation || !this.deps.projects.exists(projectId)) return;
    loop.problem = null;
    const serving = this.devRunOf(projectId);
    if (serving) {
      // a run started once the build had succeeded (the build's end is announced a little later,
      // as `swiftlambda dev` builds, then starts) already runs it
      if (this.deps.runs.find(serving)?.run.compilation !== compilationId || loop.envChanges !== loop.envChangesServed)
        await this.swap(projectId, serving, compilationId, generation);
      this.changed(projectId);
      return;
    }
    // the new run of a swap under way gets the new build by the next swap; an AWS Lambda mode
    // function has no runs (its invocations use the newest build)
    if (this.liveServiceRuns(projectId).length || this.deps.projects.get(projectId).runtime === 'awsLambda')
      return this.changed(projectId);
    const newest = this.deps.runs.list({ projectId, limit: 1 })[0];
    try {
      if (loop.starts) {
        await this.deps.runs.start(projectId, loop.starts, this.loopRunOptions(projectId, { startedBy: 'dev' }));
      } else if (newest?.mode === 'oneShot') {
        // the console's or the loop's oneShot runs again with its arguments (one an API key
        // started is the caller's own)
        if (newest.compilation !== compilationId && this.deps.runs.find(newest.uuid)?.startedBy !== 'key')
          await this.deps.runs.start(
            projectId,
            { mode: 'oneShot', arguments: newest.arguments },
            this.loopRunOptions(projectId, { startedBy: 'dev' }),
          );
      } else {
        await this.deps.runs.start(projectId, DEFAULT_START, this.loopRunOptions(projectId, { startedBy: 'dev' }));
      }
    } catch (err) {
      loop.problem = `the new build could not be started: ${errorMessage(err)}`;
    }
    this.changed(projectId);
  }

  /** A new run of the new build takes over the dev URL once it listens; the old one then stops. */
  private async swap(
    projectId: string,
    oldRunId: string,
    compilationId: string | null,
    generation: number,
  ): Promise<void> {
    const loop = this.loop(projectId);
    const old = this.deps.runs.find(oldRunId);
    if (!old) return;
    // the dev URL stays on the old run until the new one listens (the new one is the project's
    // newest service run as soon as it exists, before it can answer)
    loop.pinned = oldRunId;
    const envChanges = loop.envChanges;
    const runRequestedAt = Date.now();
    let runId: string;
    try {
      const { run } = await this.deps.runs.start(
        projectId,
        { mode: 'service', arguments: old.run.arguments },
        this.loopRunOptions(projectId, { startedBy: 'dev', replacesRun: oldRunId }),
      );
      runId = run.uuid;
    } catch (err) {
      loop.problem = `the new build could not be started, the previous version keeps serving: ${errorMessage(err)}`;
      return;
    }
    loop.swappingTo = runId;
    this.changed(projectId);
    try {
      const failure = await waitUntilListening(
        this.deps.runs,
        runId,
        () => (loop.generation !== generation ? SUPERSEDED : null),
        SLOW_LISTEN_MS,
        () => {
          loop.problem =
            `the new run has not accepted connections on its port for ${SLOW_LISTEN_MS / 1000} s (does it listen ` +
            `on 0.0.0.0:$PORT?); the previous version keeps serving`;
          this.changed(projectId);
        },
      );
      if (failure) {
        if (failure !== SUPERSEDED)
          loop.problem = `the new build did not start serving, the previous version keeps serving: ${failure}`;
        this.stopInBackground(projectId, runId);
        return;
      }
      const readyAt = Date.now();
      loop.pinned = runId;
      loop.envChangesServed = envChanges;
      loop.problem = null;
      const build = compilationId === null ? undefined : this.deps.builds.timesOf(compilationId);
      const changedAt = compilationId === null ? null : (loop.changedAt.get(compilationId) ?? null);
      const runStartedAt = this.deps.runs.find(runId)?.startedAtMs ?? null;
      const timeline = swapTimeline(changedAt, build, { runRequestedAt, runStartedAt, readyAt });
      loop.swaps.unshift({ from: oldRunId, to: runId, at: Date.now(), timeline });
      loop.swaps.length = Math.min(loop.swaps.length, MAX_SWAPS_KEPT);
    } finally {
      loop.swappingTo = null;
      this.changed(projectId);
    }
    // calls already on their way to the old run finish first; new ones go to the new run. The
    // next swap need not wait for this one's grace period.
    void this.deps.whenIdle(oldRunId).then(() => this.stopInBackground(projectId, oldRunId));
  }

  /** Stops a run gracefully if it is still live, without holding up the caller. */
  private stopInBackground(projectId: string, runId: string): void {
    const record = this.deps.runs.find(runId);
    if (!record || isTerminal(record.run.state)) return;
    void this.deps.runs
      .stop(projectId, runId)
      .catch(() => undefined)
      .then(() => this.changed(projectId));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.loops.keys()]) await this.forget(id);
  }
}
