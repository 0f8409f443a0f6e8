import { randomUUID } from 'node:crypto';
import { copyFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import type { DbData, RunRecord } from '../../domain/records.js';
import { TERMINAL_STATES } from '../../domain/run-states.js';
import { CorruptFileError, DurableJsonFile } from './durable-json-file.js';
import { asInsufficientStorage } from './storage-fault.js';
import { trackChange } from './undo.js';

export const DB_FILE = 'db.json';
const WRITE_RETRY_MS = 2000;

const finishedRunJson = new WeakMap<RunRecord, { fingerprint: string; json: string }>();

/**
 * JSON of the whole store, without re-serializing every finished run on every write: a finished
 * run no longer changes, so its JSON is kept (keyed by the record, checked by a fingerprint of the
 * fields that end a run). With 10,000 runs this turns a 40 ms block of the event loop per write
 * into a string join.
 */
export function serializeDb(data: DbData): string {
  const { runs, ...rest } = data;
  const parts: string[] = new Array(runs.length);
  for (let i = 0; i < runs.length; i++) {
    const record = runs[i]!;
    const { run } = record;
    if (!TERMINAL_STATES.has(run.state)) {
      parts[i] = JSON.stringify(record);
      continue;
    }
    const fingerprint = `${run.state}|${run.updated}|${run.finishedAt}|${run.exitCode}|${run.logsTruncated}`;
    const cached = finishedRunJson.get(record);
    if (cached && cached.fingerprint === fingerprint) {
      parts[i] = cached.json;
    } else {
      const json = JSON.stringify(record);
      finishedRunJson.set(record, { fingerprint, json });
      parts[i] = json;
    }
  }
  const head = JSON.stringify(rest);
  return `${head.slice(0, -1)},"runs":[${parts.join(',')}]}`;
}

function emptyData(): DbData {
  return { version: 1, instanceId: randomUUID(), keys: [], projects: [], compilations: [], runs: [] };
}

function isDbData(value: unknown): value is DbData {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.version === 1 &&
    typeof v.instanceId === 'string' &&
    ['keys', 'projects', 'compilations', 'runs'].every((k) => Array.isArray(v[k]))
  );
}

/**
 * The one JSON file (lowdb) that holds keys, projects, compilations and runs. Callers mutate
 * `data` in memory and then `await commit()`: commits that arrive while a write is under way are
 * coalesced into the next single write, so a burst of state changes costs one rewrite.
 */
export class Store {
  readonly warnings: string[];
  private inFlight: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;
  private queued: Promise<void> | null = null;
  private readonly commitListeners: Array<() => void> = [];

  private constructor(
    private readonly low: Low<DbData>,
    readonly dataDir: string,
    warnings: string[],
  ) {
    this.warnings = warnings;
  }

  get data(): DbData {
    return this.low.data;
  }

  static async open(dataDir: string, now: () => number = Date.now): Promise<Store> {
    const file = join(dataDir, DB_FILE);
    const backup = `${file}.bak`;
    const warnings: string[] = [];
    const low = new Low<DbData>(new DurableJsonFile<DbData>(file, serializeDb), emptyData());
    try {
      await low.read();
      if (!isDbData(low.data)) throw new CorruptFileError(file, 'unexpected shape');
    } catch (err) {
      if (!(err instanceof CorruptFileError)) throw err;
      const aside = `${file}.corrupt-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
      await rename(file, aside);
      const restored = new Low<DbData>(new DurableJsonFile<DbData>(backup), emptyData());
      let fromBackup = false;
      try {
        await restored.read();
        fromBackup = isDbData(restored.data);
      } catch {
        fromBackup = false;
      }
      low.data = fromBackup ? restored.data : emptyData();
      await low.write();
      warnings.push(
        `${err.message}. It was moved aside to ${aside}; ` +
          (fromBackup
            ? `the last good copy (${backup}) was restored.`
            : 'no good copy existed, so the store starts empty.'),
      );
    }
    // A new store writes itself at once, so the instance id is fixed from the first start.
    if (low.data.keys.length + low.data.projects.length === 0) await low.write();
    await copyFile(file, backup).catch(() => undefined);
    return new Store(low, dataDir, warnings);
  }

  /** Calls `listener` synchronously on every commit, before the write: the data has just changed. */
  onCommit(listener: () => void): void {
    this.commitListeners.push(listener);
  }

  /** Persists the current in-memory data; resolves once a write that includes it is on disk. */
  commit(): Promise<void> {
    for (const listener of this.commitListeners) listener();
    return this.write();
  }

  /**
   * After a failed write, what is left in memory (what Docker did meanwhile: a run's end) is
   * written again a little later, so it reaches the disk once space returns without waiting
   * for another change.
   */
  private writeAgainLater(): void {
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.write().catch(() => undefined);
    }, WRITE_RETRY_MS);
    this.retry.unref();
  }

  private write(): Promise<void> {
    if (!this.queued) {
      const previous = this.inFlight ?? Promise.resolve();
      this.queued = previous
        .catch(() => undefined)
        .then(() => {
          this.queued = null;
          const write = this.low.write();
          this.inFlight = write;
          write.catch(() => this.writeAgainLater());
          return write.finally(() => {
            if (this.inFlight === write) this.inFlight = null;
          });
        });
    }
    return this.queued;
  }

  /**
   * Applies `change` (synchronous: validate inside it), writes, and resolves with its result once
   * on disk. When the write fails the change is undone, so memory stays what is on disk, and a
   * full disk is a 507 naming the data dir. `touched` names the existing records `change` edits.
   */
  async transact<T>(change: () => T, touched: readonly object[] = []): Promise<T> {
    const settle = trackChange(this.low.data as unknown as Record<string, unknown>, touched);
    let result: T;
    try {
      result = change();
    } catch (err) {
      settle()();
      throw err;
    }
    const undo = settle();
    try {
      await this.commit();
    } catch (err) {
      undo();
      // the change feed sees the data as it is again
      for (const listener of this.commitListeners) listener();
      throw asInsufficientStorage(this.dataDir, `the store (${DB_FILE})`, err);
    }
    return result;
  }

  async flush(): Promise<void> {
    await (this.queued ?? this.inFlight ?? Promise.resolve());
  }
}
