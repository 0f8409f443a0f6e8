import { useState } from 'react';
import { api, type ConsoleRun, type Project, type RunState } from '../api.js';
import { CurlSnippet } from '../components/curl-snippet.js';
import { ConfirmDialog, EmptyState, ErrorNote, StateBadge } from '../components/ui.js';
import { formatDuration, formatRelative, shortId } from '../format.js';
import { useNow, useRuns } from '../live-data.js';
import { href, navigate } from '../router.js';

const STATES: RunState[] = ['queued', 'running', 'succeeded', 'failed', 'stopped', 'timedOut'];
const LIVE = new Set<RunState>(['queued', 'running']);

export function RunsPage({ projects, hasKeys }: { projects: Project[]; hasKeys: boolean }) {
  const [project, setProject] = useState('');
  const [state, setState] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<Error>();
  const runs = useRuns({ project, state, limit: 50 });
  // every live run (of the filtered project), whatever the state filter shows: what Stop all stops
  const running = useRuns({ project, state: 'running', limit: 50 });
  const queued = useRuns({ project, state: 'queued', limit: 50 });
  const live = [...(queued.data ?? []), ...(running.data ?? [])];
  const list = runs.data ?? [];
  const now = useNow(list.some((r) => LIVE.has(r.state)) ? 1000 : 30_000);
  const names = new Map(projects.map((p) => [p.id, p.name]));

  const stop = async (run: ConsoleRun) => {
    setError(undefined);
    try {
      await api.stopRun(run.project, run.uuid);
    } catch (err) {
      setError(err as Error);
    }
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1>Runs</h1>
        <div className="toolbar">
          <select
            value={project}
            onChange={(e) => setProject(e.target.value)}
            aria-label="Filter by project"
            data-testid="filter-project"
          >
            <option value="">All projects</option>
            {projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
          <select
            value={state}
            onChange={(e) => setState(e.target.value)}
            aria-label="Filter by state"
            data-testid="filter-state"
          >
            <option value="">All states</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => setConfirming(true)}
            disabled={live.length === 0}
            data-testid="stop-all"
          >
            Stop all{live.length ? ` (${live.length})` : ''}
          </button>
        </div>
      </header>
      <ErrorNote error={error ?? runs.error} />
      {projects.length === 0 ? (
        <EmptyState title="No projects yet" testId="runs-empty">
          <p>Runs appear here once a project has a successful build. Start with a bundled Swift example.</p>
          <a className="btn btn-primary" href={href({ page: 'projects' })}>
            Add the example project
          </a>
        </EmptyState>
      ) : runs.data && list.length === 0 ? (
        <EmptyState title={project || state ? 'No runs match these filters' : 'No runs yet'} testId="runs-empty">
          <p>Start a run from a project page, or call the API:</p>
          {!hasKeys && <p>It takes an API key: create one below and it goes into the command.</p>}
          <RunCurl project={projects.find((p) => p.id === project) ?? projects[0]!} />
        </EmptyState>
      ) : (
        <table className="table" data-testid="runs-table">
          <thead>
            <tr>
              <th>State</th>
              <th className="col-optional">Mode</th>
              <th>Project</th>
              <th>Run</th>
              <th>Started</th>
              <th>Duration</th>
              <th className="col-optional">Exit</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {list.map((run) => (
              <tr
                key={run.uuid}
                className="clickable"
                data-testid="run-row"
                data-run-id={run.uuid}
                tabIndex={0}
                onClick={() => navigate({ page: 'run', projectId: run.project, runId: run.uuid })}
                onKeyDown={(e) =>
                  e.key === 'Enter' && navigate({ page: 'run', projectId: run.project, runId: run.uuid })
                }
              >
                <td>
                  <StateBadge state={run.state} testId="run-state" />
                </td>
                <td className="col-optional">
                  <span className={`mode mode-${run.mode}`}>{run.mode}</span>
                </td>
                <td className="wrap">{names.get(run.project) ?? run.project.slice(0, 8)}</td>
                <td className="mono muted">
                  {shortId(run.uuid)}
                  {run.replacesRun && (
                    <span className="small" data-testid="run-replaces">
                      {' '}
                      replaced {shortId(run.replacesRun)}
                    </span>
                  )}
                </td>
                <td title={run.startedAt ? new Date(run.startedAt * 1000).toLocaleString() : ''}>
                  {formatRelative(run.startedAt ?? run.created, now)}
                </td>
                <td className="mono">{formatDuration(run.startedAt, run.finishedAt, now)}</td>
                <td className="mono col-optional">{run.exitCode ?? '—'}</td>
                <td className="actions">
                  {LIVE.has(run.state) && (
                    <button
                      type="button"
                      className="btn btn-small"
                      onClick={(e) => {
                        e.stopPropagation();
                        void stop(run);
                      }}
                      data-testid="row-stop"
                    >
                      Stop
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirming && <StopAllDialog live={live} names={names} onClose={() => setConfirming(false)} />}
    </div>
  );
}

function RunCurl({ project }: { project: Project }) {
  return (
    <CurlSnippet
      projectId={project.id}
      testId="runs-curl"
      code={(key) =>
        `curl -X POST ${location.origin}/lambdas/${project.id}/runs \\\n  -H "X-API-Key: ${key}" -H ` +
        `"Content-Type: application/json" \\\n  -d '{ "mode": "oneShot" }'`
      }
    />
  );
}

/** Says how many live runs of which projects Stop all ends, before it does. */
function StopAllDialog({
  live,
  names,
  onClose,
}: {
  live: ConsoleRun[];
  names: Map<string, string>;
  onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const byProject = new Map<string, ConsoleRun[]>();
  for (const run of live) byProject.set(run.project, [...(byProject.get(run.project) ?? []), run]);
  const count = (runs: ConsoleRun[], mode: ConsoleRun['mode']) => runs.filter((r) => r.mode === mode).length;

  const stopAll = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await Promise.all([...byProject.keys()].map((id) => api.stopAll(id)));
      onClose();
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };
  return (
    <ConfirmDialog
      title={`Stop ${live.length} live run${live.length === 1 ? '' : 's'}?`}
      confirmLabel={busy ? 'Stopping…' : `Stop ${live.length}`}
      onConfirm={stopAll}
      onClose={onClose}
      busy={busy || live.length === 0}
      error={error}
      testId="stop-all-dialog"
    >
      <p>Each gets SIGTERM, then is killed after its project's stop grace. Services stop answering their proxy URLs.</p>
      <ul className="stop-all-list" data-testid="stop-all-projects">
        {[...byProject].map(([id, runs]) => {
          const services = count(runs, 'service');
          const oneShots = count(runs, 'oneShot');
          return (
            <li key={id} data-testid="stop-all-project" data-project-id={id}>
              <strong>{names.get(id) ?? shortId(id)}</strong>: {runs.length} run{runs.length === 1 ? '' : 's'}
              <span className="muted">
                {' '}
                ({[services && `${services} service`, oneShots && `${oneShots} oneShot`].filter(Boolean).join(', ')})
              </span>
            </li>
          );
        })}
      </ul>
    </ConfirmDialog>
  );
}
