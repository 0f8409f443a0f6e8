import { api } from '../api.js';
import { StateBadge } from '../components/ui.js';
import { formatDuration, formatRelative, shortId } from '../format.js';
import { usePoll } from '../hooks.js';
import { href, navigate } from '../router.js';

/** The project's latest runs; a hot swap shows as a run that replaced another. */
export function ProjectRuns({ projectId, servingRun }: { projectId: string; servingRun: string | null }) {
  const runs = usePoll(() => api.allRuns({ project: projectId, limit: 10 }), 1500, [projectId]);
  const list = runs.data?.runs ?? [];
  return (
    <section className="panel" data-testid="project-runs">
      <h2>Runs <span className="small"><a href={href({ page: 'runs' })}>all runs</a></span></h2>
      {list.length === 0 ? (
        <p className="muted">No runs yet.</p>
      ) : (
        <table className="table table-compact">
          <thead><tr><th>State</th><th>Run</th><th>Mode</th><th>Started</th><th>Took</th><th>Exit</th></tr></thead>
          <tbody>
            {list.map((run) => (
              <tr key={run.uuid} className="clickable" data-testid="project-run-row" data-run-id={run.uuid}
                onClick={() => navigate({ page: 'run', projectId, runId: run.uuid })}>
                <td><StateBadge state={run.state} /></td>
                <td>
                  <a className="mono" href={href({ page: 'run', projectId, runId: run.uuid })} onClick={(e) => e.stopPropagation()}>{shortId(run.uuid)}</a>
                  {run.replacesRun && <span className="muted small" data-testid="run-replaces"> replaced {shortId(run.replacesRun)}</span>}
                  {run.uuid === servingRun && <span className="tag" data-testid="run-serves-dev-url">dev URL</span>}
                </td>
                <td><span className={`mode mode-${run.mode}`}>{run.mode}</span></td>
                <td>{formatRelative(run.startedAt ?? run.created)}</td>
                <td className="mono">{formatDuration(run.startedAt, run.finishedAt)}</td>
                <td className="mono">{run.exitCode ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
