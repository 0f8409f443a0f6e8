// Which run the dev URL serves: a choice among the project's live service runs.
import type { RunRecord } from '../../domain/records.js';
import { isTerminal } from '../../domain/run-states.js';
import type { RunsService } from '../runs/index.js';

/** The project's service runs that have not ended, newest first. */
export function liveServiceRuns(runs: Pick<RunsService, 'liveRuns'>, projectId: string): RunRecord[] {
  const out: RunRecord[] = [];
  for (const { record } of runs.liveRuns()) {
    if (record.run.project === projectId && record.run.mode === 'service' && !isTerminal(record.run.state))
      out.push(record);
  }
  // the live map holds them in start order; a run re-attached later by a reconcile is older
  return out.reverse().sort((a, b) => b.run.created - a.run.created);
}

/**
 * The run the dev URL serves among `live` (newest first): the pinned one a swap moved it to,
 * unless someone started a service run of their own since; else the newest that is not the new
 * run of a swap under way. Null when none is live.
 */
export function servingRun(
  live: readonly RunRecord[],
  pinned: string | null,
  swappingTo: string | null,
): string | null {
  if (pinned && live.some((r) => r.run.uuid === pinned))
    return live.find((r) => r.run.uuid === pinned || !r.replacesRun)!.run.uuid;
  return live.find((r) => r.run.uuid !== swappingTo)?.run.uuid ?? null;
}
