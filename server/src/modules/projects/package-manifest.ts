import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { AppError } from '../../errors.js';

/** Swift source with its comments removed; string literals (URLs with `//` in them) kept whole. */
export function stripSwiftComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '"') {
      const end = source.indexOf('"', i + 1);
      const stop = end < 0 ? source.length : end + 1;
      out += source.slice(i, stop);
      i = stop;
    } else if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end;
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * The executable products a Package.swift declares: `.executable(name: "x", …)` products and,
 * because SwiftPM makes a product of every executable target of the root package, the
 * `.executableTarget(name: "x", …)` targets too. Read from the text (comments stripped) rather
 * than by running `swift package dump-package`, which would need a container and seconds.
 */
export function executableProductsIn(manifest: string): string[] {
  const text = stripSwiftComments(manifest);
  const names = new Set<string>();
  const pattern = /\.(executable|executableTarget)\s*\(\s*name\s*:\s*"([^"]+)"/g;
  for (const match of text.matchAll(pattern)) names.add(match[2]!);
  return [...names];
}

/** The executable products of the package at `sourcePath` (the console's target list). */
export async function packageExecutables(sourcePath: string): Promise<string[]> {
  await checkFolder(sourcePath);
  return executableProductsIn(await readManifest(sourcePath));
}

async function checkFolder(sourcePath: string): Promise<void> {
  if (!isAbsolute(sourcePath)) throw new AppError('invalid_source_path', 'sourcePath must be an absolute path');
  try {
    const info = await stat(sourcePath);
    if (!info.isDirectory()) throw new AppError('invalid_source_path', `${sourcePath} is not a folder`);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('source_path_not_found', `${sourcePath} does not exist`);
  }
}

async function readManifest(sourcePath: string): Promise<string> {
  try {
    return await readFile(join(sourcePath, 'Package.swift'), 'utf8');
  } catch {
    throw new AppError('package_manifest_missing', `${sourcePath} has no Package.swift`);
  }
}

/** Checks that `sourcePath` is a Swift package whose manifest declares `targetName` executable. */
export async function checkPackage(sourcePath: string, targetName: string): Promise<void> {
  const products = await packageExecutables(sourcePath);
  if (!products.includes(targetName)) {
    throw new AppError(
      'unknown_target',
      products.length
        ? `Package.swift declares no executable named "${targetName}" (it declares: ${products.join(', ')})`
        : 'Package.swift declares no executable product',
    );
  }
}
