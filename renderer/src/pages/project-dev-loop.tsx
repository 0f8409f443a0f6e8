import { useState } from 'react';
import { api, devUrl, instanceUrl, type Compilation, type DevStatus, type Project } from '../api.js';
import { BuildProgressBar } from '../components/build-progress.js';
import { CopyButton, ErrorNote } from '../components/ui.js';
import { shortId } from '../format.js';
import { href } from '../router.js';

export interface DevLoopPanelProps {
  readonly project: Project;
  readonly apiUrl: string;
  readonly dev: DevStatus | undefined;
  /** a build of the project is queued or running */
  readonly building: boolean;
  /** the build under way, for its progress */
  readonly runningBuild?: Compilation | undefined;
  /** a succeeded build exists, so a run can start */
  readonly canStart: boolean;
  readonly onChange: () => void;
}

/**
 * The development loop on the project page (docs/api.md#development-loop): the watch switch, what the loop is doing,
 * the dev URL next to the URL of the run it serves, and why the last change did not replace it.
 */
export function DevLoopPanel({ project, apiUrl, dev, building, runningBuild, canStart, onChange }: DevLoopPanelProps) {
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
  // release builds are slow to rebuild: with watch on, the switch to debug is offered
  const useDebug = () => act(() => api.updateProject(project.id, { buildConfiguration: 'debug' }));
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
        <DevActivity project={project} dev={dev} building={building} runningBuild={runningBuild} />
      </div>
      {project.watch && project.buildConfiguration === 'release' && (
        <p className="muted small" data-testid="offer-debug">
          Release builds take longer to rebuild after each save.{' '}
          <button type="button" className="link" onClick={useDebug} disabled={busy} data-testid="use-debug-builds">
            Switch to debug builds
          </button>
        </p>
      )}
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
            <span className="muted" data-testid="dev-no-serving-run">
              No service run serves the dev URL yet (it answers 409).
              {project.watch && ' With Watch on, the next good build (a save, or Build) starts one.'}
            </span>
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
      {project.watch && dev?.restart.nextAt && (
        <p className="muted small" data-testid="dev-restart">
          The crashed run starts again at {new Date(dev.restart.nextAt).toLocaleTimeString()} (crash{' '}
          {dev.restart.failures} in 2 minutes; the fifth stops the restarts).
        </p>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

function DevActivity({
  project,
  dev,
  building,
  runningBuild,
}: {
  project: Project;
  dev: DevStatus | undefined;
  building: boolean;
  runningBuild: Compilation | undefined;
}) {
  if (building) {
    return (
      <span className="dev-activity" data-testid="dev-building">
        <span className="badge badge-running">
          <span className="badge-dot" aria-hidden />
          rebuilding…
        </span>
        {runningBuild && <BuildProgressBar compilation={runningBuild} />}
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
      Every save builds ({project.buildConfiguration}); the dev URL then moves to the new build without a failed call
      {project.restartOnFailure ? ', and a crashed service run is started again' : ''}.
    </span>
  );
}
