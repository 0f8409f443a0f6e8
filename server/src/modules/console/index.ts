export { createConsoleRouter } from './console-router.js';
export { ChangeFeed, type ChangeEvent } from './change-feed.js';
export {
  publishBuildProgress,
  publishDevStatus,
  publishEngineStatus,
  publishInvocations,
  publishRequests,
  publishSchedules,
} from './feed-sources.js';
export { createConsoleUiRouter } from './console-ui.js';
