import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import type { LogChunk, LogStream } from '../../contract/types.js';

const INDEX_ENTRY = 8;

/**
 * Chunks not yet on disk, already encoded as NDJSON lines in one buffer, with the offset of each
 * line: the hot path (every line of output) writes bytes, not objects, so a burst of a million
 * lines leaves the garbage collector almost nothing to do.
 */
class PendingLines {
  buf: Buffer;
  used = 0;
  starts: number[] = [];

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reserve(bytes: number): void {
    if (this.used + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + bytes));
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }

  reset(): void {
    this.used = 0;
    this.starts = [];
  }

  /** Chunks [from, to) of this batch, parsed back from their lines. */
  chunks(from: number, to: number): LogChunk[] {
    const out: LogChunk[] = [];
    for (let i = from; i < to; i++) {
      const end = i + 1 < this.starts.length ? this.starts[i + 1]! : this.used;
      out.push(JSON.parse(this.buf.toString('utf8', this.starts[i]!, end - 1)) as LogChunk);
    }
    return out;
  }
}

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const SEQUENCE_PREFIX = ascii('{"sequence":');
const STREAM_PREFIX: Record<LogStream, Buffer> = {
  stdout: ascii(',"stream":"stdout","data":'),
  stderr: ascii(',"stream":"stderr","data":'),
  system: ascii(',"stream":"system","data":'),
};
const TIMESTAMP_PREFIX = ascii(',"timestamp":');

function putBytes(buf: Buffer, pos: number, src: Buffer): number {
  for (let i = 0; i < src.length; i++) buf[pos++] = src[i]!;
  return pos;
}

/** Writes a number as JSON.stringify does (the caller has reserved room). */
function putInteger(buf: Buffer, pos: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return pos + buf.write(JSON.stringify(n), pos, 'latin1');
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let at = pos + digits;
  let x = n;
  do {
    buf[--at] = 48 + (x % 10);
    x = Math.floor(x / 10);
  } while (x > 0);
  return pos + digits;
}

/**
 * Writes `src[start, end)` (UTF-8 text) as a JSON string. Printable ASCII without quote or
 * backslash, with at most a final newline, is copied byte for byte; anything else goes through
 * JSON.stringify of the decoded text, so the stored line is always what JSON.stringify gives.
 */
function putJsonString(target: PendingLines, src: Buffer, start: number, end: number): void {
  const body = end > start && src[end - 1] === 10 ? end - 1 : end;
  target.reserve(body - start + 4);
  const buf = target.buf;
  let pos = target.used;
  buf[pos++] = 0x22;
  for (let i = start; i < body; i++) {
    const b = src[i]!;
    if (b < 0x20 || b > 0x7e || b === 0x22 || b === 0x5c) {
      const json = JSON.stringify(src.toString('utf8', start, end));
      target.reserve(Buffer.byteLength(json));
      target.used += target.buf.write(json, target.used, 'utf8');
      return;
    }
    buf[pos++] = b;
  }
  if (body !== end) {
    buf[pos++] = 0x5c;
    buf[pos++] = 0x6e;
  }
  buf[pos++] = 0x22;
  target.used = pos;
}

/**
 * One log on disk, append-only: `<base>.ndjson` holds one JSON chunk per line and `<base>.idx`
 * holds the byte offset of each chunk (8 bytes, little-endian), so a page at any sequence is two
 * positioned reads whatever the log's length. Appends are encoded into memory and flushed on a
 * short timer; reads see unflushed chunks too. Data is written before the index, so after a crash
 * the index never points past the data (open() trims any torn tail).
 */
