import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export class DataDirInUseError extends Error {}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One server per data dir: an exclusive lock file holding the owner's pid. A lock left by a
 * process that no longer exists (kill -9) is taken over. Returns the release function.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = join(dataDir, 'server.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return async () => {
        const owner = await readFile(file, 'utf8').catch(() => '');
        if (owner.trim() === String(process.pid)) await unlink(file).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new DataDirInUseError(
          `another SwiftLambda Local server (pid ${pid}) is using the data dir ${dataDir}; stop it or pass another --data-dir`,
        );
      }
      await unlink(file).catch(() => undefined);
    }
  }
  throw new DataDirInUseError(`could not lock the data dir ${dataDir}`);
}
