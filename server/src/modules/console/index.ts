export { createConsoleRouter } from './console-router.js';
export { ChangeFeed, type ChangeEvent } from './change-feed.js';
