import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../clock.js';
import type { LogChunk, LogStream } from '../../contract/types.js';
import { NO_MASK, type SecretMask } from '../../domain/secret-mask.js';
import { LineSplitter } from './line-splitter.js';
import { ClosedLogReader, LogFile } from './log-file.js';

/** `functions`: one log per AWS Lambda mode function, every container's output and AWS's lines */
export type LogKind = 'runs' | 'builds' | 'functions';

export interface LogListener {
  onChunk(chunk: LogChunk): void;
  onEnd(): void;
}

/**
 * A live log: splits each output stream into lines, stamps and numbers them, stops storing at the
 * byte cap (with one system chunk saying so), and tells subscribers about every chunk.
 */
export class LogWriter {
  private readonly splitters: Record<'stdout' | 'stderr', LineSplitter>;
  private readonly listeners = new Set<LogListener>();
  private storedBytes: number;
  private truncatedFlag = false;
  private finished = false;
  private truncatedListeners: Array<() => void> = [];
  private lostListeners: Array<() => void> = [];
  /** when the output being stored arrived */
  private now = 0;
  /** secret values replaced by `***` in every whole line before it is stored */
  private mask: SecretMask = NO_MASK;

  constructor(
    private readonly file: LogFile,
    private readonly clock: Clock,
    private readonly maxBytes: number,
    /** output already stored per stream when the log was (re)opened: what a re-attached follower skips */
    readonly storedAtOpen: Readonly<{ stdout: number; stderr: number; total: number }> = {
      stdout: 0,
      stderr: 0,
      total: 0,
    },
  ) {
    this.storedBytes = storedAtOpen.total;
    file.watchFaults({
      onLoss: () => {
        for (const l of this.lostListeners) l();
      },
      onRecovered: (lost) => {
        this.now = this.clock.now();
        this.append('system', lostLinesNote(lost), 0, -1);
      },
    });
    const cutAt = (buf: Buffer, start: number, cut: number) => this.mask.cutOutside(buf, start, cut);
    this.splitters = {
      stdout: new LineSplitter((buf, start, end) => this.appendChunk('stdout', buf, start, end), cutAt),
      stderr: new LineSplitter((buf, start, end) => this.appendChunk('stderr', buf, start, end), cutAt),
    };
  }

  pushOutput(stream: 'stdout' | 'stderr', data: Buffer): void {
    // past the cap nothing more is stored: not even split into lines
    if (this.finished || this.truncatedFlag) return;
    // one timestamp per delivery: the lines in it reached the emulator together
    this.now = this.clock.now();
    this.splitters[stream].push(data);
  }

  system(text: string): void {
    if (this.finished) return;
    this.now = this.clock.now();
    const bytes = Buffer.from(text.endsWith('\n') ? text : text + '\n');
    this.appendChunk('system', bytes, 0, bytes.length, true);
  }

  /** Masks these secrets in every line stored from now on (lines are whole: split first, then masked). */
  setMask(mask: SecretMask): void {
    this.mask = mask;
  }

  onTruncated(listener: () => void): void {
    this.truncatedListeners.push(listener);
  }

  /** Calls `listener` when the first line is lost because the log could not be written (a full disk). */
  onLinesLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  /** true once output passed the cap: later output is dropped */
  get truncated(): boolean {
    return this.truncatedFlag;
  }

  markTruncated(): void {
    this.truncatedFlag = true;
  }

  private appendChunk(stream: LogStream, raw: Buffer, rawStart: number, rawEnd: number, force = false): void {
    if (this.truncatedFlag && !force) return;
    const { buf, start, end } = this.mask.empty
      ? { buf: raw, start: rawStart, end: rawEnd }
      : this.mask.bytes(raw, rawStart, rawEnd);
    const size = end - start;
    if (!force && this.storedBytes + size > this.maxBytes) {
      this.truncatedFlag = true;
      const notice = Buffer.from(
        `[swiftlambda] output passed the log cap of ${this.maxBytes} bytes; later output is dropped\n`,
      );
      this.append('system', notice, 0, notice.length);
      for (const l of this.truncatedListeners) l();
      return;
    }
    this.storedBytes += size;
    this.append(stream, buf, start, end);
  }

