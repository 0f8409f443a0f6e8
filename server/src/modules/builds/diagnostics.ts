import { posix } from 'node:path';
import type { Diagnostic } from '../../contract/types.js';
// in the domain layer, so the CLI prints diagnostics without loading the builds module
export { formatDiagnostic } from '../../domain/diagnostic-format.js';

/** `file:line:column: severity: message`, as swiftc and clang print them. */
const LINE = /^(\/[^:\n]+):(\d+):(\d+): (error|warning|note): (.*)$/;
const MAX_DIAGNOSTICS = 500;
// eslint-disable-next-line no-control-regex -- the ANSI colour codes swiftc adds on a terminal
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * The compiler's diagnostics in build output, once each (swiftc may print one for every file it
 * compiles in a batch), with paths inside the build container mapped back to the user's folders
 * (`mounts`: container path → host path, longest first).
 */
export class DiagnosticsCollector {
  private readonly seen = new Set<string>();
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly mounts: ReadonlyArray<readonly [string, string]>) {}

  /** Reads one line of build output. */
  add(line: string): void {
    const m = LINE.exec(line.replace(ANSI, '').trimEnd());
    if (!m || this.diagnostics.length >= MAX_DIAGNOSTICS) return;
    const diagnostic: Diagnostic = {
      file: this.hostPath(posix.normalize(m[1]!)),
      line: Number(m[2]),
      column: Number(m[3]),
      severity: m[4] as Diagnostic['severity'],
      message: m[5]!,
    };
    const key = `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}:${diagnostic.severity}:${diagnostic.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.diagnostics.push(diagnostic);
  }

  private hostPath(file: string): string {
    for (const [inside, host] of this.mounts) {
      if (file === inside) return host;
      if (file.startsWith(`${inside}/`)) return host.replace(/\/+$/, '') + file.slice(inside.length);
    }
    return file;
  }
}
