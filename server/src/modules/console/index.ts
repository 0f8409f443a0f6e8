export { ConsoleAuth, loadOrCreateConsoleToken, SESSION_COOKIE, parseCookies } from './console-auth.js';
export { createConsoleRouter } from './console-router.js';
