// Console response types of the development loop (docs/api.md#development-loop), shared with the renderer and the CLI
// through `import type`: nothing here may have a runtime value.
import type { ConsoleRun } from './types.js';

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
}

export interface DevSwap {
  from: string;
  to: string;
  /** unix milliseconds */
  at: number;
}

export interface DevStatusResponse {
  dev: DevStatus;
}

export interface ConsoleRunsResponse {
  runs: ConsoleRun[];
}
