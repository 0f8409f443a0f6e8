import { useEffect, useState } from 'react';
import { consoleApi, type AwsBody, type AwsInvocation, type Project } from '../api.js';
import { LogViewer } from '../components/log-viewer.js';
import { EmptyState, ErrorNote } from '../components/ui.js';
import { formatRelative } from '../format.js';
import { useInvocations, useNow } from '../live-data.js';

const functionLogUrl = (projectId: string) =>
  `/console/api/projects/${encodeURIComponent(projectId)}/function-log?follow=true`;

/** The body as it is best read: JSON indented, other text as is, binary as base64. */
function bodyText(body: AwsBody | null): string {
  if (!body) return '';
  if (body.base64 !== undefined) return `base64: ${body.base64}`;
  const text = body.text ?? '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function result(inv: AwsInvocation): { label: string; tone: 'ok' | 'error' | 'live' } {
  if (inv.state === 'queued' || inv.state === 'running') return { label: inv.state, tone: 'live' };
  if (inv.state === 'succeeded') return { label: 'success', tone: 'ok' };
  return { label: inv.errorType ?? inv.state, tone: 'error' };
}

/** How it was called: `GET /hello` through the function URL, else the Invoke API or the console. */
function callOf(inv: AwsInvocation): string {
  if (inv.http) return `${inv.http.method} ${inv.http.path}`;
  return inv.source === 'api' ? 'Invoke API' : 'console';
}

const ms = (n: number | null) => (n === null ? '—' : `${n < 10 ? n.toFixed(2) : Math.round(n)} ms`);

/**
 * AWS Lambda mode (docs/api.md#aws-lambda-mode): invoke the function with a payload, its latest invocations (request
 * id, cold or warm, duration, result), one's payload, response and log tail, and invoking it again.
 */
