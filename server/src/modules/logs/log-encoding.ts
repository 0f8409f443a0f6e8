import type { LogChunk, LogStream } from '../../contract/types.js';

/**
 * Chunks not yet on disk, already encoded as NDJSON lines in one buffer, with the offset of each
 * line: the hot path (every line of output) writes bytes, not objects, so a burst of a million
 * lines leaves the garbage collector almost nothing to do (why not JSON.stringify:
 * docs/decisions/0080-full-disk.md).
 */
export class PendingLines {
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

  /** Where chunk `i` ends (the next one's start). */
  end(i: number): number {
    return i + 1 < this.starts.length ? this.starts[i + 1]! : this.used;
  }

  /** How many chunks, from the first, lie whole within the first `bytes` bytes. */
  wholeWithin(bytes: number): number {
    let k = 0;
    while (k < this.starts.length && this.end(k) <= bytes) k++;
    return k;
  }

  /** Forgets the first `k` chunks (they are on disk). */
  dropFirst(k: number): void {
    if (k >= this.starts.length) return this.reset();
    const cut = this.starts[k]!;
    this.buf.copy(this.buf, 0, cut, this.used);
    this.used -= cut;
    this.starts = this.starts.slice(k).map((s) => s - cut);
  }

  /** Chunks [from, to) of this batch, parsed back from their lines. */
  chunks(from: number, to: number): LogChunk[] {
    const out: LogChunk[] = [];
    for (let i = from; i < to; i++) {
      const end = this.end(i);
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

/** Appends one chunk as an NDJSON line: the same text JSON.stringify({ sequence, stream, data, timestamp }) gives. */
export function encodeChunk(
  p: PendingLines,
  sequence: number,
  stream: LogStream,
  src: Buffer,
  start: number,
  end: number,
  timestamp: number,
): void {
  p.starts.push(p.used);
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
}
