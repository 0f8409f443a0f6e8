import type { Store } from '../../adapters/store/store.js';
import type { CompilationRecord, KeyRecord, RunRecord } from '../../domain/records.js';
import type { Project } from '../../contract/types.js';

/** One event of the console's live stream (docs/api.md#live-data). */
export interface ChangeEvent {
  readonly type:
    'run' | 'compilation' | 'project' | 'key' | 'status' | 'requests' | 'dev' | 'deleted' | 'invocations' | 'schedule';
  readonly data: unknown;
}

export interface FeedViews {
  run(record: RunRecord): unknown;
  compilation(record: CompilationRecord): unknown;
  project(project: Project): unknown;
  key(record: KeyRecord): unknown;
}

type Kind = 'run' | 'compilation' | 'project' | 'key';

/**
 * Turns store commits into change events: after the commits of one tick, every run, compilation,
 * project and key whose fingerprint (the fields that change) moved is sent once, and what
 * disappeared is sent as `deleted`. Nothing is computed while nobody listens.
 */
export class ChangeFeed {
  private readonly listeners = new Set<(event: ChangeEvent) => void>();
  private fingerprints = new Map<string, string>();
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly views: FeedViews,
  ) {
    store.onCommit(() => this.schedule());
  }

  get active(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: (event: ChangeEvent) => void): () => void {
    if (this.listeners.size === 0) this.fingerprints = this.snapshot();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends an event that does not come from the store (request log, dev loop, engine status). */
  publish(event: ChangeEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private schedule(): void {
    if (this.scheduled || this.listeners.size === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.diff();
    });
  }

  private *entities(): Generator<[key: string, fingerprint: string, kind: Kind, value: unknown]> {
    const data = this.store.data;
    for (const r of data.runs) {
      const { run } = r;
      yield [
        `run:${run.uuid}`,
        `${run.state}|${run.phase}|${run.updated}|${run.hostPort}|${run.exitCode}|${run.logsTruncated}|${run.startedAt}|${run.finishedAt}|${r.debug?.state}`,
        'run',
        r,
      ];
    }
    for (const c of data.compilations)
      yield [`compilation:${c.id}`, `${c.state}|${c.startedAt}|${c.finishedAt}`, 'compilation', c];
    // the whole project: `updated` is in seconds, and two settings saved within one would look unchanged
    for (const p of data.projects) yield [`project:${p.id}`, JSON.stringify(p), 'project', p];
    for (const k of data.keys) yield [`key:${k.id}`, `${k.revokedAt}|${k.lastUsedAt}`, 'key', k];
  }

  private snapshot(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [key, fingerprint] of this.entities()) out.set(key, fingerprint);
    return out;
  }

  private diff(): void {
    if (this.listeners.size === 0) return;
    const next = new Map<string, string>();
    const events: ChangeEvent[] = [];
    for (const [key, fingerprint, kind, value] of this.entities()) {
      next.set(key, fingerprint);
      if (this.fingerprints.get(key) === fingerprint) continue;
      events.push({ type: kind, data: this.view(kind, value) });
    }
    for (const key of this.fingerprints.keys()) {
      if (next.has(key)) continue;
      const [kind, id] = key.split(':') as [Kind, string];
      events.push({ type: 'deleted', data: { kind, id } });
    }
    this.fingerprints = next;
    for (const event of events) this.publish(event);
  }

  private view(kind: Kind, value: unknown): unknown {
    switch (kind) {
      case 'run':
        return this.views.run(value as RunRecord);
      case 'compilation':
        return this.views.compilation(value as CompilationRecord);
      case 'project':
        return this.views.project(value as Project);
      case 'key':
        return this.views.key(value as KeyRecord);
    }
  }
}
