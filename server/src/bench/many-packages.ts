// A generated many-package Swift app for bench figure 14: an executable package `app` and 25
// library packages beside it in one temp dir, used as path dependencies (`../pkgNN`), so the
// emulator finds them in the manifests and mounts each at its own path.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LAYERS = 5;
export const PER_LAYER = 5;
export const PACKAGE_COUNT = LAYERS * PER_LAYER;

export interface ManyPackages {
  /** the temp dir holding `app` and `pkg01` … `pkg25` */
  readonly dir: string;
  /** the root package's folder: the project's source path */
  readonly root: string;
  /** every package folder, the root first */
  readonly folders: readonly string[];
  /** a word unique to this tree, defined in every target: finds its manifests in SwiftPM's cache */
  readonly tag: string;
  remove(): Promise<void>;
}

const pad = (n: number) => String(n).padStart(2, '0');
const packageName = (n: number) => `pkg${pad(n)}`;
const moduleName = (n: number) => `Pkg${pad(n)}`;

/**
 * A layered graph with no cycles: layer 0 (pkg01 … pkg05) is what `app` depends on; each package
 * of layer k depends on two of layer k + 1; the last layer depends on nothing.
 */
export function dependenciesOf(n: number): number[] {
  const layer = Math.floor((n - 1) / PER_LAYER);
  if (layer === LAYERS - 1) return [];
  const j = (n - 1) % PER_LAYER;
  const next = (layer + 1) * PER_LAYER + 1;
  return [next + j, next + ((j + 1) % PER_LAYER)];
}

function manifest(name: string, kind: 'library' | 'executable', deps: number[], tag: string): string {
  const module = kind === 'executable' ? name : moduleName(Number(name.slice(3)));
  const product =
    kind === 'executable'
      ? `.executable(name: "${name}", targets: ["${module}"])`
      : `.library(name: "${module}", targets: ["${module}"])`;
  const target = kind === 'executable' ? '.executableTarget' : '.target';
  const products = deps.map((d) => `.product(name: "${moduleName(d)}", package: "${packageName(d)}")`);
  return [
    '// swift-tools-version:5.9',
    'import PackageDescription',
    '',
    'let package = Package(',
    `    name: "${name}",`,
    `    products: [${product}],`,
    `    dependencies: [${deps.map((d) => `.package(path: "../${packageName(d)}")`).join(', ')}],`,
    '    targets: [',
    `        ${target}(`,
    `            name: "${module}",`,
    `            dependencies: [${products.join(', ')}],`,
    `            swiftSettings: [.define("${tag}")]`,
    '        ),',
    '    ]',
    ')',
    '',
  ].join('\n');
}

async function writeLibrary(dir: string, n: number, tag: string): Promise<void> {
  const deps = dependenciesOf(n);
  const sources = join(dir, 'Sources', moduleName(n));
  await mkdir(sources, { recursive: true });
  await writeFile(join(dir, 'Package.swift'), manifest(packageName(n), 'library', deps, tag));
  const calls = deps.map((d) => ` + ${packageName(d)}()`).join('');
  await writeFile(
    join(sources, `${moduleName(n)}.swift`),
    [
      ...deps.map((d) => `import ${moduleName(d)}`),
      '',
      `/// The sum of this package's number and its dependencies' numbers.`,
      `public func ${packageName(n)}() -> Int {`,
      `    Counter${pad(n)}(start: ${n}).value${calls}`,
      '}',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(sources, 'Counter.swift'),
    [
      `public struct Counter${pad(n)}: Sendable {`,
      '    public let value: Int',
      '    public init(start: Int) { value = start }',
      `    public func adding(_ other: Int) -> Counter${pad(n)} { Counter${pad(n)}(start: value + other) }`,
      '}',
      '',
    ].join('\n'),
  );
}

/** Writes the tree into a new temp dir; `remove` deletes it. */
export async function generateManyPackages(): Promise<ManyPackages> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-manypkg-'));
  const tag = `MANYPKG_${dir.slice(-6).replace(/[^A-Za-z0-9]/g, '_')}`;
  try {
    const folders = [join(dir, 'app')];
    for (let n = 1; n <= PACKAGE_COUNT; n++) {
      folders.push(join(dir, packageName(n)));
      await writeLibrary(folders[n]!, n, tag);
    }
    const roots = Array.from({ length: PER_LAYER }, (_, j) => j + 1);
    const appSources = join(dir, 'app', 'Sources', 'app');
    await mkdir(appSources, { recursive: true });
    await writeFile(join(dir, 'app', 'Package.swift'), manifest('app', 'executable', roots, tag));
    await writeFile(
      join(appSources, 'main.swift'),
      [
        ...roots.map((d) => `import ${moduleName(d)}`),
        '',
        `print("app: \\(${roots.map((d) => `${packageName(d)}()`).join(' + ')})")`,
        '',
      ].join('\n'),
    );
    return { dir, root: folders[0]!, folders, tag, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
