import type { Compilation } from '../api.js';

/** SwiftPM's step counter of a running build as a bar: `[n/m]` from its output. */
export function BuildProgressBar({
  compilation,
  testId = 'build-progress',
}: {
  compilation: Compilation;
  testId?: string;
}) {
  const p = compilation.progress;
  if (!p || compilation.state !== 'running') return null;
  const percent = Math.round((p.done / p.total) * 100);
  return (
    <span className="build-progress" data-testid={testId} data-done={p.done} data-total={p.total}>
      <progress max={p.total} value={p.done} aria-label={`build step ${p.done} of ${p.total}`} />
      <span className="muted small mono">
        {p.done}/{p.total} ({percent}%)
      </span>
    </span>
  );
}
