import { useState } from 'react';
import { api, type Project, type Run, type RunState } from '../api.js';
import { EmptyState, ErrorNote, StateBadge } from '../components/ui.js';
import { formatDuration, formatRelative, shortId } from '../format.js';
import { usePoll } from '../hooks.js';
import { href, navigate } from '../router.js';

const STATES: RunState[] = ['queued', 'running', 'succeeded', 'failed', 'stopped', 'timedOut'];
const LIVE = new Set<RunState>(['queued', 'running']);

export function RunsPage({ projects, hasKeys }: { projects: Project[]; hasKeys: boolean }) {
  const [project, setProject] = useState('');
  const [state, setState] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const runs = usePoll(() => api.allRuns({ project, state, limit: 50 }), 700, [project, state]);
  const names = new Map(projects.map((p) => [p.id, p.name]));
  const live = (runs.data?.runs ?? []).filter((r) => LIVE.has(r.state));

  const stop = async (run: Run) => {
    setError(undefined);
    try {
      await api.stopRun(run.project, run.uuid);
      runs.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const stopAll = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const targets = project ? [project] : [...new Set(live.map((r) => r.project))];
      await Promise.all(targets.map((id) => api.stopAll(id)));
      runs.reload();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1>Runs</h1>
        <div className="toolbar">
          <select value={project} onChange={(e) => setProject(e.target.value)} aria-label="Filter by project" data-testid="filter-project">
            <option value="">All projects</option>
            {projects.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
          <select value={state} onChange={(e) => setState(e.target.value)} aria-label="Filter by state" data-testid="filter-state">
            <option value="">All states</option>
            {STATES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
          <button type="button" className="btn btn-danger" onClick={stopAll} disabled={busy || live.length === 0} data-testid="stop-all">
            Stop all{live.length ? ` (${live.length})` : ''}
          </button>
        </div>
      </header>
      <ErrorNote error={error ?? runs.error} />
      {projects.length === 0 ? (
        <EmptyState title="No projects yet" testId="runs-empty">
          <p>Runs appear here once a project has a successful build. Start with a bundled Swift example.</p>
          <a className="btn btn-primary" href={href({ page: 'projects' })}>Add the example project</a>
        </EmptyState>
      ) : runs.data && runs.data.runs.length === 0 ? (
        <EmptyState title={project || state ? 'No runs match these filters' : 'No runs yet'} testId="runs-empty">
          <p>Start a run from a project page, or call the API:</p>
          {!hasKeys && <p>First <a href={href({ page: 'keys' })}>create an API key</a>.</p>}
          <pre className="inline-code">{`curl -X POST ${location.origin}/lambdas/{LAMBDA_ID}/runs \\\n  -H "X-API-Key: {API_KEY}" -H "Content-Type: application/json" \\\n  -d '{ "mode": "oneShot" }'`}</pre>
        </EmptyState>
      ) : (
        <table className="table" data-testid="runs-table">
          <thead>
            <tr>
              <th>State</th><th>Mode</th><th>Project</th><th>Run</th><th>Started</th><th>Duration</th><th>Exit</th><th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {(runs.data?.runs ?? []).map((run) => (
              <tr
                key={run.uuid}
                className="clickable"
                data-testid="run-row"
                data-run-id={run.uuid}
                tabIndex={0}
                onClick={() => navigate({ page: 'run', projectId: run.project, runId: run.uuid })}
                onKeyDown={(e) => e.key === 'Enter' && navigate({ page: 'run', projectId: run.project, runId: run.uuid })}
              >
                <td><StateBadge state={run.state} testId="run-state" /></td>
                <td><span className={`mode mode-${run.mode}`}>{run.mode}</span></td>
                <td>{names.get(run.project) ?? run.project.slice(0, 8)}</td>
                <td className="mono muted">
                  {shortId(run.uuid)}
                  {run.replacesRun && <span className="small" data-testid="run-replaces"> replaced {shortId(run.replacesRun)}</span>}
                </td>
                <td title={run.startedAt ? new Date(run.startedAt * 1000).toLocaleString() : ''}>{formatRelative(run.startedAt ?? run.created)}</td>
                <td className="mono">{formatDuration(run.startedAt, run.finishedAt)}</td>
                <td className="mono">{run.exitCode ?? '—'}</td>
                <td className="actions">
                  {LIVE.has(run.state) && (
                    <button type="button" className="btn btn-small" onClick={(e) => { e.stopPropagation(); void stop(run); }} data-testid="row-stop">Stop</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
