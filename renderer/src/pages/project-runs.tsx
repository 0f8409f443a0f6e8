import { StateBadge } from '../components/ui.js';
import { formatDuration, formatRelative, shortId } from '../format.js';
import { useNow, useRuns } from '../live-data.js';
import { href, navigate } from '../router.js';

/** The project's latest runs; a hot swap shows as a run that replaced another. */
export function ProjectRuns({ projectId, servingRun }: { projectId: string; servingRun: string | null }) {
  const runs = useRuns({ project: projectId, limit: 10 });
  const list = runs.data ?? [];
  const now = useNow(list.some((r) => r.state === 'running' || r.state === 'queued') ? 1000 : 30_000);
  return (
    <section className="panel" data-testid="project-runs">
      <h2>
        Runs{' '}
        <span className="small">
          <a href={href({ page: 'runs' })}>all runs</a>
        </span>
      </h2>
      {list.length === 0 ? (
        <p className="muted">No runs yet.</p>
      ) : (
        <table className="table table-compact">
          <thead>
            <tr>
              <th>State</th>
              <th>Run</th>
              <th className="col-optional">Mode</th>
              <th>Started</th>
              <th>Took</th>
              <th className="col-optional">Exit</th>
            </tr>
          </thead>
          <tbody>
            {list.map((run) => (
              <tr
                key={run.uuid}
                className="clickable"
                data-testid="project-run-row"
                data-run-id={run.uuid}
                onClick={() => navigate({ page: 'run', projectId, runId: run.uuid })}
              >
                <td>
                  <StateBadge state={run.state} />
                </td>
                <td>
                  <a
                    className="mono"
                    href={href({ page: 'run', projectId, runId: run.uuid })}
                    onClick={(e) => e.stopPropagation()}
                  >
                    {shortId(run.uuid)}
                  </a>
                  {run.replacesRun && (
                    <span className="muted small" data-testid="run-replaces">
                      {' '}
                      replaced {shortId(run.replacesRun)}
                    </span>
                  )}
                  {run.uuid === servingRun && (
                    <span className="tag" data-testid="run-serves-dev-url">
                      dev URL
                    </span>
                  )}
                </td>
                <td className="col-optional">
                  <span className={`mode mode-${run.mode}`}>{run.mode}</span>
                </td>
                <td>{formatRelative(run.startedAt ?? run.created, now)}</td>
                <td className="mono">{formatDuration(run.startedAt, run.finishedAt, now)}</td>
                <td className="mono col-optional">{run.exitCode ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
