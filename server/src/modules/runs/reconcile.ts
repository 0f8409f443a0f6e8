import type { ContainerStatus, DockerEngine } from '../../adapters/docker/docker-engine.js';
import type { Store } from '../../adapters/store/store.js';
import type { Clock } from '../../clock.js';
import { unixSeconds } from '../../clock.js';
import type { RunRecord } from '../../domain/records.js';
import { errorMessage } from '../../errors.js';
import type { RunsService } from './runs-service.js';
import { TERMINAL_STATES } from './runs-service.js';

export interface ReconcileDeps {
  readonly store: Store;
  readonly engine: DockerEngine;
  readonly runs: RunsService;
  readonly clock: Clock;
  readonly labels: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
}

/** What a restart makes of a run that was live, from its record and its container. */
export type Recovery =
  /** the container has started (it may have ended since): follow it, or record how it ended */
  | { readonly kind: 'reattach'; readonly container: ContainerStatus }
  /** acknowledged but never started, its deadline not passed: start it now */
  | { readonly kind: 'start'; readonly container: ContainerStatus | null }
  | { readonly kind: 'end'; readonly state: 'stopped' | 'failed'; readonly reason: string | null };

/**
 * Decides from what the engine reports, never from how far the record got: the emulator may have
 * died between any engine call and the save that would have recorded it.
 */
export function planRecovery(record: RunRecord, container: ContainerStatus | null, nowMs: number): Recovery {
  if (container && container.startedAtMs !== null) return { kind: 'reattach', container };
  if (record.stopRequested) return { kind: 'end', state: 'stopped', reason: null };
  if (!container && (record.containerId !== null || record.startedAtMs !== null)) {
    return {
      kind: 'end',
      state: 'failed',
      reason: "the run's container disappeared while the emulator was not following it; what it did is unknown",
    };
  }
  const { created, runTimeoutSeconds } = record.run;
  if (nowMs >= (created + runTimeoutSeconds) * 1000) {
    return {
      kind: 'end',
      state: 'failed',
      reason:
        `the emulator stopped before this run's container could start, and its deadline (runTimeoutSeconds ` +
        `${runTimeoutSeconds}s after it was queued) passed before it was back`,
    };
  }
  return { kind: 'start', container };
}

/**
 * Makes the store agree with the engine (see planRecovery): a started container is re-attached or
 * its end recorded, an acknowledged run that never started is started, and labelled run
 * containers that belong to no live run are removed. `lost` counts runs ended without running.
 */
export async function reconcileRunsWithContainers(
  deps: ReconcileDeps,
): Promise<{ reattached: number; started: number; lost: number; removed: number }> {
  const { engine, store, runs, clock } = deps;
  const containers = await engine.listContainers({ ...deps.labels, 'swiftlambda.kind': 'run' });
  const byRun = new Map(containers.map((c) => [c.labels['swiftlambda.run'] ?? '', c]));
  let reattached = 0;
  let started = 0;
  let lost = 0;
  let removed = 0;
  const keep = new Set<string>();
  for (const record of store.data.runs) {
    if (TERMINAL_STATES.has(record.run.state)) continue;
    const summary = byRun.get(record.run.uuid);
    if (runs.liveRun(record.run.uuid)) {
      if (summary) keep.add(summary.id);
      continue;
    }
    const container = summary ? await engine.inspectContainer(summary.id) : null;
    // the record may have moved on while the engine answered
    if (runs.liveRun(record.run.uuid) || TERMINAL_STATES.has(record.run.state)) {
      if (summary) keep.add(summary.id);
      continue;
    }
    const plan = planRecovery(record, container, clock.now());
    switch (plan.kind) {
      case 'reattach': {
        keep.add(plan.container.id);
        record.containerId = plan.container.id;
        const live = runs.track(record);
        void live
          .attach(plan.container)
          .catch((err) => deps.log(`run ${record.run.uuid}: re-attach failed: ${errorMessage(err)}`));
        reattached++;
        break;
      }
      case 'start': {
        if (plan.container) keep.add(plan.container.id);
        record.containerId = plan.container?.id ?? null;
        const live = runs.track(record);
        void live.launch().catch((err) => deps.log(`run ${record.run.uuid}: start failed: ${errorMessage(err)}`));
        started++;
        break;
      }
      case 'end': {
        const now = unixSeconds(clock.now());
        record.run.state = plan.state;
        record.run.phase = 'finished';
        record.run.errorSummary = plan.reason;
        record.run.finishedAt = now;
        record.run.updated = now;
        lost++;
        break;
      }
      default:
        assertNever(plan);
    }
  }
  for (const container of containers) {
    if (keep.has(container.id)) continue;
    await engine.removeContainer(container.id).catch(() => undefined);
    removed++;
  }
  if (lost || started || reattached) await store.commit();
  return { reattached, started, lost, removed };
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

const ENGINE_LOST_RECONCILE_MS = 1000;

/**
 * Follows the engine's container events for this emulator's containers. When the stream breaks
 * (engine stopped or restarted) it reconnects with backoff and runs a full reconcile, so runs
 * that ended while the engine was away get their real outcome.
 */
export class EngineWatcher {
  private stopStream: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private attempt = 0;

  constructor(
    private readonly deps: ReconcileDeps,
    private readonly onReconciled: () => void = () => undefined,
  ) {
    // a run left for the reconcile is picked up even if the events stream did not break
    deps.runs.onEngineLost(() => this.scheduleReconcile(ENGINE_LOST_RECONCILE_MS));
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      const stop = await this.deps.engine.watchEvents(
        this.deps.labels,
        (event) => {
          if (event.action === 'die' || event.action === 'destroy') {
            const runId = event.labels['swiftlambda.run'];
            if (runId && !this.deps.runs.liveRun(runId)) this.scheduleReconcile(0);
          }
        },
        () => {
          this.stopStream = null;
          this.scheduleReconnect();
        },
      );
      this.stopStream = stop;
      const wasDisconnected = this.attempt > 0;
      this.attempt = 0;
      if (wasDisconnected) this.scheduleReconcile(0);
    } catch {
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.timer) return;
    const delayMs = Math.min(15_000, 250 * 2 ** this.attempt);
    this.attempt++;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delayMs);
    this.timer.unref();
  }

  private reconciling = false;
  /** a reconcile was asked for while one ran: it may have looked before the change */
  private reconcileAgain = false;
  private scheduleReconcile(delayMs: number): void {
    setTimeout(() => {
      if (this.stopped) return;
      if (this.reconciling) {
        this.reconcileAgain = true;
        return;
      }
      this.reconciling = true;
      reconcileRunsWithContainers(this.deps)
        .then(() => this.onReconciled())
        .catch((err) => this.deps.log(`reconcile failed: ${errorMessage(err)}`))
        .finally(() => {
          this.reconciling = false;
          if (this.reconcileAgain) {
            this.reconcileAgain = false;
            this.scheduleReconcile(0);
          }
        });
    }, delayMs).unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.stopStream?.();
  }
}