  /** `end` -1: all of `buf` */
  private append(stream: LogStream, buf: Buffer, start: number, end: number): void {
    if (end < 0) end = buf.length;
    const sequence = this.file.appendBytes(stream, buf, start, end, this.now);
    // a line the disk had no room for reaches no follower either: what they see is what is stored
    if (sequence < 0 || this.listeners.size === 0) return;
    const chunk: LogChunk = { sequence, stream, data: buf.toString('utf8', start, end), timestamp: this.now };
    for (const l of this.listeners) l.onChunk(chunk);
  }

  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  read(afterSequence: number, limit: number): Promise<LogChunk[]> {
    return this.file.read(afterSequence, limit);
  }

  /**
   * About the last `maxBytes` of one stream, read back from the end of the log (a crash report is
   * parsed from stderr's). Stops after reading 16 × `maxBytes` of other output, so a flood on
   * stdout costs a bounded read.
   */
  async tail(stream: 'stdout' | 'stderr', maxBytes: number): Promise<string> {
    const parts: string[] = [];
    let kept = 0;
    let scanned = 0;
    let end = this.file.count;
    while (end > 0 && kept < maxBytes && scanned < maxBytes * 16) {
      const start = Math.max(0, end - 256);
      const page = await this.file.read(start - 1, end - start);
      for (let i = page.length - 1; i >= 0 && kept < maxBytes; i--) {
        const c = page[i]!;
        scanned += c.data.length;
        if (c.stream !== stream) continue;
        parts.push(c.data);
        kept += c.data.length;
      }
      end = start;
    }
    return parts.reverse().join('');
  }

  /** Emits partial lines and writes what is in memory; false when the disk refused some of it. */
  async drain(): Promise<boolean> {
    this.splitters.stdout.end();
    this.splitters.stderr.end();
    await this.file.flush();
    return this.file.writable;
  }

  /**
   * Emits partial lines, flushes to disk, closes the file and ends every subscription. Returns the
   * lines lost to a full disk that the log could not yet say were lost.
   */
  async finish(): Promise<number> {
    if (this.finished) return 0;
    this.splitters.stdout.end();
    this.splitters.stderr.end();
    this.finished = true;
    const unreported = await this.file.close();
    if (unreported > 0) for (const l of this.lostListeners) l();
    for (const l of this.listeners) l.onEnd();
    this.listeners.clear();
    return unreported;
  }
}

export interface LogStoreOptions {
  readonly dir: string;
  readonly clock: Clock;
  readonly maxBytesPerLog: number;
}

/** The system line that says what a full disk cost. */
function lostLinesNote(lost: number): Buffer {
  return Buffer.from(
    `[swiftlambda] the data dir was full: ${lost} line${lost === 1 ? '' : 's'} of output could not be written and are missing from this log\n`,
  );
}

/** How often a finished log that still owes its note about lost lines tries to write it. */
const OWED_NOTE_RETRY_MS = 2000;

/** Logs of runs and builds, one append-only file pair each, beside the JSON store. */
const OPEN_READERS = 32;

