// Who is calling: the console (its token or session) or an API key. Below runs, the proxy, AWS
// mode and the console, which all authenticate callers through it.
export { ConsoleAuth, loadOrCreateConsoleToken, SESSION_COOKIE } from './console-auth.js';
export { authorizePublicCaller, identifyPublicCaller, type PublicCaller } from './public-caller.js';
