import { setTimeout as sleep } from 'node:timers/promises';
import { ImageMissingError, type ContainerStatus } from '../../adapters/docker/docker-engine.js';
import { unixSeconds } from '../../clock.js';
import type { RunPhase, RunState } from '../../contract/types.js';
import type { RunRecord } from '../../domain/records.js';
import { AppError, errorMessage } from '../../errors.js';
import { ensureImage } from '../builds/index.js';
import { attachContainerOutput, followContainerOutput, type LogWriter, type OutputCapture } from '../logs/index.js';
import { CRASH_TAIL_BYTES, describeCrash, parseCrash, signalOfExitCode, type ParsedCrash } from './crash-report.js';
import { DEBUGGER_CONTAINER_PORT } from './debug-launch.js';
import { describeExit, runContainerSpec, SERVICE_PORT } from './run-container.js';
import type { LiveRunDeps } from './live-run-deps.js';

type Ending =
  | { kind: 'exited'; exitCode: number; oomKilled: boolean; finishedAtMs: number | null }
  | { kind: 'error'; message: string };

const ENDED_BEFORE_START: Ending = { kind: 'exited', exitCode: -1, oomKilled: false, finishedAtMs: null };

function isEngineLost(err: unknown): boolean {
  return err instanceof AppError && err.reason === 'docker_unavailable';
}

/**
 * After the container exits, the engine still streams what the program wrote; the stream ends
 * once all of it is delivered, which after a burst of a million lines takes seconds. This is only
 * a safety limit for a stream that never ends.
 */
const LOG_DRAIN_LIMIT_MS = 120_000;

export type { LiveRunDeps } from './live-run-deps.js';

/**
 * One run between `queued` and its terminal state: pulls, creates and starts the container,
 * follows its output, enforces the deadline, and records how it ended. A run whose container
 * started before a restart enters at `attach()` with the bytes already stored skipped; one whose
 * container was only created enters at `launch()`, which starts it.
 */
export class LiveRun {
  private writer: LogWriter | null = null;
  private capture: OutputCapture | null = null;
  private deadline: NodeJS.Timeout | null = null;
  private timedOut = false;
  /** a started service run's address on its container network (the dev loop's readiness check) */
  ipAddress: string | null = null;
  /** seconds between SIGTERM and the kill, once a stop was asked for */
  private graceSeconds = 0;
  /** true when the engine went away under us: the run is left as is for the next reconcile */
  private detachedFromEngine = false;
  /** the container had exited before this run was re-attached: its end comes from the engine */
  private exitedUnseen = false;
  private resolveDone!: () => void;
  readonly done: Promise<void>;
  private resolveStarted!: () => void;
  /** resolves once the run has left `queued`: its container is running, or the run has ended */
  readonly started: Promise<void>;

  constructor(
    readonly record: RunRecord,
    private readonly deps: LiveRunDeps,
    private readonly onSettled: (live: LiveRun, detached: boolean) => void,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.started = new Promise((resolve) => (this.resolveStarted = resolve));
    if (record.run.state !== 'queued') this.resolveStarted();
  }

  get uuid(): string {
    return this.record.run.uuid;
  }

  /** Remaining milliseconds before the deadline, or null when the container has not started. */
  msUntilDeadline(): number | null {
    if (this.record.startedAtMs === null) return null;
    return this.record.startedAtMs + this.record.run.runTimeoutSeconds * 1000 - this.deps.clock.now();
  }

  /**
   * Intermediate steps are saved in the background (coalesced with other writes): a crash between
   * them is repaired by reconciliation from the container's labels, so a run does not wait on an
   * fsync per step. The outcome of a run is saved before `done` resolves.
   */
  private setPhase(phase: RunPhase, state?: RunState): void {
    this.record.run.phase = phase;
    if (state) this.record.run.state = state;
    if (this.record.run.state !== 'queued') this.resolveStarted();
    this.record.run.updated = unixSeconds(this.deps.clock.now());
    this.saveInBackground();
  }

  /** A write that fails (a full disk) is logged; the record stays in memory and rides on the next one. */
  private saveInBackground(): void {
    void this.deps.save().catch((err) => this.deps.log(`run ${this.uuid}: could not save: ${errorMessage(err)}`));
  }

