import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { LogChunk, LogStream } from '../../contract/types.js';
import { encodeChunk, PendingLines } from './log-encoding.js';
import { INDEX_ENTRY, readRangeFrom, recoverTail } from './log-recovery.js';

/** How often a log whose write failed (a full disk) tries again. */
const RETRY_MS = 1000;

export interface LogFaultEvents {
  /** the first line dropped because the log could not be written */
  onLoss(): void;
  /** writes work again; `lost` lines were dropped meanwhile */
  onRecovered(lost: number): void;
}

/**
 * Writes `length` bytes at `position`; a full disk may take only part of them. Returns how many
 * were written, and the error that stopped it (null when all were).
 */
async function writeAll(
  file: FileHandle,
  buf: Buffer,
  length: number,
  position: number,
): Promise<{ written: number; error: unknown }> {
  let written = 0;
  try {
    while (written < length) {
      const { bytesWritten } = await file.write(buf, written, length - written, position + written);
      if (bytesWritten <= 0) throw Object.assign(new Error('the write took no bytes'), { code: 'EIO' });
      written += bytesWritten;
    }
    return { written, error: null };
  } catch (error) {
    return { written, error };
  }
}

/**
 * One log on disk, append-only: `<base>.ndjson` holds one JSON chunk per line and `<base>.idx`
 * holds the byte offset of each chunk (8 bytes, little-endian), so a page at any sequence is two
 * positioned reads whatever the log's length. Appends are encoded into memory and flushed on a
 * short timer; reads see unflushed chunks too. A batch is written whole or not at all (data, then
 * index, both cut back when either fails). While writes fail (a full disk) the failed batch is
 * kept and retried, newer lines are counted and dropped, and once a write works again the owner
 * hears how many were lost. Nothing here throws on a failed write.
 */
export class LogFile {
  /** the batch being appended to */
  private pending = new PendingLines(64 * 1024);
  /** the batch being written, or left by a failed write; readable until it is on disk */
  private writing: PendingLines | null = null;
  /** a written batch's buffer, kept for the next one */
  private spare: PendingLines | null = null;
  private flushedCount: number;
  private flushedBytes: number;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** set while writes fail: appends are dropped and counted */
  private failing = false;
  private lost = 0;
  private faults: LogFaultEvents | null = null;

  private constructor(
    private readonly base: string,
    private readonly data: FileHandle,
    private readonly index: FileHandle,
    count: number,
    bytes: number,
    private readonly flushDelayMs: number,
  ) {
    this.flushedCount = count;
    this.flushedBytes = bytes;
  }

  get count(): number {
    return this.flushedCount + (this.writing?.starts.length ?? 0) + this.pending.starts.length;
  }

  static async openForAppend(base: string, flushDelayMs = 15): Promise<LogFile> {
    const { count, bytes } = await recoverTail(base);
    // positioned writes, not O_APPEND: a batch cut back after a failed write leaves no gap
    const flags = constants.O_RDWR | constants.O_CREAT;
    const data = await open(`${base}.ndjson`, flags, 0o600);
    const index = await open(`${base}.idx`, flags, 0o600).catch(async (err) => {
      await data.close();
      throw err;
    });
    return new LogFile(base, data, index, count, bytes, flushDelayMs);
  }

  /** false while writes fail: what is still in memory may yet be lost */
  get writable(): boolean {
    return !this.failing;
  }

  watchFaults(events: LogFaultEvents): void {
    this.faults = events;
  }

  append(stream: LogStream, data: string, timestamp: number): LogChunk | null {
    const bytes = Buffer.from(data, 'utf8');
    const sequence = this.appendBytes(stream, bytes, 0, bytes.length, timestamp);
    return sequence < 0 ? null : { sequence, stream, data, timestamp };
  }

