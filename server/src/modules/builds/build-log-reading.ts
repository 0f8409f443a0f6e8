import type { BuildProgress, Diagnostic } from '../../contract/types.js';
import type { LogStore, LogWriter } from '../logs/index.js';
import { progressOfLine, ProgressThrottle, reportedBuildMs } from './build-progress.js';
import { DiagnosticsCollector } from './diagnostics.js';

/** When a build's steps happened (unix ms), for the dev loop's timeline of a swap. */
export interface BuildTimes {
  requestedAt: number;
  /** the build container started */
  startedAt: number | null;
  /** SwiftPM's own figure, from its "… complete! (Xs)" line */
  swiftBuildMs: number | null;
  /** when that line came */
  swiftCompleteAt: number | null;
  /** the compilation ended (binary copied out, diagnostics read, state saved) */
  endedAt: number | null;
}

/**
 * Follows a build's output as it is written: SwiftPM's step counter (to `onProgress`, a few times
 * a second at most) and its own build time (into `times`). Returns the function that stops it.
 */
export function followBuildOutput(
  writer: LogWriter,
  times: BuildTimes,
  onProgress: (progress: BuildProgress) => void,
): () => void {
  const throttle = new ProgressThrottle(onProgress);
  const unsubscribe = writer.subscribe({
    onChunk: (chunk) => {
      if (chunk.stream === 'system') return;
      const progress = progressOfLine(chunk.data);
      if (progress) throttle.push(progress);
      const ms = reportedBuildMs(chunk.data);
      if (ms !== null) {
        times.swiftBuildMs = ms;
        times.swiftCompleteAt = chunk.timestamp;
      }
    },
    onEnd: () => undefined,
  });
  return () => {
    unsubscribe();
    throttle.flush();
  };
}

/** The compiler's diagnostics in a build's output. */
export async function collectDiagnostics(
  logs: LogStore,
  id: string,
  mounts: ReadonlyArray<readonly [string, string]>,
): Promise<Diagnostic[]> {
  const collector = new DiagnosticsCollector(mounts);
  let after = -1;
  for (;;) {
    const page = await logs.read('builds', id, after, 500);
    for (const c of page) if (c.stream !== 'system') collector.add(c.data);
    if (page.length < 500) return collector.diagnostics;
    after = page[page.length - 1]!.sequence;
  }
}

/** The compiler's first error line in a build's output, or the exit code. */
export async function summarizeFailure(logs: LogStore, id: string, exitCode: number): Promise<string> {
  let after = -1;
  for (;;) {
    const page = await logs.read('builds', id, after, 500);
    const hit = page.find((c) => c.stream !== 'system' && /\berror:/.test(c.data));
    if (hit) return hit.data.trim().slice(0, 500);
    if (page.length < 500) break;
    after = page[page.length - 1]!.sequence;
  }
  return `swift build exited with code ${exitCode}`;
}
