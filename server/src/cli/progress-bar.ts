// A build's progress on a terminal: SwiftPM's `[n/m] …` step lines become one bar line at the
// bottom (redrawn in place) with other output scrolling above it, as SwiftPM and cargo draw theirs.
// Not on a terminal (or with --json) every line is printed as it came.
import type { LogChunk } from '../contract/types.js';
import { progressOfLine } from '../domain/build-progress.js';
import { writeChunk } from './client.js';

const WIDTH = 30;

/** `[=========>          ] 12/345 Compiling Foo bar.swift`, cut to `columns`. */
export function progressBarLine(done: number, total: number, step: string, columns: number): string {
  const filled = total > 0 ? Math.min(WIDTH, Math.floor((done / total) * WIDTH)) : 0;
  const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (filled === WIDTH ? '=' : '>') : ''}${' '.repeat(WIDTH - filled)}]`;
  const line = `${bar} ${done}/${total} ${step}`.trimEnd();
  return line.length > columns ? line.slice(0, Math.max(0, columns - 1)) : line;
}

export class BuildOutput {
  private barShown = false;
  private bar = '';

  constructor(
    private readonly tty = !!process.stderr.isTTY,
    private readonly write: (chunk: LogChunk) => void = writeChunk,
  ) {}

  /** One chunk of a build's log. */
  chunk(chunk: LogChunk): void {
    const progress = chunk.stream === 'system' ? null : progressOfLine(chunk.data);
    if (!this.tty) return this.write(chunk);
    if (progress) {
      const step = chunk.data.replace(/^\s*\[\d+\/\d+\]\s*/, '').trim();
      this.bar = progressBarLine(progress.done, progress.total, step, process.stderr.columns || 80);
      this.draw();
      return;
    }
    this.clear();
    this.write(chunk);
    if (this.bar) this.draw();
  }

  private draw(): void {
    process.stderr.write(`\r\x1b[2K${this.bar}`);
    this.barShown = true;
  }

  /** Removes the bar (the build is over, or other output follows). */
  clear(): void {
    if (!this.barShown) return;
    process.stderr.write('\r\x1b[2K');
    this.barShown = false;
  }

  /** The build is over: the bar goes for good. */
  end(): void {
    this.clear();
    this.bar = '';
  }
}
