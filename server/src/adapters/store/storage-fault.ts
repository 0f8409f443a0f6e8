import { readdir, statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, isStorageFault } from '../../errors.js';

export { isStorageFault };

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException | null)?.code ?? 'error';
}

/** 507 `insufficient_storage`: names the data dir and what could not be written. */
export function insufficientStorage(dataDir: string, what: string, err: unknown): AppError {
  return new AppError(
    'insufficient_storage',
    `could not write ${what} in the data dir ${dataDir} (${codeOf(err)}); nothing was changed: free some space and try again`,
  );
}

/** A storage fault becomes a 507 naming `what`; any other error is returned as it is. */
export function asInsufficientStorage(dataDir: string, what: string, err: unknown): unknown {
  return isStorageFault(err) ? insufficientStorage(dataDir, what, err) : err;
}

/** Bytes free for this user in the file system holding `dir`, or null when it cannot be asked. */
export async function freeBytes(dir: string): Promise<number | null> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Start-up could not write what it must: the server says so and exits instead of half-starting. */
export class DataDirFullError extends Error {
  constructor(dataDir: string, what: string, code: string, free: number | null) {
    super(
      `data dir full: could not write ${what} in ${dataDir} (${code}); ` +
        `${free === null ? 'free space unknown' : `${formatBytes(free)} free`}. Free some space (or pass another --data-dir) and start again`,
    );
    this.name = 'DataDirFullError';
  }

  static async from(dataDir: string, what: string, err: unknown): Promise<DataDirFullError> {
    return new DataDirFullError(dataDir, what, codeOf(err), await freeBytes(dataDir));
  }
}

/** The least free space the server starts with: a store write, the console token and a log page. */
export const MIN_FREE_BYTES_AT_START = 1024 * 1024;

/** Throws DataDirFullError when the data dir's file system has less than MIN_FREE_BYTES_AT_START free. */
export async function checkFreeSpaceAtStart(dataDir: string): Promise<void> {
  const free = await freeBytes(dataDir);
  if (free !== null && free < MIN_FREE_BYTES_AT_START) {
    throw new DataDirFullError(
      dataDir,
      `the store and logs (${formatBytes(MIN_FREE_BYTES_AT_START)} needed)`,
      'ENOSPC',
      free,
    );
  }
}

/** The temporary files of atomic writes (`<file>.tmp-<pid>`) an earlier process left in `dir`. */
export async function removeLeftoverTempFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const left = names.filter((n) => /\.tmp-\d+$/.test(n));
  await Promise.all(left.map((n) => unlink(join(dir, n)).catch(() => undefined)));
  return left;
}
