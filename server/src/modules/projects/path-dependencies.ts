import { readFile, stat } from 'node:fs/promises';
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

/**
 * The folders of a package's local dependencies (path dependencies and file:// git repositories),
 * transitively, as absolute paths (the package itself not included). Read from the manifests' text, like the target list: a dependency that
 * does not exist on disk is skipped (the build will say why).
 */
export async function localDependencyFolders(packageDir: string): Promise<string[]> {
  const seen = new Set<string>([resolve(packageDir)]);
  const queue = [resolve(packageDir)];
  const found: string[] = [];
  while (queue.length) {
    const dir = queue.shift()!;
    let manifest: string;
    try {
      manifest = await readFile(join(dir, 'Package.swift'), 'utf8');
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
