// A real small file system for the full-disk tests: a tmpfs mounted on a temp folder (needs root),
// and a filler file that takes every free byte.
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MIB = 1024 * 1024;

/** Why tmpfs tests cannot run here, or null when they can (root, and `mount` works). */
export function tmpfsUnavailable(): string | null {
  return process.getuid?.() === 0 ? null : 'mounting a tmpfs needs root';
}

/** A fresh folder with a tmpfs of `bytes` mounted on it; `unmount` removes both. */
export async function mountTmpfs(bytes: number): Promise<{ dir: string; unmount: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'swiftlambda-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', dir]);
  return {
    dir,
    unmount: async () => {
      execFileSync('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes `<dir>/filler` until the file system refuses (ENOSPC), then gives back `leave` bytes.
 * Returns the filler's path: deleting it frees the space.
 */
export async function fillDisk(dir: string, leave = 0): Promise<string> {
  const file = join(dir, 'filler');
  const fh = await open(file, 'a');
  try {
    for (const size of [MIB, 4096]) {
      const buf = Buffer.alloc(size, 1);
      for (;;) {
        try {
          await fh.write(buf);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    await fh.close();
  }
  if (leave > 0) await truncate(file, Math.max(0, (await stat(file)).size - leave));
  return file;
}
