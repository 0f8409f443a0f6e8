import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { AppError } from '../../errors.js';

/** Checks that `path` is an existing, executable ELF file (a Linux binary). */
export async function checkElfExecutable(path: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new AppError('binary_not_found', `${path} does not exist`);
  }
  if (!info.isFile()) throw new AppError('binary_not_found', `${path} is not a file`);
  const header = Buffer.alloc(18);
  const fh = await open(path, 'r');
  try {
    await fh.read(header, 0, 18, 0);
  } finally {
    await fh.close();
  }
  if (header.readUInt32BE(0) !== 0x7f454c46)
    throw new AppError('binary_not_elf', `${path} is not a Linux (ELF) binary`);
  const type = header.readUInt16LE(16);
  if (type !== 2 && type !== 3) throw new AppError('binary_not_elf', `${path} is an ELF file but not an executable`);
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new AppError('binary_not_elf', `${path} is not executable (chmod +x it)`);
  }
}
