import { randomUUID } from 'node:crypto';
import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import type { Store } from '../../adapters/store/store.js';
import { asInsufficientStorage } from '../../adapters/store/storage-fault.js';
import type { Clock } from '../../clock.js';
import { unixSeconds } from '../../clock.js';
import type { ConsoleRun, LogChunk, Run, RunMode, RunState } from '../../contract/types.js';
import { NO_ENVIRONMENT, type EnvironmentProvider } from '../../domain/project-environment.js';
import type { RunRecord, RunStarter } from '../../domain/records.js';
import { AppError, errorMessage } from '../../errors.js';
import type { BuildsService } from '../builds/index.js';
import type { LogListener, LogStore } from '../logs/index.js';
import type { ProjectsService } from '../projects/index.js';
import { TERMINAL_STATES } from '../../domain/run-states.js';
import { LiveRun } from './live-run.js';
import { RunStats } from './run-stats.js';
import type { ContainerReach } from '../networks/index.js';
import { SERVICE_PORT } from './run-container.js';

export { RUN_STATES, TERMINAL_STATES } from '../../domain/run-states.js';

export interface RunsDeps {
  readonly store: Store;
  readonly engine: DockerEngine;
  readonly logs: LogStore;
  readonly projects: ProjectsService;
  readonly builds: BuildsService;
  readonly clock: Clock;
  readonly labels: Readonly<Record<string, string>>;
  /** terminal runs kept per project; older ones and their logs are deleted */
  readonly retentionPerProject: number;
  readonly log: (line: string) => void;
  /** each project's environment and secrets (none when absent) */
  readonly environment?: EnvironmentProvider;
  /** how containers reach this machine and the API */
  readonly reach?: () => Promise<ContainerReach>;
}

export interface StartRunInput {
  readonly mode: RunMode;
  readonly arguments: readonly string[];
}

/** Who started a run, and the run it replaces in a hot swap: console fields, never on public routes. */
export interface StartRunOptions {
  readonly startedBy?: RunStarter;
  readonly replacesRun?: string | null;
  /** instead of the project's runTimeoutSeconds (the dev loop's runs) */
  readonly runTimeoutSeconds?: number;
  /** a debug run: the newest build must be a debug build; `port` is the debugger relay's */
  readonly debug?: { readonly port: number; readonly runTimeoutSeconds?: number };
}

export function toPublicRun(record: RunRecord): Run {
  return { ...record.run, arguments: [...record.run.arguments] };
}

/** The console's view of a run: the public Run fields and the emulator's own (never on public routes). */
export function toConsoleRun(record: RunRecord): ConsoleRun {
  return {
    ...toPublicRun(record),
    startedBy: record.startedBy ?? 'key',
    replacesRun: record.replacesRun ?? null,
    crash: record.crash ?? null,
    peakMemoryBytes: record.peakMemoryBytes ?? null,
    debug: record.debug ? { port: record.debug.port, state: record.debug.state } : null,
  };
}

/** The public runs API: start, list, get, stop, logs. Lifecycles live in LiveRun. */
export class RunsService {
  private readonly live = new Map<string, LiveRun>();
  private readonly byId = new Map<string, RunRecord>();
  private readonly engineLostListeners: Array<() => void> = [];
  private readonly endedListeners: Array<(record: RunRecord) => void> = [];
  private readonly detachListeners: Array<() => void> = [];
  /** live CPU and memory of the running containers */
  readonly stats: RunStats;

  constructor(private readonly deps: RunsDeps) {
    this.stats = new RunStats({ engine: deps.engine, log: deps.log });
    for (const record of deps.store.data.runs) this.byId.set(record.run.uuid, record);
  }

  private liveDeps() {
    const { engine, logs, clock, labels, log, store, reach } = this.deps;
    const environment = this.deps.environment ?? NO_ENVIRONMENT;
    return { engine, logs, clock, labels, log, reach, environment, stats: this.stats, save: () => store.commit() };
  }

  /** The run record, for the proxy and the console; undefined for an unknown id. */
  find(runId: string): RunRecord | undefined {
    return this.byId.get(runId);
  }

  liveRun(runId: string): LiveRun | undefined {
    return this.live.get(runId);
  }

  liveRuns(): LiveRun[] {
    return [...this.live.values()];
  }

  get(projectId: string, runId: string): RunRecord {
    this.deps.projects.get(projectId);
    const record = this.byId.get(runId);
    if (!record || record.run.project !== projectId)
      throw new AppError('run_not_found', `no run ${runId} in project ${projectId}`);
    return record;
  }

