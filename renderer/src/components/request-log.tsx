import { useEffect, useState, type ReactNode } from 'react';
import { runApi, type ConsoleRun, type Key, type LoggedRequest } from '../api.js';
import { curlCommand } from '../curl.js';
import { formatBytes, formatClock } from '../format.js';
import { useKeys, useLiveResource, type LoggedRequestSummary } from '../live-data.js';
import { useSessionKeys } from '../session-keys.js';
import { KEY_VARIABLE } from './curl-snippet.js';
import { BodyView } from './request-body.js';
import { CopyButton, ErrorNote } from './ui.js';

/** The server keeps the last 500 calls of a run. */
const KEPT = 500;

/** A row: a full record from the list route, or a summary (no headers, no bodies) from the stream. */
type Row = LoggedRequestSummary | LoggedRequest;
const isFull = (row: Row): row is LoggedRequest => 'requestHeaders' in row;

/**
 * Every call that reached a run through its proxy or the dev URL (docs/api.md#live-data), newest first, live
 * from the console's event stream; the selected one's headers and bodies, Replay, Copy as curl.
 */
export function RequestLog({ run }: { run: ConsoleRun }) {
  const runId = run.uuid;
  const apiKey = useKnownSecret(run.project);
  const log = useLiveResource<readonly Row[]>(
    () => runApi.requests(runId, KEPT).then((r) => r.requests),
    (rows, event) =>
      event.type === 'requests' && event.data.run === runId
        ? mergeNewestFirst([...event.data.requests].reverse(), rows)
        : rows,
    [runId],
  );
  const rows = log.data ?? [];
  const [selectedId, setSelectedId] = useState<string | null>(null);

  const selected = rows.find((r) => r.id === selectedId) ?? null;
  // the stream carries summaries: the headers and bodies come from the list route when asked for
  const wantsDetail = selected !== null && !isFull(selected);
  const { reload } = log;
  useEffect(() => {
    if (wantsDetail) reload();
  }, [wantsDetail, selectedId, reload]);

  const onReplayed = (record: LoggedRequest) => {
    setSelectedId(record.id);
    reload();
  };
  const loaded = log.data !== undefined;
  const error = log.error;

  return (
    <section className="panel request-log" data-testid="request-log" data-count={rows.length}>
      <h2>
        Requests{' '}
        <span className="muted small">
          {rows.length ? `${rows.length}${rows.length >= KEPT ? ' (the newest kept)' : ''}` : ''}
        </span>
      </h2>
      <ErrorNote error={error} />
      {rows.length === 0 ? (
        <p className="muted small request-empty" data-testid="requests-empty">
          {loaded
            ? 'No calls yet. Calls to the proxy URL (or the dev URL while this run serves it) appear here as they happen.'
            : 'Loading…'}
        </p>
      ) : (
        <div className="request-table-scroll">
          <table className="table table-compact request-table">
            <thead>
              <tr>
                <th>Method</th>
                <th>Path</th>
                <th>Status</th>
                <th className="num">Time</th>
                <th className="num">Sent / got</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr
                  key={row.id}
                  className={`clickable${row.id === selectedId ? ' selected' : ''}`}
                  onClick={() => setSelectedId(row.id === selectedId ? null : row.id)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' || e.key === ' ') {
                      e.preventDefault();
                      setSelectedId(row.id === selectedId ? null : row.id);
                    }
                  }}
                  tabIndex={0}
                  aria-selected={row.id === selectedId}
                  data-testid="request-row"
                  data-request-id={row.id}
                  data-status={row.status}
                  title={`${formatClock(row.at)}${row.via === 'dev' ? ' · through the dev URL' : ''}`}
                >
                  <td className="mono">{row.method}</td>
                  <td className="mono ellipsis" title={pathOf(row)}>
                    {pathOf(row)}
                    {row.via === 'dev' && <span className="tag">dev</span>}
                  </td>
                  <td>
                    <StatusCode status={row.status} />
                    {row.reason && (
                      <span className="request-reason mono" data-testid="request-reason">
                        {row.reason}
                      </span>
                    )}
                  </td>
                  <td className="num mono">{formatMs(row.durationMs)}</td>
                  <td className="num mono muted">
                    {formatBytes(row.requestBytes)} / {formatBytes(row.responseBytes)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected && (
        <RequestDetail
          key={selected.id}
          row={selected}
          run={run}
          apiKey={apiKey}
          onReplayed={onReplayed}
          onClose={() => setSelectedId(null)}
        />
      )}
    </section>
  );
}

