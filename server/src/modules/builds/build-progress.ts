import type { BuildProgress } from '../../contract/types.js';
export { progressOfLine } from '../../domain/build-progress.js';

/**
 * Passes a build's progress on at most once per `intervalMs` (the newest value wins; the last one
 * is never dropped): the change stream hears about a long build as it moves, not 2,000 times.
 */
export class ProgressThrottle {
  private last = 0;
  private timer: NodeJS.Timeout | null = null;
  private pending: BuildProgress | null = null;

  constructor(
    private readonly emit: (progress: BuildProgress) => void,
    private readonly intervalMs = 250,
    private readonly now: () => number = Date.now,
  ) {}

  push(progress: BuildProgress): void {
    this.pending = progress;
    if (this.timer) return;
    const wait = this.last + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else {
      this.timer = setTimeout(() => this.flush(), wait);
      this.timer.unref();
    }
  }

  /** Sends what is pending now (the build's end). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending) return;
    const p = this.pending;
    this.pending = null;
    this.last = this.now();
    this.emit(p);
  }
}

/** SwiftPM's own figure for a build ("Build of product 'x' complete! (1.23s)"), in ms, or null. */
export function reportedBuildMs(line: string): number | null {
  const m = /complete! \((\d+(?:\.\d+)?)s\)/.exec(line);
  return m ? Math.round(Number(m[1]) * 1000) : null;
}
