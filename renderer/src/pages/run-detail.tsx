import { useState } from 'react';
import { api, runLogsUrl, type ConsoleRun, type Project } from '../api.js';
import { CrashPanel } from '../components/crash-panel.js';
import { CurlSnippet } from '../components/curl-snippet.js';
import { DebugPanel } from '../components/debug-panel.js';
import { LogViewer } from '../components/log-viewer.js';
import { RequestLog } from '../components/request-log.js';
import { RunStats } from '../components/stats-chart.js';
import { TerminalPanel } from '../components/terminal-panel.js';
import { CopyButton, ErrorNote, StateBadge } from '../components/ui.js';
import { formatBytes, formatDuration, formatTime, shortId } from '../format.js';
import { useRun } from '../live-data.js';
import { href } from '../router.js';
import './run-detail.css';

const LIVE = new Set(['queued', 'running']);

/**
 * One run: its state live from the change stream, why it died, its CPU and memory, its log and,
 * for a service, every call that reached it. Another run is another page: nothing of this one's
 * state (log lines, samples, the selected call) is shown under the next one's id.
 */
export function RunDetail(props: { projectId: string; runId: string; projects: readonly Project[] }) {
  return <RunPage key={props.runId} {...props} />;
}

function RunPage({ projectId, runId, projects }: { projectId: string; runId: string; projects: readonly Project[] }) {
  const { data: run, error, reload } = useRun(runId);
  const [stopping, setStopping] = useState(false);
  const [stopError, setStopError] = useState<Error>();
  const project = projects.find((p) => p.id === projectId);
  if (run === null) {
    return (
      <div className="page">
        <p className="error-note" role="alert" data-testid="run-gone">
          This run no longer exists (its project or the run was deleted).
        </p>
        <p>
          <a href={href({ page: 'runs' })}>Back to the runs list</a>
        </p>
      </div>
    );
  }
  if (!run)
    return (
      <div className="page">
        <ErrorNote error={error} />
        {!error && <p className="muted">Loading…</p>}
      </div>
    );

  const live = LIVE.has(run.state);
  const proxyUrl = `${location.origin}/instances/${run.uuid}/api/`;
  const stop = async () => {
    setStopping(true);
    setStopError(undefined);
    try {
      await api.stopRun(projectId, runId);
    } catch (err) {
      setStopError(err as Error);
    } finally {
      setStopping(false);
    }
  };

  return (
    <div className="page page-run" data-testid="run-detail" data-run-id={run.uuid} data-mode={run.mode}>
      <header className="page-header">
        <div>
          <p className="crumbs">
            <a href={href({ page: 'runs' })}>Runs</a> /{' '}
            <a href={href({ page: 'project', projectId })}>{project?.name ?? projectId}</a>
          </p>
          <h1 className="run-title">
            <StateBadge state={run.state} testId="run-state" />
            <span className="mono">{run.uuid}</span>
          </h1>
          {run.replacesRun && (
            <p className="crumbs run-replaces">
              replaced{' '}
              <a href={href({ page: 'run', projectId, runId: run.replacesRun })} data-testid="run-replaced-link">
                {shortId(run.replacesRun)}
              </a>{' '}
              in a hot swap
            </p>
          )}
        </div>
        <div className="toolbar">
          {live && (
            <button type="button" className="btn btn-danger" onClick={stop} disabled={stopping} data-testid="stop-run">
              {stopping ? 'Stopping…' : 'Stop'}
            </button>
          )}
        </div>
      </header>
      <ErrorNote error={stopError} />
      {run.errorSummary && (
        <p className="error-note" data-testid="run-error">
          {run.errorSummary}
        </p>
      )}
      {run.crash && <CrashPanel crash={run.crash} sourcePath={project?.sourcePath} />}
      {run.debug && live && <DebugPanel run={run} />}
      {run.mode === 'service' && (
        <section className="panel proxy-panel">
          <div className="proxy-row">
            <span className="field-label">Proxy URL</span>
            <code className="proxy-url" data-testid="proxy-url">
              {proxyUrl}
            </code>
            <CopyButton text={proxyUrl} testId="copy-proxy-url" />
          </div>
          <CurlSnippet
            projectId={run.project}
            testId="proxy-curl"
            code={(secret) => `curl ${proxyUrl}hello \\\n  -H "X-API-Key: ${secret}"`}
          />
          {!live && <p className="muted">This run has ended; its proxy answers 409 instance_not_running.</p>}
        </section>
      )}
      {(run.startedAt !== null || live) && (
        <RunStats runId={run.uuid} running={run.state === 'running'} peakMemoryBytes={run.peakMemoryBytes} />
      )}
      <div className={`run-body${run.mode === 'service' ? ' run-body-service' : ''}`}>
        <LogViewer
          url={runLogsUrl(projectId, runId)}
          downloadName={`run-${run.uuid}.log`}
          truncated={run.logsTruncated}
          onEnd={reload}
          emptyText={run.state === 'queued' ? 'Waiting for the container…' : 'No output yet.'}
        />
        {run.mode === 'service' && <RequestLog run={run} />}
      </div>
      {run.state === 'running' && <TerminalPanel runId={run.uuid} />}
      <RunFields run={run} />
    </div>
  );
}

function RunFields({ run }: { run: ConsoleRun }) {
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
    ['peakMemory', formatBytes(run.peakMemoryBytes)],
    ['startedBy', run.startedBy],
    ['logsTruncated', String(run.logsTruncated)],
  ];
  return (
    <dl className="fields" data-testid="run-fields">
      {rows.map(([k, v]) => (
        <div key={k} className="field-pair">
          <dt>{k}</dt>
          <dd className="mono" data-field={k} title={v}>
            {v}
          </dd>
        </div>
      ))}
    </dl>
  );
}
