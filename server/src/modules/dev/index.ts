export { DevLoop, type DevStatus } from './dev-loop.js';
export { PackageWatcher, isIgnoredPath } from './package-watcher.js';
export { acceptsConnections } from './readiness.js';
