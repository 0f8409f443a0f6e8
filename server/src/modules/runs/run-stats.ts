import type { DockerEngine, LogFollow } from '../../adapters/docker/docker-engine.js';
import type { RunStatsSample } from '../../contract/run-diagnostics.js';
import type { RunRecord } from '../../domain/records.js';
import { errorMessage } from '../../errors.js';

/** Samples kept per run: two minutes at the engine's one a second. */
export const STATS_KEPT = 120;
/** Ended runs whose last samples stay readable (the memory curve before a crash). */
const ENDED_RUNS_KEPT = 32;

export interface StatsListener {
  onSample(sample: RunStatsSample): void;
  /** the run's container is no longer followed */
  onEnd(): void;
}

interface RunSamples {
  readonly samples: RunStatsSample[];
  readonly listeners: Set<StatsListener>;
  follow: LogFollow | null;
  live: boolean;
}

/**
 * Live CPU and memory of running containers: the engine's stats stream is followed only while a
 * run's container runs (the engine reads the cgroup once a second for each follower), the last
 * samples are kept in memory, and the peak memory goes on the run record, saved with it.
 */
export class RunStats {
  private readonly runs = new Map<string, RunSamples>();

  constructor(private readonly deps: { readonly engine: DockerEngine; readonly log: (line: string) => void }) {}

  /** Follows the container of a run that is running; a run already followed is left as it is. */
  follow(record: RunRecord): void {
    const containerId = record.containerId;
    if (!containerId) return;
    const runId = record.run.uuid;
    let entry = this.runs.get(runId);
    if (entry?.live) return;
    if (entry) this.runs.delete(runId);
    entry = { samples: entry?.samples ?? [], listeners: new Set(), follow: null, live: true };
    this.runs.set(runId, entry);
    const following = entry;
    const onSample = (sample: RunStatsSample) => {
      if (!following.live) return;
      if (sample.memoryBytes > (record.peakMemoryBytes ?? 0)) record.peakMemoryBytes = sample.memoryBytes;
      following.samples.push(sample);
      if (following.samples.length > STATS_KEPT) following.samples.shift();
      for (const l of following.listeners) l.onSample(sample);
    };
    // stats are an extra: whatever goes wrong is logged, never the run's problem
    Promise.resolve()
      .then(() => this.deps.engine.followStats(containerId, onSample))
      .then((f) => {
        if (following.live) following.follow = f;
        else f.stop();
      })
      .catch((err) => this.deps.log(`run ${runId}: no stats: ${errorMessage(err)}`));
  }

  /** Stops following a run (it ended, or the emulator lets go of it); its samples stay a while. */
  end(runId: string): void {
    const entry = this.runs.get(runId);
    if (!entry?.live) return;
    entry.live = false;
    entry.follow?.stop();
    entry.follow = null;
    for (const l of entry.listeners) l.onEnd();
    entry.listeners.clear();
    const ended = [...this.runs].filter(([, e]) => !e.live);
    for (const [id] of ended.slice(0, Math.max(0, ended.length - ENDED_RUNS_KEPT))) this.runs.delete(id);
  }

  /** The kept samples, oldest first, and whether the run's container is followed now. */
  read(runId: string): { samples: RunStatsSample[]; live: boolean } {
    const entry = this.runs.get(runId);
    return { samples: entry ? [...entry.samples] : [], live: entry?.live ?? false };
  }

  /** Calls `listener` with each new sample of a followed run; null when the run is not followed. */
  subscribe(runId: string, listener: StatsListener): (() => void) | null {
    const entry = this.runs.get(runId);
    if (!entry?.live) return null;
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
  }

  /** How many containers are followed now. */
  get followed(): number {
    let n = 0;
    for (const e of this.runs.values()) if (e.live) n++;
    return n;
  }
}
