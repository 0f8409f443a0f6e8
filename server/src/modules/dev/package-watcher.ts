import { dirname, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

/** Build output, SwiftPM state, dot-folders (.git, .vscode…) and editors' temporary files. */
export function isIgnoredPath(path: string, roots: readonly string[]): boolean {
  const root = roots.find((r) => path === r || path.startsWith(r + sep));
  const rel = root === undefined ? path : path.slice(root.length);
  const parts = rel.split(sep).filter(Boolean);
  if (parts.some((p) => p.startsWith('.'))) return true;
  const name = parts[parts.length - 1] ?? '';
  return /(~|\.swp|\.swx|\.tmp|\.kate-swp|___jb_(tmp|old)___)$/.test(name) || /^(#.*#|4913)$/.test(name);
}

/**
 * As isIgnoredPath, except for `envFile` (a project's env file, often `.env`) and the folders on
 * the way to it, which are watched: a change of it restarts the dev loop's run.
 */
export function isIgnoredUnlessEnvFile(path: string, roots: readonly string[], envFile: string | null): boolean {
  if (envFile !== null) {
    if (path === envFile) return false;
    for (let dir = dirname(envFile); dir.length > 1 && roots.some((r) => dir.startsWith(r)); dir = dirname(dir))
      if (path === dir) return false;
  }
  return isIgnoredPath(path, roots);
}

/**
 * Watches a package folder and its local path dependencies (chokidar: fs.watch underneath, no
 * native module; docs/decisions/0002). `onChange` gets each changed file's path.
 */
export class PackageWatcher {
  private watcher: FSWatcher | null = null;
  private roots: string[] = [];
  private envFile: string | null = null;
  private scanned = false;

  constructor(private readonly onChange: (path: string) => void) {}

  /**
   * Watches exactly `roots` (the package first), and `envFile` (an absolute path) even when it is a
   * dot-file; resolves once the initial scan is done.
   */
  async watch(roots: readonly string[], envFile: string | null = null): Promise<void> {
    const next = [...new Set(roots)];
    if (
      this.watcher &&
      envFile === this.envFile &&
      next.length === this.roots.length &&
      next.every((r, i) => r === this.roots[i])
    )
      return;
    await this.close();
    this.roots = next;
    this.envFile = envFile;
    const watcher = watch(next, {
      ignoreInitial: true,
      ignored: (path) => isIgnoredUnlessEnvFile(path, this.roots, envFile),
      awaitWriteFinish: false,
    });
    this.watcher = watcher;
    watcher.on('all', (_event, path) => this.onChange(path));
    watcher.on('error', () => undefined);
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.scanned = this.watcher === watcher;
  }

  /** true once the initial scan is done: a change from then on is reported */
  get ready(): boolean {
    return this.scanned;
  }

  async close(): Promise<void> {
    const w = this.watcher;
    this.watcher = null;
    this.scanned = false;
    await w?.close();
  }
}
