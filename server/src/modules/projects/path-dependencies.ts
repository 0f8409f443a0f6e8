import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { stripSwiftComments } from './package-manifest.js';

/**
 * The local folders a manifest's text (comments stripped) depends on, as written: `.package(path:)`
 * entries, and `.package(url: "file:///…")` git repositories on this machine.
 */
export function pathDependenciesIn(manifest: string): string[] {
  const text = stripSwiftComments(manifest);
  const out: string[] = [];
  for (const m of text.matchAll(/\.package\s*\(\s*(?:name\s*:\s*"[^"]*"\s*,\s*)?path\s*:\s*"([^"]+)"/g))
    out.push(m[1]!);
  for (const m of text.matchAll(/\.package\s*\(\s*(?:name\s*:\s*"[^"]*"\s*,\s*)?url\s*:\s*"file:\/\/(\/[^"]+)"/g))
    out.push(decodeURI(m[1]!).replace(/\/+$/, ''));
  return out;
}

const compareVersions = (a: readonly number[], b: readonly number[]) => {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
};
const parseVersion = (v: string) => v.split('.').map(Number);

/** The Swift version an image's tag names (`swift:6.0-jammy` → `6.0`), or null. */
export function swiftVersionOfImage(image: string): string | null {
  return /:(\d+\.\d+(?:\.\d+)?)(?:[-_.a-z]|$)/i.exec(image)?.[1] ?? null;
}

/**
 * The manifest a toolchain reads in `dir`, as SwiftPM chooses it: of the version-specific
 * manifests (`Package@swift-6.0.swift`, `Package@swift-5.swift`, …) the one with the highest
 * version not above the toolchain's, else `Package.swift`. With no toolchain version known, the
 * highest version-specific one.
 */
export async function manifestFileOf(dir: string, swiftVersion: string | null): Promise<string> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const toolchain = swiftVersion ? parseVersion(swiftVersion) : null;
  let best: { name: string; version: number[] } | null = null;
  for (const name of names) {
    const m = /^Package@swift-(\d+(?:\.\d+){0,2})\.swift$/.exec(name);
    if (!m) continue;
    const version = parseVersion(m[1]!);
    if (toolchain && compareVersions(version, toolchain) > 0) continue;
    if (!best || compareVersions(version, best.version) > 0) best = { name, version };
  }
  return join(dir, best?.name ?? 'Package.swift');
}

/**
 * The folders of a package's local dependencies (path dependencies and file:// git repositories),
 * transitively, as absolute paths (the package itself not included). Read from the text of the
 * manifests the toolchain will use (manifestFileOf), like the target list: a dependency that does
 * not exist on disk is skipped (the build will say why).
 */
export async function localDependencyFolders(
  packageDir: string,
  swiftVersion: string | null = null,
): Promise<string[]> {
  const seen = new Set<string>([resolve(packageDir)]);
  const queue = [resolve(packageDir)];
  const found: string[] = [];
  while (queue.length) {
    const dir = queue.shift()!;
    let manifest: string;
    try {
      manifest = await readFile(await manifestFileOf(dir, swiftVersion), 'utf8');
    } catch {
      continue;
    }
    for (const rel of pathDependenciesIn(manifest)) {
      const abs = isAbsolute(rel) ? resolve(rel) : resolve(dir, rel);
      if (seen.has(abs)) continue;
      seen.add(abs);
      if (
        !(await stat(abs).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      )
        continue;
      // one inside the package folder is already seen with it
      if (!abs.startsWith(`${resolve(packageDir)}/`)) found.push(abs);
      queue.push(abs);
    }
  }
  return found;
}