function RequestDetail({
  row,
  run,
  apiKey,
  onReplayed,
  onClose,
}: {
  row: Row;
  run: ConsoleRun;
  apiKey: string | undefined;
  onReplayed: (record: LoggedRequest) => void;
  onClose: () => void;
}) {
  const [replaying, setReplaying] = useState(false);
  const [error, setError] = useState<Error>();
  const live = run.state === 'running';
  const replay = async () => {
    setReplaying(true);
    setError(undefined);
    try {
      onReplayed((await runApi.replay(run.uuid, row.id)).request);
    } catch (err) {
      setError(err as Error);
    } finally {
      setReplaying(false);
    }
  };
  const baseUrl =
    row.via === 'dev'
      ? `${location.origin}/dev/${encodeURIComponent(run.project)}/api`
      : `${location.origin}/instances/${encodeURIComponent(run.uuid)}/api`;
  return (
    <div className="request-detail" data-testid="request-detail" data-request-id={row.id}>
      <div className="request-detail-head">
        <span className="mono request-line">
          {row.method} {pathOf(row)} → <StatusCode status={row.status} />
          {row.reason && <span className="request-reason">{row.reason}</span>} in {formatMs(row.durationMs)}
          <span className="muted"> · {formatClock(row.at)}</span>
        </span>
        <div className="toolbar">
          <button
            type="button"
            className="btn btn-small btn-primary"
            onClick={replay}
            disabled={replaying || !live || !isFull(row)}
            title={live ? 'Send this call to the run again' : 'The run has ended: nothing to send it to'}
            data-testid="request-replay"
          >
            {replaying ? 'Replaying…' : 'Replay'}
          </button>
          {isFull(row) && (
            <CopyButton
              text={curlCommand(row, { baseUrl, key: apiKey ?? KEY_VARIABLE, needsKey: !run.publicAccess })}
              label="Copy as curl"
              testId="request-copy-curl"
            />
          )}
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={onClose}
            aria-label="Close the call's details"
          >
            ✕
          </button>
        </div>
      </div>
      <ErrorNote error={error} />
      {!isFull(row) ? (
        <p className="muted small">Loading headers and bodies…</p>
      ) : (
        <div className="request-sides">
          <RequestSide
            title="Request"
            headers={row.requestHeaders}
            body={
              <BodyView
                body={row.requestBody}
                bytes={row.requestBytes}
                contentType={header(row.requestHeaders, 'content-type')}
                testId="request-body"
              />
            }
            testId="request-headers"
          />
          <RequestSide
            title="Response"
            headers={row.responseHeaders}
            body={
              <BodyView
                body={row.responseBody}
                bytes={row.responseBytes}
                contentType={header(row.responseHeaders, 'content-type')}
                testId="response-body"
              />
            }
            testId="response-headers"
          />
        </div>
      )}
    </div>
  );
}

function RequestSide({
  title,
  headers,
  body,
  testId,
}: {
  title: string;
  headers: Array<[string, string]>;
  body: ReactNode;
  testId: string;
}) {
  return (
    <div className="request-side">
      <h3>{title}</h3>
      {headers.length === 0 ? (
        <p className="muted small" data-testid={testId}>
          No headers.
        </p>
      ) : (
        <dl className="header-list" data-testid={testId}>
          {headers.map(([name, value], i) => (
            <div key={i} className="header-pair" data-testid="header" data-name={name.toLowerCase()}>
              <dt className="mono">{name}</dt>
              <dd className={`mono${value.includes('[redacted]') ? ' redacted' : ''}`}>{value}</dd>
            </div>
          ))}
        </dl>
      )}
      {body}
    </div>
  );
}

/**
 * The secret a copied command carries: the key the page's curl snippet uses (chosen, or created or
 * pasted in this tab) when it may call this project; else none, and the command reads
 * $SWIFTLAMBDA_API_KEY like the other snippets.
 */
function useKnownSecret(projectId: string): string | undefined {
  const keys = useKeys();
  const session = useSessionKeys();
  const usable = (k: Key) =>
    !k.revokedAt &&
    !(k.expiresAt && k.expiresAt * 1000 <= Date.now()) &&
    (!k.projects || k.projects.includes(projectId));
  const candidates = (keys.data ?? []).filter((k) => usable(k) && session.secretOf(k.id));
  const key = candidates.find((k) => k.id === session.chosen) ?? candidates[0];
  return key ? session.secretOf(key.id) : undefined;
}

function StatusCode({ status }: { status: number }) {
  const kind = status === 0 ? 'none' : `${Math.floor(status / 100)}xx`;
  return (
    <span className={`status-code status-${kind} mono`} data-testid="request-status">
      {status === 0 ? 'cut' : status}
    </span>
  );
}

/** `incoming` (newest first) put before what is not already there; a full record replaces its summary. */
function mergeNewestFirst(incoming: readonly Row[], current: readonly Row[]): Row[] {
  const byId = new Map(incoming.map((r) => [r.id, r]));
  const kept = current.map((r) => {
    const update = byId.get(r.id);
    if (!update) return r;
    byId.delete(r.id);
    return isFull(update) || !isFull(r) ? update : r;
  });
  const fresh = incoming.filter((r) => byId.has(r.id));
  return [...fresh, ...kept].sort((a, b) => Number(b.id) - Number(a.id) || b.at - a.at).slice(0, KEPT);
}

function pathOf(row: Row): string {
  return row.query ? `${row.path}?${row.query}` : row.path;
}

function header(headers: Array<[string, string]>, name: string): string | null {
  return headers.find(([n]) => n.toLowerCase() === name)?.[1] ?? null;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