  private async openWriter(): Promise<LogWriter> {
    if (!this.writer) {
      this.writer = await this.deps.logs.openWriter('runs', this.uuid);
      // past the cap, or lines lost to a full disk: the log is not the whole output
      const truncated = () => {
        this.record.run.logsTruncated = true;
        this.saveInBackground();
      };
      this.writer.onTruncated(truncated);
      this.writer.onLinesLost(truncated);
      if (this.record.run.logsTruncated) this.writer.markTruncated();
      this.writer.setMask(this.deps.environment.maskFor(this.record.run.project));
    }
    return this.writer;
  }

  /**
   * From `queued` to `running`, then follows the run to its end. A container created before a
   * restart and never started (`containerId` already set) is started rather than made again.
   */
  async launch(): Promise<void> {
    const { engine } = this.deps;
    const { run } = this.record;
    try {
      const writer = await this.openWriter();
      if (this.record.stopRequested) return await this.finish(ENDED_BEFORE_START);
      if (!this.record.containerId) {
        this.setPhase('creating');
        // read now, so every run (and every restart of one) gets the env file as it is
        const config = await this.deps.environment.forProject(run.project);
        writer.setMask(config.mask);
        const spec = runContainerSpec(this.record, this.deps.labels, await this.deps.reach?.(), config.env);
        try {
          this.record.containerId = await engine.createContainer(spec);
        } catch (err) {
          // the image is looked for only when the engine says it is missing: no round trip otherwise
          if (!(err instanceof ImageMissingError)) throw err;
          this.setPhase('pulling');
          await ensureImage(engine, run.dockerImage, (line) => writer.system(line));
          if (this.record.stopRequested) return await this.finish(ENDED_BEFORE_START);
          this.setPhase('creating');
          this.record.containerId = await engine.createContainer(spec);
        }
      }
      if (this.record.stopRequested) return await this.finish(ENDED_BEFORE_START);
      this.setPhase('starting');
      // attached before start, like `docker run`: every byte comes straight from the pipes
      this.capture = await attachContainerOutput(engine, this.record.containerId, writer);
      await engine.startContainer(this.record.containerId);
      const now = this.deps.clock.now();
      this.record.startedAtMs = now;
      run.startedAt = unixSeconds(now);
      if (run.mode === 'service' || this.record.debug)
        this.notePorts(await engine.inspectContainer(this.record.containerId));
      // a stop that came while the container was being attached or started found nothing running
      // to kill (the engine refuses to kill a created container): kill it now, and let the watch
      // below record the run as stopped
      if (this.record.stopRequested) await this.terminate();
      else this.setPhase('running', 'running');
    } catch (err) {
      // whether the container was made or started is for the reconcile to find out from the engine
      if (isEngineLost(err) && !this.record.stopRequested) return await this.leaveForReconcile();
      return await this.finish({ kind: 'error', message: errorMessage(err) });
    }
    await this.watch(async () => this.capture!);
  }

  /**
   * Re-attaches to a container that was started while nobody followed it (the emulator or the
   * engine was down) and records what the engine says happened: when it started, whether it still
   * runs, its port. The engine's stored log replays output from the first byte, so what the log
   * already holds is skipped.
   */
  async attach(container: ContainerStatus): Promise<void> {
    const { run } = this.record;
    if (this.record.startedAtMs === null && container.startedAtMs !== null) {
      this.record.startedAtMs = container.startedAtMs;
      run.startedAt = unixSeconds(container.startedAtMs);
    }
    // a stopped container has no published ports left: keep what was recorded
    if (container.hostPort !== null) this.notePorts(container);
    this.exitedUnseen = !(
      container.state === 'running' ||
      container.state === 'paused' ||
      container.state === 'restarting'
    );
    if (this.exitedUnseen) {
      // killed by the launch script's backstop (or by us, just before a crash) at the deadline
      const ranMs =
        container.finishedAtMs !== null && this.record.startedAtMs !== null
          ? container.finishedAtMs - this.record.startedAtMs
          : 0;
      this.timedOut = container.exitCode !== 0 && !this.record.stopRequested && ranMs >= run.runTimeoutSeconds * 1000;
    } else if (this.record.stopRequested) {
      await this.terminate();
    } else if (run.state === 'queued') {
      this.setPhase('running', 'running');
    }
    await this.watch(async () => {
      const writer = await this.openWriter();
      const skip = this.record.run.logsTruncated ? { stdout: Infinity, stderr: Infinity } : writer.storedAtOpen;
      return followContainerOutput(this.deps.engine, this.record.containerId!, writer, skip);
    });
  }

