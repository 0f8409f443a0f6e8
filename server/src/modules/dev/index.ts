export { DevLoop } from './dev-loop.js';
export type { DevStatus } from '../../contract/dev.js';
export { PackageWatcher, isIgnoredPath } from './package-watcher.js';
export { acceptsConnections } from './readiness.js';
