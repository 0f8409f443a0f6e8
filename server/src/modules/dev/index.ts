export { DevLoop, type DevStatus } from './dev-loop.js';
export { PackageWatcher, isIgnoredPath } from './package-watcher.js';
export { localDependencyFolders, pathDependenciesIn } from './path-dependencies.js';
