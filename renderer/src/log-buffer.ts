import type { LogChunk } from './api.js';

const STREAM_CODE = { stdout: 0, stderr: 1, system: 2 } as const;
export const STREAM_NAMES = ['stdout', 'stderr', 'system'] as const;

/**
 * A log held in the page as parallel arrays: a million lines cost strings plus 9 bytes each,
 * not a million objects. Grows by appending; never re-renders by itself.
 */
export class LogBuffer {
  readonly data: string[] = [];
  private streams = new Uint8Array(1024);
  private times = new Float64Array(1024);
  lastSequence = -1;

  get length(): number {
    return this.data.length;
  }

  append(chunk: LogChunk): boolean {
    if (chunk.sequence <= this.lastSequence) return false;
    this.lastSequence = chunk.sequence;
    const i = this.data.length;
    if (i >= this.streams.length) {
      const streams = new Uint8Array(this.streams.length * 2);
      streams.set(this.streams);
      this.streams = streams;
      const times = new Float64Array(this.times.length * 2);
      times.set(this.times);
      this.times = times;
    }
    this.data.push(chunk.data);
    this.streams[i] = STREAM_CODE[chunk.stream];
    this.times[i] = chunk.timestamp;
    return true;
  }

  stream(i: number): (typeof STREAM_NAMES)[number] {
    return STREAM_NAMES[this.streams[i] ?? 0]!;
  }

  time(i: number): number {
    return this.times[i] ?? 0;
  }

  /** Indexes of lines containing `query` (case-insensitive). */
  search(query: string): number[] {
    if (!query) return [];
    const q = query.toLowerCase();
    const out: number[] = [];
    for (let i = 0; i < this.data.length; i++) if (this.data[i]!.toLowerCase().includes(q)) out.push(i);
    return out;
  }

  text(): string {
    return this.data.join('');
  }
}

export type StreamName = (typeof STREAM_NAMES)[number];

/**
 * The lines of some streams, as indexes into a LogBuffer in the buffer's (the program's) order.
 * `update()` takes in the lines appended since the last call, so following a log costs only the
 * new lines.
 */
export class StreamFilter {
  readonly lines: number[] = [];
  private scanned = 0;

  constructor(
    private readonly buffer: LogBuffer,
    private readonly shown: ReadonlySet<StreamName>,
  ) {}

  update(): number {
    for (; this.scanned < this.buffer.length; this.scanned++) {
      if (this.shown.has(this.buffer.stream(this.scanned))) this.lines.push(this.scanned);
    }
    return this.lines.length;
  }

  /** Positions in `lines` of the lines containing `query` (case-insensitive). */
  search(query: string): number[] {
    if (!query) return [];
    const q = query.toLowerCase();
    const out: number[] = [];
    this.lines.forEach((line, row) => {
      if (this.buffer.data[line]!.toLowerCase().includes(q)) out.push(row);
    });
    return out;
  }
}
