import { createHash } from 'node:crypto';

export type BuildVolumeKey = 'project' | 'packagePath';

/**
 * The Docker volume a project builds in (SwiftPM's scratch path): one per project, or one per
 * package folder, which outlives the data dir, so a later emulator on the same package builds
 * incrementally (`swiftlambda exec`, `startEmulator`).
 */
export function buildVolumeName(key: BuildVolumeKey, projectId: string, sourcePath: string): string {
  if (key === 'project') return `swiftlambda-build-${projectId}`;
  return `swiftlambda-build-path-${createHash('sha256').update(sourcePath).digest('hex').slice(0, 16)}`;
}

/** SwiftPM's shared caches (repositories, artifacts): one volume for every project. */
export const SWIFTPM_CACHE_VOLUME = 'swiftlambda-swiftpm-cache';

/**
 * Every build container's hostname. SwiftPM's manifest cache key includes the environment, and
 * Docker gives each container a random HOSTNAME: with it, every build evaluated every manifest
 * again (docs/decisions/0041-dev-loop-speed.md).
 */
export const BUILD_HOSTNAME = 'swiftlambda-build';

/** The build container's whole environment besides the image's own: the same for every build. */
export const BUILD_ENV: Readonly<Record<string, string>> = { HOME: '/tmp' };

// The build script takes the target, the owner for the copied binary, the configuration and the
// package's path as $1 to $4, so nothing the user typed is ever parsed by the shell. Resource
// bundles go beside the binary, where Bundle.module looks at run time.
export const BUILD_SCRIPT = [
  'set -e',
  'swift build -c "$3" --product "$1" --package-path "$4" --scratch-path /build --cache-path /swiftpm-cache',
  'cp "/build/$3/$1" "/out/$1"',
  'for bundle in /build/"$3"/*.resources; do if [ -d "$bundle" ]; then cp -R "$bundle" /out/; fi; done',
  'chown -R "$2" /out 2>/dev/null || true',
].join('\n');
