export { createDebugRouter } from './debug-router.js';
export { DebugService } from './debug-service.js';
export { debugInstructions, IGNORE_SIGSTOP } from './debug-commands.js';
