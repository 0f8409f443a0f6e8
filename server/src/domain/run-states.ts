import type { RunState } from '../contract/types.js';

/** The six run states of the public API, and the four that end a run: defined here once. */
export const RUN_STATES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'stopped',
  'timedOut',
] as const satisfies readonly RunState[];
export const TERMINAL_STATES: ReadonlySet<RunState> = new Set<RunState>(['succeeded', 'failed', 'stopped', 'timedOut']);

export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.has(state);
}
