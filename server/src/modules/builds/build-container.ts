import { createHash } from 'node:crypto';
import type { ContainerSpec } from '../../adapters/docker/docker-engine.js';

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

/**
 * What the project's build container runs between builds: nothing, until it is removed. Builds
 * are `docker exec`s into it (decision 0042), so a save does not wait for a container to start.
 */
export const WORKSPACE_COMMAND = ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'];

// The toolchain's probes (swiftc -print-target-info, -h, -version; the frontend's target info and
// supported features) answer the same for the container's whole life, but SwiftPM and the driver
// ask again in every build: about a second of each save (decision 0042). This wrapper, installed
// as SWIFT_EXEC and SWIFT_DRIVER_SWIFT_FRONTEND_EXEC, answers them from a cache in the container's
// /tmp and runs the real tool ($real, set on the line before it) for everything else.
const PROBE_SHIM = [
  'case "$1 $2" in',
  '  "-print-target-info "|"-h "|"-version "|"-frontend -print-target-info"|"-frontend -emit-supported-features") ;;',
  '  *) exec "$real" "$@" ;;',
  'esac',
  'key=',
  'for a in "$@"; do',
  '  case "$a" in /tmp/TemporaryDirectory.*/*) a=TMP ;; esac',
  '  key="$key $a"',
  'done',
  'sum=$(printf %s "$key" | cksum) || exec "$real" "$@"',
  'f="/tmp/swiftlambda-probes/cache/${0##*/}-${sum%% *}-${#key}"',
  'if [ -f "$f" ]; then exec cat "$f"; fi',
  '"$real" "$@" > "$f.$$" || { s=$?; cat "$f.$$"; rm -f "$f.$$"; exit $s; }',
  'mv "$f.$$" "$f"',
  'exec cat "$f"',
].join('\n');

// The build script takes the target, the owner for the copied binary, the configuration, the
// package's path, the compilation's id and the probe wrapper as $1 to $6, so nothing the user
// typed is ever parsed by the shell. The wrappers are written once per container, next to the
// tool they stand for (found from swift-build); an image where that fails builds without them.
// Resource bundles go beside the binary, where Bundle.module looks at run time.
export const BUILD_SCRIPT = [
  'set -e',
  'p=/tmp/swiftlambda-probes',
  'if [ ! -d "$p" ]; then',
  '  rm -rf "$p.new"; mkdir -p "$p.new/cache"',
  '  d=$(dirname "$(readlink -f "$(command -v swift-build)")" 2>/dev/null) || d=',
  '  if [ -n "$d" ] && [ -x "$d/swiftc" ] && [ -x "$d/swift-frontend" ] && command -v cksum >/dev/null; then',
  '    for t in swiftc swift-frontend; do',
  `      printf '#!/bin/sh\\nreal=%s\\n%s\\n' "'$d/$t'" "$6" > "$p.new/$t"`,
  '      chmod 755 "$p.new/$t"',
  '    done',
  '  fi',
  '  mv "$p.new" "$p"',
  'fi',
  'if [ -x "$p/swiftc" ]; then export SWIFT_EXEC="$p/swiftc" SWIFT_DRIVER_SWIFT_FRONTEND_EXEC="$p/swift-frontend"; fi',
  'swift build -c "$3" --product "$1" --package-path "$4" --scratch-path /build --cache-path /swiftpm-cache',
  'mkdir -p "/out/$5"',
  'cp "/build/$3/$1" "/out/$5/$1"',
  'for bundle in /build/"$3"/*.resources; do if [ -d "$bundle" ]; then cp -R "$bundle" "/out/$5/"; fi; done',
  'chown -R "$2" "/out/$5" 2>/dev/null || true',
].join('\n');

/** The build's command line for an exec into the project's build container. */
export function buildCommand(
  target: string,
  owner: string,
  configuration: string,
  packagePath: string,
  compilationId: string,
): string[] {
  return [
    '/bin/sh',
    '-c',
    BUILD_SCRIPT,
    'swiftlambda-build',
    target,
    owner,
    configuration,
    packagePath,
    compilationId,
    PROBE_SHIM,
  ];
}

/**
 * The project's build container: its mounts (sources, scratch volume, binaries folder), SwiftPM's
 * shared caches, the fixed hostname and environment; the command comes with each build's exec.
 */
export function buildContainerSpec(input: {
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly extraHosts: readonly string[];
  readonly mounts: readonly string[];
  readonly packagePath: string;
}): ContainerSpec {
  return {
    image: input.image,
    cmd: [],
    hostname: BUILD_HOSTNAME,
    env: BUILD_ENV,
    labels: input.labels,
    extraHosts: input.extraHosts,
    binds: [...input.mounts, `${SWIFTPM_CACHE_VOLUME}:/swiftpm-cache`],
    workingDir: input.packagePath,
  };
}
