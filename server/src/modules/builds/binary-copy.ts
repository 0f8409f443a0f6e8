import { chmod, copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { insufficientStorage, isStorageFault } from '../../adapters/store/storage-fault.js';

/**
 * Copies an imported binary into `dir` as `name`, executable, and returns its path. Nothing
 * half-copied stays; a full disk is a 507 naming the data dir.
 */
export async function copyImportedBinary(from: string, dir: string, name: string, dataDir: string): Promise<string> {
  const target = join(dir, name);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await copyFile(from, target);
    await chmod(target, 0o755);
    return target;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw isStorageFault(err) ? insufficientStorage(dataDir, `the binary copy ${target}`, err) : err;
  }
}