  /** The service's and the debugger's ports on 127.0.0.1, from the engine's inspect. */
  private notePorts(status: ContainerStatus | null): void {
    const ports = status?.hostPorts;
    if (this.record.run.mode === 'service')
      this.record.run.hostPort = ports?.[SERVICE_PORT] ?? (this.record.debug ? null : (status?.hostPort ?? null));
    this.ipAddress = status?.ipAddress ?? null;
    if (this.record.debug) this.record.debug.upstreamPort = ports?.[DEBUGGER_CONTAINER_PORT] ?? null;
  }

  /** Follows a started container until it ends, enforcing the deadline, and records the end. */
  private async watch(capture: () => Promise<OutputCapture>): Promise<void> {
    const { engine } = this.deps;
    const containerId = this.record.containerId!;
    let ending: Ending;
    try {
      // the run's outcome comes from the engine: a log that cannot be opened is reported, not fatal
      this.capture = await capture().catch((err: unknown) => {
        if (isEngineLost(err)) throw err;
        this.deps.log(`run ${this.uuid}: its output is not recorded: ${errorMessage(err)}`);
        return null;
      });
      // an end that came while nobody watched is recorded as it was, not as a deadline kill now
      if (!this.exitedUnseen) {
        this.armDeadline();
        this.deps.stats.follow(this.record);
      }
      const exitCode = await engine.waitContainer(containerId);
      if (this.detachedFromEngine) return;
      if (this.capture) {
        await Promise.race([this.capture.done, sleep(LOG_DRAIN_LIMIT_MS, undefined, { ref: false })]);
        await this.capture.complete();
      }
      const status = await engine.inspectContainer(containerId);
      ending = {
        kind: 'exited',
        exitCode,
        oomKilled: status?.oomKilled ?? false,
        finishedAtMs: status?.finishedAtMs ?? null,
      };
    } catch (err) {
      if (isEngineLost(err)) return await this.leaveForReconcile();
      ending = { kind: 'error', message: errorMessage(err) };
    }
    await this.finish(ending);
  }

  /**
   * The engine went away. The run is left as it is; once the engine is back, the events watcher's
   * reconcile re-attaches it, starts it, or records its end, from what the engine then reports.
   */
  private async leaveForReconcile(): Promise<void> {
    this.detachedFromEngine = true;
    this.clearDeadline();
    this.deps.stats.end(this.uuid);
    this.capture?.stop();
    this.deps.log(`run ${this.uuid}: lost the Docker engine; will reconcile when it is back`);
    await this.deps.logs.closeWriter('runs', this.uuid).catch(() => undefined);
    this.onSettled(this, true);
    this.resolveDone();
  }

  private armDeadline(): void {
    const remaining = this.msUntilDeadline();
    if (remaining === null || this.detachedFromEngine) return;
    this.deadline = setTimeout(() => void this.onDeadline(), Math.max(0, remaining));
  }

