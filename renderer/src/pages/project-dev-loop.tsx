import { useState } from 'react';
import { api, devUrl, instanceUrl, type DevStatus, type Project } from '../api.js';
import { CopyButton, ErrorNote } from '../components/ui.js';
import { shortId } from '../format.js';
import { href } from '../router.js';

export interface DevLoopPanelProps {
  readonly project: Project;
  readonly apiUrl: string;
  readonly dev: DevStatus | undefined;
  /** a build of the project is queued or running */
  readonly building: boolean;
  /** a succeeded build exists, so a run can start */
  readonly canStart: boolean;
  readonly onChange: () => void;
}

/**
 * The development loop on the project page (docs/api.md#development-loop): the watch switch, what the loop is doing,
 * the dev URL next to the URL of the run it serves, and why the last change did not replace it.
 */
export function DevLoopPanel({ project, apiUrl, dev, building, canStart, onChange }: DevLoopPanelProps) {
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      onChange();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const toggleWatch = () => act(() => api.updateProject(project.id, { watch: !project.watch }));
  const startService = () => act(() => api.startRun(project.id, 'service', []));
  const url = devUrl(apiUrl, project.id);
  const serving = dev?.servingRun ?? null;

  return (
    <section className="panel dev-loop" data-testid="dev-loop" data-watching={project.watch}>
      <div className="dev-loop-head">
        <button
          type="button"
          role="switch"
          aria-checked={project.watch}
          className="switch"
          onClick={toggleWatch}
          disabled={busy}
          data-testid="watch-switch"
        >
          <span className="switch-track" aria-hidden>
            <span className="switch-thumb" />
          </span>
          Watch
        </button>
        <DevActivity project={project} dev={dev} building={building} />
      </div>
      <div className="dev-url-row">
        <span className="field-label">Dev URL</span>
        <code className="proxy-url" data-testid="dev-url">
          {url}
        </code>
        <CopyButton text={url} testId="copy-dev-url" />
      </div>
      <div className="dev-url-row" data-testid="serving-run" data-run-id={serving ?? ''}>
        {serving ? (
          <>
            <span className="field-label">Serving</span>
            <a
              className="mono"
              href={href({ page: 'run', projectId: project.id, runId: serving })}
              data-testid="serving-run-link"
            >
              {shortId(serving)}
            </a>
            <code className="proxy-url muted" data-testid="serving-run-url">
              {instanceUrl(apiUrl, serving)}
            </code>
            <CopyButton text={instanceUrl(apiUrl, serving)} testId="copy-serving-run-url" />
          </>
        ) : (
          <>
            <span className="muted">No service run serves the dev URL yet (it answers 409).</span>
            {canStart && (
              <button
                type="button"
                className="btn btn-small"
                onClick={startService}
                disabled={busy}
                data-testid="dev-start-service"
              >
                Start a service run
              </button>
            )}
          </>
        )}
      </div>
      {project.watch && dev?.problem && (
        <p className="error-note" role="status" data-testid="dev-problem">
          {dev.problem}
        </p>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

function DevActivity({ project, dev, building }: { project: Project; dev: DevStatus | undefined; building: boolean }) {
  if (building) {
    return (
      <span className="dev-activity" data-testid="dev-building">
        <span className="badge badge-running">
          <span className="badge-dot" aria-hidden />
          rebuilding…
        </span>
        <button
          type="button"
          className="link"
          onClick={() => document.getElementById('build-output')?.scrollIntoView({ block: 'start' })}
        >
          live output ↓
        </button>
      </span>
    );
  }
  if (dev?.swappingTo) {
    return (
      <span className="dev-activity" data-testid="dev-swapping">
        starting {shortId(dev.swappingTo)}: the dev URL moves to it once it listens
      </span>
    );
  }
  if (!project.watch) return <span className="dev-activity muted">Off: builds run when you click Build.</span>;
  return (
    <span className="dev-activity muted" data-testid="dev-watching">
      Every save builds ({project.buildConfiguration}); the dev URL then moves to the new build without a failed call.
    </span>
  );
}
