export { ConsoleAuth, loadOrCreateConsoleToken, SESSION_COOKIE } from './console-auth.js';
export { createConsoleRouter } from './console-router.js';
export { authorizePublicCaller, identifyPublicCaller, type PublicCaller } from './public-caller.js';
export { ChangeFeed, type ChangeEvent } from './change-feed.js';