  private clearDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
  }

  private async onDeadline(): Promise<void> {
    if (this.record.stopRequested) return;
    this.timedOut = true;
    this.writer?.system(
      `[swiftlambda] run exceeded runTimeoutSeconds (${this.record.run.runTimeoutSeconds}s); container killed`,
    );
    this.setPhase('timingOut');
    await this.deps.engine.killContainer(this.record.containerId!).catch(() => undefined);
  }

  /** Marks the run for stopping and kills its container; resolves when the run is terminal. */
  /**
   * Marks the run for stopping and stops its container gracefully (SIGTERM, then the kill after
   * `graceSeconds`); resolves when the run is terminal, with the program's own exit code.
   */
  async stop(graceSeconds: number): Promise<void> {
    if (!this.record.stopRequested) {
      this.record.stopRequested = true;
      this.graceSeconds = graceSeconds;
      this.setPhase('stopping');
      if (this.record.containerId) await this.terminate();
    }
    await this.done;
  }

  private async terminate(): Promise<void> {
    await this.deps.engine.stopContainer(this.record.containerId!, this.graceSeconds).catch((err) => {
      this.deps.log(`run ${this.uuid}: stop failed: ${errorMessage(err)}`);
    });
  }

  private async finish(ending: Ending): Promise<void> {
    const { run } = this.record;
    this.clearDeadline();
    this.deps.stats.end(this.uuid);
    const now = this.deps.clock.now();
    this.setPhase('collecting');
    let state: RunState;
    let errorSummary: string | null = null;
    let exitCode: number | null = null;
    if (ending.kind === 'error') {
      state = this.record.stopRequested ? 'stopped' : 'failed';
      errorSummary = this.record.stopRequested ? null : ending.message;
    } else {
      exitCode = ending.exitCode >= 0 ? ending.exitCode : null;
      if (this.record.stopRequested) {
        state = 'stopped';
      } else if (this.timedOut) {
        state = 'timedOut';
        errorSummary = `run exceeded runTimeoutSeconds (${run.runTimeoutSeconds}s) and was killed`;
      } else if (ending.oomKilled) {
        state = 'failed';
        errorSummary = `out of memory: the container passed its memory limit of ${this.record.memoryLimitMb} MiB and was killed`;
        const limitBytes = this.record.memoryLimitMb * 1024 * 1024;
        this.record.crash = {
          signal: 'SIGKILL',
          message: `out of memory (limit ${this.record.memoryLimitMb} MiB)`,
          frames: [],
        };
        this.record.peakMemoryBytes = Math.max(this.record.peakMemoryBytes ?? 0, limitBytes);
      } else if (ending.exitCode === 0) {
        state = 'succeeded';
      } else {
        state = 'failed';
        const crash = await this.diagnoseCrash(ending.exitCode);
        this.record.crash = crash?.crash ?? null;
        const detail = crash ? describeCrash(crash) : '';
        errorSummary = detail ? `${describeExit(ending.exitCode)}: ${detail}` : describeExit(ending.exitCode);
      }
    }
    if (errorSummary) this.writer?.system(`[swiftlambda] ${errorSummary}`);
    this.capture?.stop();
    // the log is written (or known to be short) before anyone can see the run ended
    if (this.writer && !(await this.writer.drain())) run.logsTruncated = true;
    run.state = state;
    this.resolveStarted();
    run.exitCode = exitCode;
    run.errorSummary = errorSummary;
    const engineEnd = ending.kind === 'exited' && this.exitedUnseen ? ending.finishedAtMs : null;
    run.finishedAt = unixSeconds(engineEnd ?? now);
    run.phase = 'finished';
    run.updated = unixSeconds(this.deps.clock.now());
    // closing the log ends live followers, who read the outcome recorded just above
    await this.deps.logs.closeWriter('runs', this.uuid).catch(() => undefined);
    // saved before the container goes: a crash in between leaves a stray container to remove,
    // never a live run whose container (and outcome) is gone
    await this.deps.save().catch((err) => this.deps.log(`run ${this.uuid}: could not save: ${errorMessage(err)}`));
    if (this.record.containerId) await this.deps.engine.removeContainer(this.record.containerId).catch(() => undefined);
    this.onSettled(this, false);
    this.resolveDone();
  }

  /** A signal's death explained from the end of stderr: the runtime's fatal error and the backtrace. */
  private async diagnoseCrash(exitCode: number): Promise<ParsedCrash | null> {
    const signal = signalOfExitCode(exitCode);
    if (!signal) return null;
    const tail = this.writer ? await this.writer.tail('stderr', CRASH_TAIL_BYTES).catch(() => '') : '';
    return parseCrash(tail, signal);
  }

  /**
   * Stops following without touching the container or the record (server shutdown): the next
   * start re-attaches to the container.
   */
  async detach(): Promise<void> {
    this.detachedFromEngine = true;
    this.clearDeadline();
    this.deps.stats.end(this.uuid);
    this.capture?.stop();
    await this.deps.logs.closeWriter('runs', this.uuid).catch(() => undefined);
    this.resolveDone();
  }
}
