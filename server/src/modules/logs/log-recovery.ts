import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import type { LogChunk } from '../../contract/types.js';

/** Bytes per index entry: a chunk's data offset, little-endian. */
export const INDEX_ENTRY = 8;
/** A stored line is at most a 16 KiB chunk, JSON-escaped (6 bytes per byte at worst), plus its fields. */
const MAX_LINE_BYTES = 16 * 1024 * 6 + 256;
/** How far back start-up looks for a whole chunk before giving up on the rest of a damaged log. */
const MAX_WALK_BACK = 10_000;

/** The chunk stored as `line` (without its newline), or null when it is damaged or not chunk `sequence`. */
export function parseChunkLine(line: string, sequence: number): LogChunk | null {
  try {
    const c = JSON.parse(line) as LogChunk;
    if (c === null || typeof c !== 'object' || c.sequence !== sequence || typeof c.data !== 'string') return null;
    return c;
  } catch {
    return null;
  }
}

/** What a reader gets in place of a line that was damaged on disk. */
export function unreadableChunk(sequence: number, timestamp: number): LogChunk {
  return {
    sequence,
    stream: 'system',
    data: `[swiftlambda] line ${sequence} of this log was damaged on disk and is skipped\n`,
    timestamp,
  };
}

/**
 * Reads chunks [start, end) of a log holding `count` indexed chunks in `bytes` bytes of data: two
 * positioned reads. Each chunk is cut at its own index offsets, so a damaged line is skipped with
 * a system note and never takes the rest of the page with it.
 */
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
  const raw = Buffer.alloc(entries * INDEX_ENTRY);
  await index.read(raw, 0, raw.length, start * INDEX_ENTRY);
  const offsets: number[] = [];
  for (let i = 0; i < entries; i++) offsets.push(raw.readUIntLE(i * INDEX_ENTRY, 6));
  if (end >= count) offsets.push(bytes);
  const from = Math.min(offsets[0]!, bytes);
  const to = Math.max(from, Math.min(offsets[offsets.length - 1]!, bytes));
  const buf = Buffer.alloc(to - from);
  await data.read(buf, 0, buf.length, from);
  const out: LogChunk[] = [];
  let timestamp = 0;
  for (let i = 0; i < end - start; i++) {
    const a = offsets[i]! - from;
    const b = offsets[i + 1]! - from;
    const whole = a >= 0 && b > a && b <= buf.length && buf[b - 1] === 10;
    const chunk = whole ? parseChunkLine(buf.toString('utf8', a, b - 1), start + i) : null;
    if (chunk) timestamp = chunk.timestamp;
    out.push(chunk ?? unreadableChunk(start + i, timestamp));
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

async function readAt(file: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await file.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/**
 * Cuts a torn or damaged tail (a crash mid-write, NUL bytes a full disk left) back to the last
 * whole chunk: the last index entry whose line lies inside the data, ends with a newline and
 * parses as that chunk. Returns the number of whole chunks and the data size.
 */
export async function recoverTail(base: string): Promise<{ count: number; bytes: number }> {
  const idxPath = `${base}.idx`;
  const dataPath = `${base}.ndjson`;
  const idxSize = await sizeOf(idxPath);
  const dataSize = await sizeOf(dataPath);
  let count = Math.floor(idxSize / INDEX_ENTRY);
  let bytes = 0;
  if (count > 0) {
    const index = await open(idxPath, 'r');
    const data = await open(dataPath, 'r').catch(() => null);
    try {
      const offsetOf = async (i: number) => (await readAt(index, INDEX_ENTRY, i * INDEX_ENTRY)).readUIntLE(0, 6);
      // entries pointing past the data go first (binary search: offsets rise)
      let lo = 0;
      let hi = count;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((await offsetOf(mid)) < dataSize) lo = mid + 1;
        else hi = mid;
      }
      count = lo;
      const floor = data ? Math.max(0, count - MAX_WALK_BACK) : 0;
      let found = false;
      while (count > floor && data) {
        const offset = await offsetOf(count - 1);
        const line = await readAt(data, Math.min(MAX_LINE_BYTES, dataSize - offset), offset);
        const nl = line.indexOf(10);
        if (nl !== -1 && parseChunkLine(line.toString('utf8', 0, nl), count - 1)) {
          bytes = offset + nl + 1;
          found = true;
          break;
        }
        count--;
      }
      if (!found) count = floor;
      if (!found && count > 0) bytes = await offsetOf(count);
    } finally {
      await Promise.all([index.close(), data?.close()]);
    }
  }
  if (idxSize !== count * INDEX_ENTRY) await truncate(idxPath, count * INDEX_ENTRY);
  if (dataSize !== bytes) await truncate(dataPath, bytes);
  return { count, bytes };
}
