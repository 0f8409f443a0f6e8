// Where the time of one swap went, from the save to the switch (the dev status and bench figure 13).
import type { DevTimeline } from '../../contract/dev.js';
import type { BuildTimes } from '../builds/index.js';

/** `build` is absent for a swap that no build caused (an env file's save). */
export function swapTimeline(
  changedAt: number | null,
  build: BuildTimes | undefined,
  run: { readonly runRequestedAt: number; readonly runStartedAt: number | null; readonly readyAt: number },
): DevTimeline {
  return {
    changedAt,
    buildRequestedAt: build?.requestedAt ?? null,
    buildStartedAt: build?.startedAt ?? null,
    swiftBuildMs: build?.swiftBuildMs ?? null,
    swiftCompleteAt: build?.swiftCompleteAt ?? null,
    buildEndedAt: build?.endedAt ?? null,
    runRequestedAt: run.runRequestedAt,
    runStartedAt: run.runStartedAt,
    readyAt: run.readyAt,
    switchedAt: Date.now(),
  };
}