export class LogFile {
  /** the batch being appended to */
  private pending = new PendingLines(64 * 1024);
  /** the batch being written, readable until it is on disk */
  private writing: PendingLines | null = null;
  /** a written batch's buffer, kept for the next one */
  private spare: PendingLines | null = null;
  private flushedCount: number;
  private flushedBytes: number;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

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
    const data = await open(`${base}.ndjson`, 'a', 0o600);
    const index = await open(`${base}.idx`, 'a', 0o600);
    return new LogFile(base, data, index, count, bytes, flushDelayMs);
  }

  append(stream: LogStream, data: string, timestamp: number): LogChunk {
    const bytes = Buffer.from(data, 'utf8');
    const sequence = this.appendBytes(stream, bytes, 0, bytes.length, timestamp);
    return { sequence, stream, data, timestamp };
  }

  /** Appends one chunk whose text is `src[start, end)` (UTF-8); returns its sequence. */
  appendBytes(stream: LogStream, src: Buffer, start: number, end: number, timestamp: number): number {
    const sequence = this.count;
    const p = this.pending;
    p.starts.push(p.used);
    // the same text JSON.stringify({ sequence, stream, data, timestamp }) gives
    p.reserve(64);
    let pos = putBytes(p.buf, p.used, SEQUENCE_PREFIX);
    pos = putInteger(p.buf, pos, sequence);
    p.used = putBytes(p.buf, pos, STREAM_PREFIX[stream]);
    putJsonString(p, src, start, end);
    p.reserve(40);
    pos = putBytes(p.buf, p.used, TIMESTAMP_PREFIX);
    pos = putInteger(p.buf, pos, timestamp);
    p.buf[pos++] = 0x7d;
    p.buf[pos++] = 0x0a;
    p.used = pos;
    if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.flushDelayMs);
    }
    return sequence;
  }

  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const batch = this.pending;
    const n = batch.starts.length;
    if (n === 0) return;
    this.writing = batch;
    this.pending = this.spare ?? new PendingLines(64 * 1024);
    this.spare = null;
    const offsets = Buffer.allocUnsafe(n * INDEX_ENTRY);
    for (let i = 0; i < n; i++) {
      offsets.writeUIntLE(this.flushedBytes + batch.starts[i]!, i * INDEX_ENTRY, 6);
      offsets.writeUInt16LE(0, i * INDEX_ENTRY + 6);
    }
    this.flushing = (async () => {
      await this.data.write(batch.buf, 0, batch.used);
      await this.index.write(offsets);
      this.flushedBytes += batch.used;
      this.flushedCount += n;
      this.writing = null;
      batch.reset();
      this.spare = batch;
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
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

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
    this.closed = true;
    await this.data.close();
    await this.index.close();
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

/** The same with the two files already open: two positioned reads. */
export async function readRangeFrom(
  index: FileHandle,
  data: FileHandle,
  start: number,
  end: number,
  count: number,
  bytes: number,
): Promise<LogChunk[]> {
  if (start >= end) return [];
  const entries = end < count ? end - start + 1 : end - start;
  const offsets = Buffer.alloc(entries * INDEX_ENTRY);
  await index.read(offsets, 0, offsets.length, start * INDEX_ENTRY);
  const from = offsets.readUIntLE(0, 6);
  const to = end < count ? offsets.readUIntLE((end - start) * INDEX_ENTRY, 6) : bytes;
  const buf = Buffer.alloc(to - from);
  await data.read(buf, 0, buf.length, from);
  const text = buf.toString('utf8');
  const out: LogChunk[] = [];
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const line = text.slice(pos, nl === -1 ? text.length : nl);
    pos = nl === -1 ? text.length : nl + 1;
    if (line) out.push(JSON.parse(line) as LogChunk);
  }
  return out;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** Trims a torn tail left by a crash; returns the number of whole chunks and the data size. */
async function recoverTail(base: string): Promise<{ count: number; bytes: number }> {
  const idxPath = `${base}.idx`;
  const dataPath = `${base}.ndjson`;
  const idxSize = await sizeOf(idxPath);
  let count = Math.floor(idxSize / INDEX_ENTRY);
  const dataSize = await sizeOf(dataPath);
  if (idxSize !== count * INDEX_ENTRY) await truncate(idxPath, count * INDEX_ENTRY);
  if (count === 0) {
    if (dataSize > 0) await truncate(dataPath, 0);
    return { count: 0, bytes: 0 };
  }
  const index = await open(idxPath, 'r');
  const last = Buffer.alloc(INDEX_ENTRY);
  await index.read(last, 0, INDEX_ENTRY, (count - 1) * INDEX_ENTRY);
  await index.close();
  const lastOffset = last.readUIntLE(0, 6);
  let end = -1;
  if (lastOffset < dataSize) {
    const data = await open(dataPath, 'r');
    const buf = Buffer.alloc(Math.min(dataSize - lastOffset, 64 * 1024 * 4));
    await data.read(buf, 0, buf.length, lastOffset);
    await data.close();
    const nl = buf.indexOf(10);
    if (nl !== -1) end = lastOffset + nl + 1;
  }
  if (end === -1) {
    count -= 1;
    await truncate(idxPath, count * INDEX_ENTRY);
    end = lastOffset;
  }
  if (end !== dataSize) await truncate(dataPath, end);
  return { count, bytes: end };
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