export function InvocationsPanel({ project, canInvoke }: { project: Project; canInvoke: boolean }) {
  const invocations = useInvocations(project.id);
  const [selected, setSelected] = useState<string>();
  const list = invocations.data ?? [];
  const now = useNow(30_000);
  const chosen = list.find((i) => i.requestId === selected) ?? list[0];

  return (
    <section className="panel invocations" data-testid="invocations">
      <h2>Invocations</h2>
      <InvokeForm project={project} canInvoke={canInvoke} onInvoked={(inv) => setSelected(inv.requestId)} />
      <ErrorNote error={invocations.error} />
      {list.length === 0 ? (
        <EmptyState title="No invocations yet" testId="invocations-empty">
          <p>Invoke it above, or through AWS's Invoke API with the AWS CLI, an SDK or curl (below).</p>
        </EmptyState>
      ) : (
        <div className="invocations-split">
          <table className="table table-compact" data-testid="invocations-table">
            <thead>
              <tr>
                <th>Request id</th>
                <th>Received</th>
                <th>Start</th>
                <th>Call</th>
                <th>Duration</th>
                <th>Result</th>
              </tr>
            </thead>
            <tbody>
              {list.map((inv) => {
                const r = result(inv);
                return (
                  <tr
                    key={inv.requestId}
                    className={`clickable${inv.requestId === chosen?.requestId ? ' selected' : ''}`}
                    onClick={() => setSelected(inv.requestId)}
                    data-testid="invocation-row"
                    data-request-id={inv.requestId}
                    data-state={inv.state}
                  >
                    <td className="mono" title={inv.requestId}>
                      {inv.requestId.slice(0, 8)}
                    </td>
                    <td>{formatRelative(Math.floor(inv.receivedAt / 1000), now)}</td>
                    <td data-testid="invocation-start">
                      {inv.coldStart === null ? (
                        '—'
                      ) : inv.coldStart ? (
                        <span className="tag tag-cold">cold</span>
                      ) : (
                        'warm'
                      )}
                    </td>
                    <td className="mono wrap-anywhere" data-testid="invocation-call">
                      {callOf(inv)}
                    </td>
                    <td className="mono">{ms(inv.durationMs)}</td>
                    <td className={`result-${r.tone}`} data-testid="invocation-result">
                      {r.label}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {chosen && (
            <InvocationDetail
              key={chosen.requestId}
              projectId={project.id}
              summary={chosen}
              onInvoked={(inv) => setSelected(inv.requestId)}
            />
          )}
        </div>
      )}
      <h2 className="section-gap">Function log</h2>
      <LogViewer
        url={functionLogUrl(project.id)}
        downloadName={`function-${project.id}.log`}
        testId="function-log"
        emptyText="No output yet: the first invocation starts a container."
      />
    </section>
  );
}

function InvokeForm({
  project,
  canInvoke,
  onInvoked,
}: {
  project: Project;
  canInvoke: boolean;
  onInvoked: (inv: AwsInvocation) => void;
}) {
  const [payload, setPayload] = useState('{}');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const invoke = async () => {
    setBusy(true);
    setError(undefined);
    try {
      onInvoked((await consoleApi.invoke(project.id, { payload })).invocation);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="invoke-form"
      onSubmit={(e) => {
        e.preventDefault();
        void invoke();
      }}
      data-testid="invoke-form"
    >
      <label className="field">
        <span className="field-label">Event (JSON) · Ctrl+Enter invokes</span>
        <textarea
          className="mono"
          rows={3}
          value={payload}
          onChange={(e) => setPayload(e.target.value)}
          spellCheck={false}
          data-testid="invoke-payload"
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void invoke();
            }
          }}
        />
      </label>
      <div className="form-actions">
        {!canInvoke && <span className="muted small">Build the project first.</span>}
        <button type="submit" className="btn btn-primary" disabled={busy || !canInvoke} data-testid="invoke">
          {busy ? 'Invoking…' : 'Invoke'}
        </button>
      </div>
      <ErrorNote error={error} testId="invoke-error" />
    </form>
  );
}

/** One invocation with its bodies (loaded again when it changes: the stream carries no bodies). */
function InvocationDetail({
  projectId,
  summary,
  onInvoked,
}: {
  projectId: string;
  summary: AwsInvocation;
  onInvoked: (inv: AwsInvocation) => void;
}) {
  const [full, setFull] = useState<AwsInvocation>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let alive = true;
    consoleApi.invocation(projectId, summary.requestId).then(
      (r) => {
        if (alive) setFull(r.invocation);
      },
      (err: Error) => {
        if (alive) setError(err);
      },
    );
    return () => {
      alive = false;
    };
  }, [projectId, summary.requestId, summary.state]);
  const inv = full ?? summary;
  const again = inv.payload.text !== undefined && !inv.payload.truncated ? inv.payload.text : null;
  const invokeAgain = async () => {
    if (again === null) return;
    setBusy(true);
    setError(undefined);
    try {
      onInvoked((await consoleApi.invoke(projectId, { payload: again, type: inv.type })).invocation);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const r = result(inv);
  return (
    <div className="invocation-detail" data-testid="invocation-detail" data-request-id={inv.requestId}>
      <div className="invocation-head">
        <code className="mono wrap-anywhere">{inv.requestId}</code>
        <button
          type="button"
          className="btn btn-small"
          onClick={invokeAgain}
          disabled={busy || again === null}
          data-testid="invoke-again"
          title={again === null ? 'The payload was too large to keep' : 'Sends the same event again'}
        >
          {busy ? 'Invoking…' : 'Invoke again'}
        </button>
      </div>
      <dl className="invocation-facts">
        <dt>Result</dt>
        <dd className={`result-${r.tone}`}>
          {r.label}
          {inv.errorMessage ? `: ${inv.errorMessage}` : ''}
        </dd>
        <dt>Start</dt>
        <dd>{inv.coldStart === null ? '—' : inv.coldStart ? `cold (init ${ms(inv.initDurationMs)})` : 'warm'}</dd>
        <dt>Duration</dt>
        <dd className="mono">
          {ms(inv.durationMs)} · billed {ms(inv.billedDurationMs)}
        </dd>
        <dt>Memory</dt>
        <dd className="mono">{inv.maxMemoryUsedMb === null ? '—' : `${inv.maxMemoryUsedMb} MB`}</dd>
        <dt>Type</dt>
        <dd>
          {inv.type} · from{' '}
          {inv.source === 'api' ? 'the Invoke API' : inv.source === 'url' ? 'the function URL' : 'the console'}
        </dd>
        {inv.http && (
          <>
            <dt>HTTP</dt>
            <dd className="mono wrap-anywhere" data-testid="invocation-http">
              {inv.http.method} {inv.http.path}
              {inv.http.query ? `?${inv.http.query}` : ''} → {inv.http.status ?? '…'}
            </dd>
          </>
        )}
      </dl>
      <ErrorNote error={error} />
      <span className="field-label">
        Payload{inv.payload.truncated ? ` (first 64 KiB of ${inv.payload.bytes} bytes)` : ''}
      </span>
      <pre className="inline-code body-block" data-testid="invocation-payload">
        {bodyText(inv.payload) || '—'}
      </pre>
      <span className="field-label">
        Response{inv.response?.truncated ? ` (first 64 KiB of ${inv.response.bytes} bytes)` : ''}
      </span>
      <pre className="inline-code body-block" data-testid="invocation-response">
        {bodyText(inv.response) || (inv.state === 'queued' || inv.state === 'running' ? 'waiting…' : '—')}
      </pre>
      {inv.logTail && (
        <>
          <span className="field-label">Log</span>
          <pre className="inline-code body-block">{inv.logTail}</pre>
        </>
      )}
    </div>
  );
}
