// Reading the engine's inspect answers into the emulator's own types.
import type Docker from 'dockerode';
import type { ContainerState } from './docker-engine.js';

const CONTAINER_STATES: ReadonlySet<string> = new Set<ContainerState>([
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
]);

/** The inspect answer's state; engines older than API 1.21 have no `Status`, only the flags. */
export function containerState(state: Docker.ContainerInspectInfo['State']): ContainerState {
  if (CONTAINER_STATES.has(state.Status)) return state.Status as ContainerState;
  if (state.Running) return 'running';
  return engineTime(state.StartedAt) === null ? 'created' : 'exited';
}

/** An inspect timestamp in unix ms; the engine writes year 1 for "never". */
export function engineTime(value: string | undefined): number | null {
  const ms = value ? Date.parse(value) : NaN;
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}
