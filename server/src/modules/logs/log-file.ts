import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import type { LogChunk, LogStream } from '../../contract/types.js';

const INDEX_ENTRY = 8;

/**
 * One log on disk, append-only: `<base>.ndjson` holds one JSON chunk per line and `<base>.idx`
 * holds the byte offset of each chunk (8 bytes, little-endian), so a page at any sequence is two
 * positioned reads whatever the log's length. Appends are batched in memory and flushed on a
 * short timer; reads see unflushed chunks too. Data is written before the index, so after a crash
 * the index never points past the data (open() trims any torn tail).
 */
export class LogFile {
  private pending: LogChunk[] = [];
  private pendingLines: string[] = [];
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
    return this.flushedCount + this.pending.length;
  }

  static async openForAppend(base: string, flushDelayMs = 15): Promise<LogFile> {
    const { count, bytes } = await recoverTail(base);
    const data = await open(`${base}.ndjson`, 'a', 0o600);
    const index = await open(`${base}.idx`, 'a', 0o600);
    return new LogFile(base, data, index, count, bytes, flushDelayMs);
  }

  append(stream: LogStream, data: string, timestamp: number): LogChunk {
    const chunk: LogChunk = { sequence: this.count, stream, data, timestamp };
    this.pending.push(chunk);
    // the same text JSON.stringify(chunk) gives, without walking the object (hot path: every line)
    this.pendingLines.push(`{"sequence":${chunk.sequence},"stream":"${stream}","data":${JSON.stringify(data)},"timestamp":${timestamp}}\n`);
    if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.flushDelayMs);
    }
    return chunk;
  }

  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pendingLines.length === 0) return;
    const lines = this.pendingLines;
    const batch = lines.length;
    this.pendingLines = [];
    const offsets = Buffer.alloc(batch * INDEX_ENTRY);
    let offset = this.flushedBytes;
    const parts: Buffer[] = [];
    for (let i = 0; i < batch; i++) {
      const line = Buffer.from(lines[i]!, 'utf8');
      offsets.writeUIntLE(offset, i * INDEX_ENTRY, 6);
      offset += line.length;
      parts.push(line);
    }
    this.flushing = (async () => {
      await this.data.write(Buffer.concat(parts));
      await this.index.write(offsets);
      this.flushedBytes = offset;
      this.flushedCount += batch;
      this.pending.splice(0, batch);
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
    const fromMemory = this.pending.slice(Math.max(0, start - memStart), end - memStart);
    const fromFile = start < memStart ? await readRange(this.base, start, Math.min(end, memStart), memStart, bytes) : [];
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
export async function readRangeFrom(index: FileHandle, data: FileHandle, start: number, end: number, count: number, bytes: number): Promise<LogChunk[]> {
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
