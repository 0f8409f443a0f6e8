export { ConsoleAuth, loadOrCreateConsoleToken, SESSION_COOKIE } from './console-auth.js';
export { createConsoleRouter } from './console-router.js';
