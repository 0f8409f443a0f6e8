import type { DockerEngine } from '../../adapters/docker/docker-engine.js';
import type { Store } from '../../adapters/store/store.js';
import type { Clock } from '../../clock.js';
import { unixSeconds } from '../../clock.js';
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

/**
 * Makes the store agree with the engine: a live run whose container still exists is re-attached
 * (output continues where the store left off, the deadline is kept); one whose container is gone
 * is recorded as failed; labelled run containers that belong to no live run are removed.
 */
export async function reconcileRunsWithContainers(deps: ReconcileDeps): Promise<{ reattached: number; lost: number; removed: number }> {
  const { engine, store, runs, clock } = deps;
  const containers = await engine.listContainers({ ...deps.labels, 'swiftlambda.kind': 'run' });
  const byRun = new Map(containers.map((c) => [c.labels['swiftlambda.run'] ?? '', c]));
  let reattached = 0;
  let lost = 0;
  let removed = 0;
  const keep = new Set<string>();
  for (const record of store.data.runs) {
    if (TERMINAL_STATES.has(record.run.state)) continue;
    const container = byRun.get(record.run.uuid);
    if (runs.liveRun(record.run.uuid)) {
      if (container) keep.add(container.id);
      continue;
    }
    if (!container) {
      const now = unixSeconds(clock.now());
      record.run.state = record.stopRequested ? 'stopped' : 'failed';
      record.run.phase = 'finished';
      record.run.errorSummary = record.stopRequested
        ? null
        : record.containerId
          ? 'the run\'s container disappeared while the emulator was not following it'
          : 'the emulator stopped before this run\'s container was created';
      record.run.finishedAt = now;
      record.run.updated = now;
      lost++;
      continue;
    }
    keep.add(container.id);
    record.containerId = container.id;
    const live = runs.track(record);
    void live.attach().catch((err) => deps.log(`run ${record.run.uuid}: re-attach failed: ${errorMessage(err)}`));
    reattached++;
  }
  for (const container of containers) {
    if (keep.has(container.id)) continue;
    await engine.removeContainer(container.id).catch(() => undefined);
    removed++;
  }
  if (lost) await store.commit();
  return { reattached, lost, removed };
}

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


  constructor(private readonly deps: ReconcileDeps, private readonly onReconciled: () => void = () => undefined) {}

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
  private scheduleReconcile(delayMs: number): void {
    setTimeout(() => {
      if (this.reconciling || this.stopped) return;
      this.reconciling = true;
      reconcileRunsWithContainers(this.deps)
        .then(() => this.onReconciled())
        .catch((err) => this.deps.log(`reconcile failed: ${errorMessage(err)}`))
        .finally(() => (this.reconciling = false));
    }, delayMs).unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.stopStream?.();
  }
}
