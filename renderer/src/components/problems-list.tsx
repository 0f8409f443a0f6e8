import type { Compilation, Diagnostic } from '../api.js';
import { formatRelative, shortId } from '../format.js';

/** `vscode://file/{file}:{line}:{col}`: opens the file at the line in VS Code (the desktop app hands it to the shell). */
export function editorLink(d: Diagnostic): string {
  const path = d.file.replace(/\\/g, '/');
  return `vscode://file${encodeURI(path.startsWith('/') ? path : `/${path}`)}:${d.line}:${d.column}`;
}

/** The path as the user knows it: relative to the package folder when inside it. */
function displayPath(file: string, sourcePath: string): string {
  const root = sourcePath.replace(/\/+$/, '');
  return file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file;
}

function counts(diagnostics: readonly Diagnostic[]): string {
  const n = (severity: Diagnostic['severity']) => diagnostics.filter((d) => d.severity === severity).length;
  const parts = [
    [n('error'), 'error'],
    [n('warning'), 'warning'],
    [n('note'), 'note'],
  ] as const;
  return parts
    .filter(([count]) => count > 0)
    .map(([count, word]) => `${count} ${word}${count === 1 ? '' : 's'}`)
    .join(', ');
}

/** The compiler's errors, warnings and notes of a build, each linking to its file and line. */
export function ProblemsList({ compilation, sourcePath }: { compilation: Compilation; sourcePath: string }) {
  const { diagnostics } = compilation;
  return (
    <section
      className={`panel problems${diagnostics.length ? '' : ' problems-none'}`}
      data-testid="problems"
      data-compilation-id={compilation.id}
    >
      <h2>
        Problems{' '}
        <span className="muted small">
          {diagnostics.length ? counts(diagnostics) : 'none reported'} · build {shortId(compilation.id)}{' '}
          {compilation.state}, {formatRelative(compilation.finishedAt)}
        </span>
      </h2>
      {diagnostics.length > 0 && (
        <ul className="problem-list">
          {diagnostics.map((d, i) => (
            <li key={i} className={`problem problem-${d.severity}`} data-testid="problem" data-severity={d.severity}>
              <span className={`severity severity-${d.severity}`}>{d.severity}</span>
              <a
                className="mono problem-location"
                href={editorLink(d)}
                title={`Open ${d.file}:${d.line}:${d.column} in your editor`}
                data-testid="problem-location"
              >
                {displayPath(d.file, sourcePath)}:{d.line}:{d.column}
              </a>
              <span className="problem-message">{d.message}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