export class LogStore {
  private readonly live = new Map<string, LogWriter>();
  /** recently read finished logs, kept open (least recently used first) */
  private readonly readers = new Map<string, Promise<ClosedLogReader | null>>();
  /** finished logs that lost lines while the disk was full, and how many: noted once space returns */
  private readonly owedNotes = new Map<string, number>();
  private owedTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: LogStoreOptions) {}

  async init(): Promise<void> {
    await mkdir(join(this.options.dir, 'runs'), { recursive: true, mode: 0o700 });
    await mkdir(join(this.options.dir, 'builds'), { recursive: true, mode: 0o700 });
    await mkdir(join(this.options.dir, 'functions'), { recursive: true, mode: 0o700 });
  }

  private base(kind: LogKind, id: string): string {
    return join(this.options.dir, kind, id);
  }

  /** Opens (or re-opens after a restart) the live log of a run or build. */
  async openWriter(kind: LogKind, id: string): Promise<LogWriter> {
    const key = `${kind}/${id}`;
    const existing = this.live.get(key);
    if (existing) return existing;
    await this.dropReader(key);
    const file = await LogFile.openForAppend(this.base(kind, id));
    const stored = file.count ? await this.storedBytes(kind, id) : undefined;
    await this.dropReader(key); // storedBytes read it as a finished log; it grows again now
    const writer = new LogWriter(file, this.options.clock, this.options.maxBytesPerLog, stored);
    this.live.set(key, writer);
    return writer;
  }

  /** Closes a live log; later reads go to disk. */
  async closeWriter(kind: LogKind, id: string): Promise<void> {
    const key = `${kind}/${id}`;
    const writer = this.live.get(key);
    if (!writer) return;
    const unreported = await writer.finish().catch(() => 0);
    this.live.delete(key);
    await this.dropReader(key);
    if (unreported > 0) {
      this.owedNotes.set(key, (this.owedNotes.get(key) ?? 0) + unreported);
      this.scheduleOwedNotes();
    }
  }

  private scheduleOwedNotes(): void {
    if (this.owedTimer || this.owedNotes.size === 0) return;
    this.owedTimer = setTimeout(() => {
      this.owedTimer = null;
      void this.writeOwedNotes();
    }, OWED_NOTE_RETRY_MS);
    this.owedTimer.unref();
  }

  /** Appends the note about lost lines to each finished log that owes one, once the disk takes it. */
  private async writeOwedNotes(): Promise<void> {
    for (const [key, lost] of this.owedNotes) {
      if (this.live.has(key)) continue;
      const [kind, id] = key.split('/') as [LogKind, string];
      try {
        const file = await LogFile.openForAppend(this.base(kind, id));
        const note = lostLinesNote(lost);
        file.appendBytes('system', note, 0, note.length, this.options.clock.now());
        if ((await file.close()) === 0) {
          this.owedNotes.delete(key);
          await this.dropReader(key);
        }
      } catch {
        // still no room: the next round tries again
      }
    }
    this.scheduleOwedNotes();
  }

  liveWriter(kind: LogKind, id: string): LogWriter | undefined {
    return this.live.get(`${kind}/${id}`);
  }

  async read(kind: LogKind, id: string, afterSequence: number, limit: number): Promise<LogChunk[]> {
    const key = `${kind}/${id}`;
    const writer = this.live.get(key);
    if (writer) return writer.read(afterSequence, limit);
    const reader = await this.closedReader(key, kind, id);
    return reader ? reader.read(afterSequence, limit) : [];
  }

  private closedReader(key: string, kind: LogKind, id: string): Promise<ClosedLogReader | null> {
    let reader = this.readers.get(key);
    if (reader) {
      this.readers.delete(key);
      this.readers.set(key, reader);
      return reader;
    }
    reader = ClosedLogReader.open(this.base(kind, id));
    this.readers.set(key, reader);
    void reader.then((r) => {
      if (!r && this.readers.get(key) === reader) this.readers.delete(key);
    });
    while (this.readers.size > OPEN_READERS) {
      const [oldest, evicted] = this.readers.entries().next().value as [string, Promise<ClosedLogReader | null>];
      this.readers.delete(oldest);
      void evicted.then((r) => r?.close());
    }
    return reader;
  }

  private async dropReader(key: string): Promise<void> {
    const reader = this.readers.get(key);
    this.readers.delete(key);
    await (await reader)?.close();
  }

  /**
   * Bytes of program output stored per stream: what a re-attached log follower skips of the
   * engine's replay so that nothing is stored twice.
   */
  private async storedBytes(kind: LogKind, id: string): Promise<{ stdout: number; stderr: number; total: number }> {
    const result = { stdout: 0, stderr: 0, total: 0 };
    const pageSize = 5000;
    let after = -1;
    for (;;) {
      const page = await this.read(kind, id, after, pageSize);
      for (const c of page) {
        const n = Buffer.byteLength(c.data);
        if (c.stream !== 'system') {
          result[c.stream] += n;
          result.total += n;
        }
      }
      if (page.length < pageSize) break;
      after = page[page.length - 1]!.sequence;
    }
    return result;
  }

  async remove(kind: LogKind, id: string): Promise<void> {
    await this.closeWriter(kind, id);
    this.owedNotes.delete(`${kind}/${id}`);
    await this.dropReader(`${kind}/${id}`);
    await rm(`${this.base(kind, id)}.ndjson`, { force: true });
    await rm(`${this.base(kind, id)}.idx`, { force: true });
  }

  async closeAll(): Promise<void> {
    if (this.owedTimer) clearTimeout(this.owedTimer);
    this.owedTimer = null;
    await Promise.all([...this.readers.keys()].map((key) => this.dropReader(key)));
    await Promise.all(
      [...this.live.keys()].map((key) => {
        const [kind, id] = key.split('/') as [LogKind, string];
        return this.closeWriter(kind, id);
      }),
    );
  }
}
