// Console types for why a run died and what it used (docs/api.md#live-data), shared with the renderer and the
// CLI through `import type`: nothing here may have a runtime value.

/** One frame of the crashed thread, innermost first; file and line when the frame is in source code. */
export interface CrashFrame {
  symbol: string;
  /** absolute path as the build saw it (the user's own path), or null */
  file: string | null;
  line: number | null;
}

/** Console field `crash` of a run killed by a signal. */
export interface CrashReport {
  /** `SIGILL`, `SIGSEGV`, … */
  signal: string;
  /** the runtime's `Fatal error: …`, the crash handler's reason, or null when neither was printed */
  message: string | null;
  /** empty when no backtrace was printed (an image without swift-backtrace, a non-Swift program) */
  frames: CrashFrame[];
}

/** One sample of a running container, about one a second. */
export interface RunStatsSample {
  /** unix ms */
  at: number;
  /** of one core: 100 is one core busy, 200 two */
  cpuPercent: number;
  /** in use, page cache that can be dropped not counted (as `docker stats` shows it) */
  memoryBytes: number;
  memoryLimitBytes: number;
}

/**
 * `GET /console/api/runs/{RUN_ID}/stats` = oldest first, the last 120 samples; `live` while the
 * run's container is followed. With `?follow=true`: Server-Sent Events, `sample` events (a
 * RunStatsSample each, the kept ones first) and one `end` event with `{ peakMemoryBytes }`.
 */
export interface RunStatsResponse {
  samples: RunStatsSample[];
  peakMemoryBytes: number | null;
  live: boolean;
}
