// Console response types of the development loop (docs/api.md#development-loop), shared with the renderer and the CLI
// through `import type`: nothing here may have a runtime value.
import type { ConsoleRun, RunMode } from './types.js';

export type { ConsoleRun } from './types.js';

/** `GET /console/api/projects/{LAMBDA_ID}/dev` = `{ dev: DevStatus }` */
export interface DevStatus {
  watching: boolean;
  building: boolean;
  /** the run the dev URL serves now, if any */
  servingRun: string | null;
  /** a swap under way: the new run that serves once it listens */
  swappingTo: string | null;
  /** why the last build or swap did not replace the serving run */
  problem: string | null;
  /** newest first */
  swaps: DevSwap[];
  /** restarts of a crashed service run (project setting `restartOnFailure`, while watching) */
  restart: DevRestart;
  /**
   * what the loop starts after a good build when no service run is live, as `PUT …/dev` set it
   * (`swiftlambda dev`); null: the console's oneShot again if it ran one last, else a service run
   */
  starts: DevStart | null;
}

export interface DevStart {
  mode: RunMode;
  arguments: string[];
}

export interface DevRestart {
  /** crashes counted in the last 2 minutes (reset by a successful build) */
  failures: number;
  /** unix ms of the restart waiting to happen, if any */
  nextAt: number | null;
  /** after 5 crashes within 2 minutes the loop stopped restarting, until the next good build */
  gaveUp: boolean;
}

export interface DevSwap {
  from: string;
  to: string;
  /** unix milliseconds */
  at: number;
  /** where the time from the save to the switch went; null for a build started by hand */
  timeline: DevTimeline | null;
}

/** The steps of one save → swap, unix ms (null: not known, e.g. a build started by hand). */
export interface DevTimeline {
  /** the first file change of the burst the build answers */
  changedAt: number | null;
  /** the quiet period was over and the build was asked for */
  buildRequestedAt: number | null;
  /** the build container started */
  buildStartedAt: number | null;
  /** SwiftPM's own time for the build ("… complete! (Xs)"), ms */
  swiftBuildMs: number | null;
  /** when SwiftPM printed that line */
  swiftCompleteAt: number | null;
  /** the compilation ended: binary copied out, state saved */
  buildEndedAt: number | null;
  /** the new run was asked for */
  runRequestedAt: number;
  /** its container started */
  runStartedAt: number | null;
  /** it accepted a connection on its port */
  readyAt: number;
  /** the dev URL moved to it */
  switchedAt: number;
}

export interface DevStatusResponse {
  dev: DevStatus;
}

export interface ConsoleRunsResponse {
  runs: ConsoleRun[];
}