  list(filter: { projectId?: string; state?: RunState; limit: number }): Run[] {
    if (filter.projectId) this.deps.projects.get(filter.projectId);
    const out: Run[] = [];
    const runs = this.deps.store.data.runs;
    // runs are appended in creation order: walk backwards for newest first
    for (let i = runs.length - 1; i >= 0 && out.length < filter.limit; i--) {
      const { run } = runs[i]!;
      if (filter.projectId && run.project !== filter.projectId) continue;
      if (filter.state && run.state !== filter.state) continue;
      out.push(toPublicRun(runs[i]!));
    }
    return out;
  }

  async start(
    projectId: string,
    input: StartRunInput,
    options: StartRunOptions = {},
  ): Promise<{ run: Run; jobId: string }> {
    const project = this.deps.projects.get(projectId);
    const compilation = this.deps.builds.latestSucceeded(projectId);
    if (!compilation?.binaryFile) {
      throw new AppError(
        'no_succeeded_compilation',
        'the project has no successful build yet; build it in the console first',
      );
    }
    if (options.debug && (compilation.configuration ?? 'release') !== 'debug') {
      throw new AppError(
        'debug_build_required',
        `the newest build is a ${compilation.configuration ?? 'release'} build; set buildConfiguration to "debug" and build again`,
      );
    }
    // 503 docker_unavailable before anything is stored when the engine is away. (The events
    // stream is no substitute: an engine shutting down keeps it open after refusing new calls.)
    await this.deps.engine.ping();
    const now = unixSeconds(this.deps.clock.now());
    const record: RunRecord = {
      run: {
        uuid: randomUUID(),
        project: project.id,
        compilation: compilation.id,
        targetName: compilation.targetName,
        binaryPath: `/binaries/${project.id}/${compilation.targetName}`,
        dockerImage: project.dockerImage,
        arguments: [...input.arguments],
        state: 'queued',
        phase: 'queued',
        runTimeoutSeconds: options.debug?.runTimeoutSeconds ?? options.runTimeoutSeconds ?? project.runTimeoutSeconds,
        mode: input.mode,
        containerPort: input.mode === 'service' ? SERVICE_PORT : null,
        hostPort: null,
        publicAccess: project.publicInstances,
        startedAt: null,
        finishedAt: null,
        exitCode: null,
        errorSummary: null,
        logsTruncated: false,
        created: now,
        updated: now,
      },
      jobId: randomUUID(),
      containerId: null,
      memoryLimitMb: project.memoryLimitMb,
      pidsLimit: project.pidsLimit,
      networks: [...project.networks],
      binaryFile: compilation.binaryFile,
      stopRequested: false,
      startedAtMs: null,
      startedBy: options.startedBy ?? 'key',
      replacesRun: options.replacesRun ?? null,
      ...(options.debug ? { debug: { port: options.debug.port, state: 'waiting', upstreamPort: null } } : {}),
    };
    const { store, logs } = this.deps;
    const uuid = record.run.uuid;
    try {
      // open the log first, so a follower that connects while the run is queued stays connected
      await logs.openWriter('runs', uuid);
    } catch (err) {
      // nothing was stored or promised yet
      await logs.remove('runs', uuid).catch(() => undefined);
      throw asInsufficientStorage(store.dataDir, `the log of a new run`, err);
    }
    let live!: LiveRun;
    // The container is prepared while the new run is written to disk; the caller hears 201 only
    // once it is durable. A restart's reconcile starts a stored run that has no container yet
    // (whether or not its 201 was sent), as a durable queue would.
    const durable = store.transact(() => {
      store.data.runs.push(record);
      this.byId.set(uuid, record);
      live = this.track(record);
    });
    void live.launch().catch((err) => this.deps.log(`run ${uuid} crashed: ${errorMessage(err)}`));
    try {
      await durable;
    } catch (err) {
      // not stored, so never started: whatever the launch made goes, with the log
      this.byId.delete(uuid);
      void live
        .stop(0)
        .then(() => logs.remove('runs', uuid))
        .catch(() => undefined);
      throw err;
    }
    return { run: toPublicRun(record), jobId: record.jobId };
  }

  /** Persists records changed in place (a debug run's debugger state). */
  commit(): Promise<void> {
    return this.deps.store.commit();
  }

  /** Calls `listener` when a live run is left for the reconcile because the engine went away. */
  onEngineLost(listener: () => void): void {
    this.engineLostListeners.push(listener);
  }

  /** Calls `listener` with each run that ends while followed (not one left for the reconcile). */
  onRunEnded(listener: (record: RunRecord) => void): void {
    this.endedListeners.push(listener);
  }

  /** Keeps a LiveRun in the live map until it settles. */
  track(record: RunRecord): LiveRun {
    const live = new LiveRun(record, this.liveDeps(), (settled, detached) => {
      if (this.live.get(settled.uuid) === settled) this.live.delete(settled.uuid);
      if (detached) for (const listener of this.engineLostListeners) listener();
      else {
        for (const listener of this.endedListeners) listener(record);
        void this.pruneOldRuns(record.run.project);
      }
    });
    this.live.set(record.run.uuid, live);
    return live;
  }

