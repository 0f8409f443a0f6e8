export {
  RunsService,
  toPublicRun,
  toConsoleRun,
  RUN_STATES,
  TERMINAL_STATES,
  type StartRunOptions,
  type StartRunInput,
} from './runs-service.js';
export { LiveRun } from './live-run.js';
export { reconcileRunsWithContainers, EngineWatcher } from './reconcile.js';
export { SERVICE_PORT } from './run-container.js';
export { createPublicRouter, parseStartRunBody, parseListQuery, runArguments } from './runs-router.js';
export { createRunConsoleRouter } from './run-console-router.js';
export { IdempotencyKeys, IDEMPOTENCY_TTL_MS } from './idempotency.js';
export { DEBUGGER_CONTAINER_PORT, DEBUG_CAPABILITIES } from './debug-launch.js';
