import { useState } from 'react';
import { api, runLogsUrl, type Project, type Run } from '../api.js';
import { LogViewer } from '../components/log-viewer.js';
import { CodeBlock, CopyButton, ErrorNote, StateBadge } from '../components/ui.js';
import { formatDuration, formatTime } from '../format.js';
import { usePoll } from '../hooks.js';
import { href } from '../router.js';

const LIVE = new Set(['queued', 'running']);

export function RunDetail({ projectId, runId, projects }: { projectId: string; runId: string; projects: Project[] }) {
  const { data, error, reload } = usePoll(() => api.run(projectId, runId), 1000, [projectId, runId]);
  const [stopping, setStopping] = useState(false);
  const [stopError, setStopError] = useState<Error>();
  const run = data?.run;
  const project = projects.find((p) => p.id === projectId);
  if (!run) return <div className="page"><ErrorNote error={error} />{!error && <p className="muted">Loading…</p>}</div>;

  const proxyUrl = `${location.origin}/instances/${run.uuid}/api/`;
  const stop = async () => {
    setStopping(true);
    setStopError(undefined);
    try {
      await api.stopRun(projectId, runId);
      reload();
    } catch (err) {
      setStopError(err as Error);
    } finally {
      setStopping(false);
    }
  };

  return (
    <div className="page page-run" data-testid="run-detail" data-run-id={run.uuid}>
      <header className="page-header">
        <div>
          <p className="crumbs"><a href={href({ page: 'runs' })}>Runs</a> / <a href={href({ page: 'project', projectId })}>{project?.name ?? projectId}</a></p>
          <h1 className="run-title">
            <StateBadge state={run.state} testId="run-state" />
            <span className="mono">{run.uuid}</span>
          </h1>
        </div>
        <div className="toolbar">
          {LIVE.has(run.state) && (
            <button type="button" className="btn btn-danger" onClick={stop} disabled={stopping} data-testid="stop-run">
              {stopping ? 'Stopping…' : 'Stop'}
            </button>
          )}
        </div>
      </header>
      <ErrorNote error={stopError} />
      {run.errorSummary && <p className="error-note" data-testid="run-error">{run.errorSummary}</p>}
      {run.mode === 'service' && (
        <section className="panel proxy-panel">
          <div className="proxy-row">
            <span className="field-label">Proxy URL</span>
            <code className="proxy-url" data-testid="proxy-url">{proxyUrl}</code>
            <CopyButton text={proxyUrl} testId="copy-proxy-url" />
          </div>
          <CodeBlock testId="proxy-curl" code={`curl ${proxyUrl}hello \\\n  -H "X-API-Key: {API_KEY}"`} />
          {!LIVE.has(run.state) && <p className="muted">This run has ended; its proxy answers 409 instance_not_running.</p>}
        </section>
      )}
      <RunFields run={run} />
      <LogViewer url={runLogsUrl(projectId, runId)} downloadName={`run-${run.uuid}.log`} truncated={run.logsTruncated} onEnd={reload} emptyText={run.state === 'queued' ? 'Waiting for the container…' : 'No output yet.'} />
    </div>
  );
}

function RunFields({ run }: { run: Run }) {
  const rows: Array<[string, string]> = [
    ['state', run.state],
    ['phase', run.phase],
    ['mode', run.mode],
    ['project', run.project],
    ['compilation', run.compilation],
    ['targetName', run.targetName],
    ['binaryPath', run.binaryPath],
    ['dockerImage', run.dockerImage],
    ['arguments', run.arguments.length ? JSON.stringify(run.arguments) : '[]'],
    ['runTimeoutSeconds', String(run.runTimeoutSeconds)],
    ['containerPort', String(run.containerPort ?? '—')],
    ['hostPort', String(run.hostPort ?? '—')],
    ['publicAccess', String(run.publicAccess)],
    ['created', formatTime(run.created)],
    ['startedAt', formatTime(run.startedAt)],
    ['finishedAt', formatTime(run.finishedAt)],
    ['duration', formatDuration(run.startedAt, run.finishedAt)],
    ['exitCode', String(run.exitCode ?? '—')],
    ['logsTruncated', String(run.logsTruncated)],
  ];
  return (
    <dl className="fields" data-testid="run-fields">
      {rows.map(([k, v]) => (
        <div key={k} className="field-pair">
          <dt>{k}</dt>
          <dd className="mono" data-field={k} title={v}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