  async stop(projectId: string, runId: string): Promise<Run> {
    const record = this.get(projectId, runId);
    if (TERMINAL_STATES.has(record.run.state)) {
      throw new AppError('not_stoppable', `run ${runId} is already ${record.run.state}`);
    }
    const live = this.live.get(runId);
    if (live) {
      await live.stop(this.graceSecondsOf(record));
    } else {
      // non-terminal with nothing following it: the engine is away; record the stop now
      await this.deps.store.transact(() => {
        record.stopRequested = true;
        record.run.state = 'stopped';
        record.run.phase = 'finished';
        record.run.finishedAt = unixSeconds(this.deps.clock.now());
        record.run.updated = record.run.finishedAt;
      }, [record]);
      if (record.containerId) await this.deps.engine.killContainer(record.containerId).catch(() => undefined);
    }
    return toPublicRun(record);
  }

  /** The project's stopGraceSeconds (a run whose project is gone gets the default). */
  private graceSecondsOf(record: RunRecord): number {
    return this.deps.projects.exists(record.run.project)
      ? this.deps.projects.get(record.run.project).stopGraceSeconds
      : 10;
  }

  /** Stops every live run gracefully (shutdown with stopRuns). */
  async stopEveryLiveRun(): Promise<void> {
    await Promise.all([...this.live.values()].map((l) => l.stop(this.graceSecondsOf(l.record)).catch(() => undefined)));
  }

  async stopAll(projectId: string, mode?: RunMode): Promise<{ stopped: number; runs: Run[] }> {
    this.deps.projects.get(projectId);
    const targets = this.deps.store.data.runs.filter(
      (r) => r.run.project === projectId && !TERMINAL_STATES.has(r.run.state) && (!mode || r.run.mode === mode),
    );
    const runs = await Promise.all(targets.map((r) => this.stop(projectId, r.run.uuid)));
    return { stopped: runs.length, runs };
  }

  async readLogs(
    projectId: string,
    runId: string,
    afterSequence: number,
    limit: number,
  ): Promise<{ logs: LogChunk[]; logsTruncated: boolean }> {
    const record = this.get(projectId, runId);
    const logs = await this.deps.logs.read('runs', runId, afterSequence, limit);
    return { logs, logsTruncated: record.run.logsTruncated };
  }

  /** Subscribes to new chunks of a live run; null when the run's log is closed. */
  subscribeLogs(runId: string, listener: LogListener): (() => void) | null {
    const writer = this.deps.logs.liveWriter('runs', runId);
    return writer ? writer.subscribe(listener) : null;
  }

  /** Deletes the oldest terminal runs of a project beyond the retention setting. */
  private async pruneOldRuns(projectId: string): Promise<void> {
    const terminal = this.deps.store.data.runs.filter(
      (r) => r.run.project === projectId && TERMINAL_STATES.has(r.run.state),
    );
    const excess = terminal.length - this.deps.retentionPerProject;
    if (excess <= 0) return;
    const doomed = new Set(terminal.slice(0, excess).map((r) => r.run.uuid));
    const { store } = this.deps;
    // a failed write keeps them (in memory as on disk); the next run's end tries again
    const kept = await store
      .transact(() => (store.data.runs = store.data.runs.filter((r) => !doomed.has(r.run.uuid))))
      .then(
        () => false,
        () => true,
      );
    if (kept) return;
    for (const id of doomed) this.byId.delete(id);
    await Promise.all([...doomed].map((id) => this.deps.logs.remove('runs', id).catch(() => undefined)));
  }

  /** Stops a project's live runs gracefully, then deletes all its runs and their logs (project delete). */
  async removeProject(projectId: string): Promise<void> {
    const live = [...this.live.values()].filter((l) => l.record.run.project === projectId);
    await Promise.all(live.map((l) => l.stop(this.graceSecondsOf(l.record)).catch(() => undefined)));
    const doomed = this.deps.store.data.runs.filter((r) => r.run.project === projectId);
    for (const r of doomed)
      if (r.containerId) await this.deps.engine.removeContainer(r.containerId).catch(() => undefined);
    const { store } = this.deps;
    await store.transact(() => (store.data.runs = store.data.runs.filter((r) => r.run.project !== projectId)));
    for (const r of doomed) this.byId.delete(r.run.uuid);
    await Promise.all(doomed.map((r) => this.deps.logs.remove('runs', r.run.uuid).catch(() => undefined)));
  }

  /** Calls `listener` when the server stops following its runs (shutdown). */
  onDetachAll(listener: () => void): void {
    this.detachListeners.push(listener);
  }

  /** Stops following every live run without touching its container (server shutdown). */
  async detachAll(): Promise<void> {
    for (const listener of this.detachListeners) listener();
    const all = [...this.live.values()];
    this.live.clear();
    await Promise.all(all.map((l) => l.detach()));
  }
}
