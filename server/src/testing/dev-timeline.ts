// Where the time of a save → swap went, from the timelines the dev status reports (bench figure 13,
// the dev-loop speed test).
import type { DevTimeline } from '../contract/dev.js';

const medianOf = (xs: readonly number[]) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN;

/** The medians of a swap's steps (ms), from the timelines the dev status reports. */
export function timelinePhases(timelines: readonly DevTimeline[]): Record<string, number> {
  const step = (f: (t: DevTimeline) => number | null) =>
    medianOf(timelines.map(f).filter((x): x is number => x !== null && !Number.isNaN(x)));
  const diff = (a: number | null, b: number | null) => (a !== null && b !== null ? b - a : null);
  return {
    timeline_debounce_ms: step((t) => diff(t.changedAt, t.buildRequestedAt)),
    timeline_build_container_start_ms: step((t) => diff(t.buildRequestedAt, t.buildStartedAt)),
    timeline_swiftpm_before_its_timer_ms: step((t) =>
      t.swiftBuildMs !== null ? diff(t.buildStartedAt, t.swiftCompleteAt)! - t.swiftBuildMs : null,
    ),
    timeline_swiftpm_own_ms: step((t) => t.swiftBuildMs),
    timeline_after_swiftpm_ms: step((t) => diff(t.swiftCompleteAt, t.buildEndedAt)),
    timeline_run_start_ms: step((t) => diff(t.buildEndedAt, t.runStartedAt)),
    timeline_readiness_ms: step((t) => diff(t.runStartedAt, t.readyAt)),
    timeline_switch_ms: step((t) => diff(t.readyAt, t.switchedAt)),
  };
}