  /** Appends one chunk whose text is `src[start, end)` (UTF-8); returns its sequence, or -1 when dropped. */
  appendBytes(stream: LogStream, src: Buffer, start: number, end: number, timestamp: number): number {
    if (this.failing) {
      if (this.lost++ === 0) this.faults?.onLoss();
      return -1;
    }
    const sequence = this.count;
    encodeChunk(this.pending, sequence, stream, src, start, end, timestamp);
    if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush(true);
      }, this.flushDelayMs);
    }
    return sequence;
  }

  /**
   * Writes what is in memory; never rejects (a failed write is kept for the retry). `unlessFailing`:
   * the append timer's flush, which leaves a failing log to the retry timer.
   */
  async flush(unlessFailing = false): Promise<void> {
    while (this.flushing) await this.flushing;
    if (unlessFailing && this.failing) return;
    if (!this.writing && this.pending.starts.length === 0) return;
    this.flushing = this.writeOut();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  private async writeOut(): Promise<void> {
    // after a failure, the kept batch and what came during that write go first, in order
    do {
      if (!this.writing) {
        this.writing = this.pending;
        this.pending = this.spare ?? new PendingLines(64 * 1024);
        this.spare = null;
      }
      const batch = this.writing;
      if (!(await this.writeBatch(batch))) {
        this.failing = true;
        // from now on only the retry timer writes
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        if (!this.retryTimer && !this.closed) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            void this.flush();
          }, RETRY_MS);
          this.retryTimer.unref();
        }
        return;
      }
      this.writing = null;
      this.spare = batch;
    } while (this.failing && this.pending.starts.length > 0);
    if (this.failing) {
      this.failing = false;
      const lost = this.lost;
      this.lost = 0;
      if (lost > 0) this.faults?.onRecovered(lost);
    }
  }

  /**
   * Writes a batch, data then index, keeping only whole chunks: when the disk takes part of it,
   * the chunks that fit are kept (and leave the batch), and anything past them is cut back from
   * both files. Returns true once the whole batch is on disk.
   */
  private async writeBatch(batch: PendingLines): Promise<boolean> {
    const data = await writeAll(this.data, batch.buf, batch.used, this.flushedBytes);
    let whole = data.error === null ? batch.starts.length : batch.wholeWithin(data.written);
    // the index needs room too: fewer chunks, the data cut back to them, until their entries fit
    for (; whole > 0; whole = Math.floor(whole / 2)) {
      if (data.error !== null)
        await this.data.truncate(this.flushedBytes + batch.end(whole - 1)).catch(() => undefined);
      const offsets = Buffer.alloc(whole * INDEX_ENTRY);
      for (let i = 0; i < whole; i++) offsets.writeUIntLE(this.flushedBytes + batch.starts[i]!, i * INDEX_ENTRY, 6);
      const index = await writeAll(this.index, offsets, offsets.length, this.flushedCount * INDEX_ENTRY);
      if (index.error === null) {
        this.flushedBytes += batch.end(whole - 1);
        this.flushedCount += whole;
        batch.dropFirst(whole);
        break;
      }
      if (data.error === null) break; // the disk took the data but not its index: none of it counts
    }
    if (data.error === null && batch.starts.length === 0) return true;
    await this.index.truncate(this.flushedCount * INDEX_ENTRY).catch(() => undefined);
    await this.data.truncate(this.flushedBytes).catch(() => undefined);
    return false;
  }

  /** Chunks with sequence > afterSequence, at most `limit`. */
  async read(afterSequence: number, limit: number): Promise<LogChunk[]> {
    const start = Math.max(0, afterSequence + 1);
    const end = Math.min(this.count, start + limit);
    if (start >= end) return [];
    // Snapshot synchronously: the file only grows past (memStart, bytes), so the range stays valid.
    const memStart = this.flushedCount;
    const bytes = this.flushedBytes;
    const fromMemory: LogChunk[] = [];
    let batchStart = memStart;
    for (const batch of [this.writing, this.pending]) {
      if (!batch) continue;
      const n = batch.starts.length;
      const from = Math.max(start, batchStart) - batchStart;
      const to = Math.min(end, batchStart + n) - batchStart;
      if (from < to) fromMemory.push(...batch.chunks(from, to));
      batchStart += n;
    }
    const fromFile =
      start < memStart ? await readRange(this.base, start, Math.min(end, memStart), memStart, bytes) : [];
    return fromFile.concat(fromMemory);
  }

  /**
   * Flushes and closes. Returns the lines lost to failed writes that the log does not say were
   * lost (writes still failed at the end: what was kept in memory is dropped too).
   */
  async close(): Promise<number> {
    if (this.timer) clearTimeout(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.timer = this.retryTimer = null;
    this.closed = true;
    await this.flush();
    // a write that worked again may have added the owner's note about lost lines
    if (!this.failing && this.pending.starts.length) await this.flush();
    let unreported = 0;
    if (this.failing) {
      unreported = this.lost + (this.writing?.starts.length ?? 0) + this.pending.starts.length;
      this.writing = null;
      this.pending.reset();
    }
    await Promise.all([this.data.close(), this.index.close()]);
    return unreported;
  }
}

/** Reads chunks [start, end) of a log that has `count` indexed chunks in `bytes` bytes of data. */
async function readRange(base: string, start: number, end: number, count: number, bytes: number): Promise<LogChunk[]> {
  if (start >= end) return [];
  const index = await open(`${base}.idx`, 'r');
  const data = await open(`${base}.ndjson`, 'r').catch(async (err) => {
    await index.close();
    throw err;
  });
  try {
    return await readRangeFrom(index, data, start, end, count, bytes);
  } finally {
    await Promise.all([index.close(), data.close()]);
  }
}

/**
 * A finished log kept open for reading: finished logs never change, so the handles, the chunk
 * count and the data size stay valid until the log is removed.
 */
export class ClosedLogReader {
  private constructor(
    private readonly index: FileHandle,
    private readonly data: FileHandle,
    private readonly count: number,
    private readonly bytes: number,
  ) {}

  static async open(base: string): Promise<ClosedLogReader | null> {
    let index: FileHandle;
    try {
      index = await open(`${base}.idx`, 'r');
    } catch {
      return null;
    }
    try {
      const data = await open(`${base}.ndjson`, 'r');
      const [idxStat, dataStat] = await Promise.all([index.stat(), data.stat()]);
      return new ClosedLogReader(index, data, Math.floor(idxStat.size / INDEX_ENTRY), dataStat.size);
    } catch {
      await index.close();
      return null;
    }
  }

  read(afterSequence: number, limit: number): Promise<LogChunk[]> {
    const start = Math.max(0, afterSequence + 1);
    const end = Math.min(this.count, start + limit);
    return readRangeFrom(this.index, this.data, start, end, this.count, this.bytes);
  }

  async close(): Promise<void> {
    await Promise.all([this.index.close(), this.data.close()]);
  }
}
