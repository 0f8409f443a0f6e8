import { chmod, copyFile, lstat, mkdir, readdir, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { localDependencyFolders, swiftVersionOfImage } from '../projects/index.js';

/** What SwiftPM keeps inside a package folder: never copied, and never deleted from the copy. */
const SKIPPED = new Set(['.build', '.swiftpm']);
/** Written by SwiftPM into the copy's root: kept there unless the user's folder has its own. */
const KEPT_AT_ROOT = new Set(['Package.resolved']);

export interface MirrorStats {
  copied: number;
  removed: number;
}

/**
 * Brings `mirror` in step with `source`: files whose size or modification time differ are copied
 * (in place, so an unchanged file keeps its inode and mtime and SwiftPM's incremental build sees
 * it unchanged), files and folders that are gone are removed. The build container mounts the copy
 * at the source's own absolute path, so SwiftPM can write `Package.resolved` without ever
 * touching the user's folder (docs/api.md#builds).
 */
export async function syncMirror(source: string, mirror: string): Promise<MirrorStats> {
  const stats: MirrorStats = { copied: 0, removed: 0 };
  await mkdir(mirror, { recursive: true });
  await syncFolder(source, mirror, true, stats);
  return stats;
}

async function syncFolder(source: string, mirror: string, root: boolean, stats: MirrorStats): Promise<void> {
  const entries = await readdir(source, { withFileTypes: true });
  const present = new Set<string>();
  for (const entry of entries) {
    if (SKIPPED.has(entry.name)) continue;
    present.add(entry.name);
    const from = join(source, entry.name);
    const to = join(mirror, entry.name);
    const target = await lstat(to).catch(() => null);
    if (entry.isDirectory()) {
      if (target && !target.isDirectory()) await rm(to, { recursive: true, force: true });
      if (!target?.isDirectory()) await mkdir(to);
      await syncFolder(from, to, false, stats);
    } else if (entry.isSymbolicLink()) {
      const link = await readlink(from);
      if (target?.isSymbolicLink() && (await readlink(to)) === link) continue;
      if (target) await rm(to, { recursive: true, force: true });
      await symlink(link, to);
      stats.copied++;
    } else if (entry.isFile()) {
      const info = await lstat(from);
      // utimes keeps milliseconds, so times are compared to the millisecond
      if (target?.isFile() && target.size === info.size && Math.trunc(target.mtimeMs) === Math.trunc(info.mtimeMs))
        continue;
      if (target && !target.isFile()) await rm(to, { recursive: true, force: true });
      await copyFile(from, to);
      await chmod(to, info.mode & 0o7777);
      await utimes(to, info.atimeMs / 1000, info.mtimeMs / 1000);
      stats.copied++;
    }
  }
  for (const name of await readdir(mirror)) {
    if (present.has(name) || SKIPPED.has(name) || (root && KEPT_AT_ROOT.has(name))) continue;
    await rm(join(mirror, name), { recursive: true, force: true });
    stats.removed++;
  }
}

/** Where a project keeps its copy of one package folder in the data dir. */
export function mirrorDir(dataDir: string, projectId: string, folder: string): string {
  return join(dataDir, 'mirrors', projectId, createHash('sha256').update(folder).digest('hex').slice(0, 16));
}

/**
 * The package and its local path dependencies, each brought in step with its copy in the data
 * dir and mounted at its own absolute path (the package writable, so SwiftPM can write
 * Package.resolved there; dependencies read-only). Diagnostics then name the user's own files.
 */
export async function mirrorSources(
  dataDir: string,
  projectId: string,
  sourcePath: string,
  image: string,
  say: (line: string) => void,
): Promise<string[]> {
  const dependencies = await localDependencyFolders(sourcePath, swiftVersionOfImage(image));
  const binds: string[] = [];
  for (const [i, folder] of [sourcePath, ...dependencies].entries()) {
    const mirror = mirrorDir(dataDir, projectId, folder);
    const { copied, removed } = await syncMirror(folder, mirror);
    if (copied || removed) say(`synced ${folder}: ${copied} file(s) copied, ${removed} removed`);
    binds.push(i === 0 ? `${mirror}:${folder}` : `${mirror}:${folder}:ro`);
  }
  return binds;
}
