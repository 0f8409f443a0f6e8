import type { LoggedBody, LoggedRequest } from '../../contract/types.js';
import { REDACTED, type Redactor } from '../../domain/redact.js';
import { AppError } from '../../errors.js';
import type { RunsService } from '../runs/index.js';
import { redactedBody } from './call-recorder.js';
import type { CallerCredentials } from './credentials.js';
import { isHopByHop } from './hop-by-hop.js';
import { BodyCapture, RequestRecord, type RequestLog } from './request-log.js';
import type { InstanceUpstream } from './upstream.js';

/** What "Edit and replay" changes of a logged call; what is left out is sent as logged. */
export interface ReplayEdit {
  readonly method?: string;
  /** the path after the run's `/api` prefix, with its query */
  readonly path?: string;
  /** replaces the logged headers (what the log redacted is not among them) */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  /** the body as UTF-8 text */
  readonly body?: string;
}

export interface ReplayDeps {
  readonly runs: RunsService;
  readonly requests: RequestLog;
  readonly upstream: InstanceUpstream;
  readonly redactor: Redactor;
  readonly credentials: CallerCredentials;
  readonly sessionCookie: string;
}

/**
 * Sends a logged call to its run again, as it was sent or as edited, and returns the new record.
 * What the log redacted is left out (never sent as `[redacted]`), and so are the emulator's own
 * credentials (an API key, the console token, the session cookie) an edit may carry: the console
 * is the caller, and user code never sees them (docs/decisions/0085).
 */
export async function replayCall(
  deps: ReplayDeps,
  runId: string,
  id: string,
  edit: ReplayEdit = {},
): Promise<LoggedRequest> {
  const logged = deps.requests.get(runId, id);
  if (!logged) throw new AppError('request_not_found', `no logged call ${id} for run ${runId}`);
  if (edit.body === undefined && logged.requestBody === null && logged.requestBytes > 0) {
    throw new AppError('request_not_replayable', 'the request body was larger than the log keeps (64 KiB)');
  }
  const run = deps.runs.find(runId)?.run;
  if (!run || run.state !== 'running' || !run.hostPort)
    throw new AppError('instance_not_running', `the run is ${run?.state ?? 'gone'}`);

  const method = edit.method ?? logged.method;
  const [path, query] =
    edit.path !== undefined ? splitPath(edit.path, deps.redactor) : [logged.path, withoutRedactedParams(logged.query)];
  const headers = sendable(
    edit.headers ? edit.headers.map(([n, v]): [string, string] => [n, v]) : withoutRedacted(logged.requestHeaders),
    deps,
  );
  const loggedHeaders = edit.headers ? [...headers] : logged.requestHeaders;
  headers.push(
    ['x-forwarded-for', '127.0.0.1'],
    ['x-forwarded-proto', 'http'],
    ['x-forwarded-prefix', logged.via === 'dev' ? `/dev/${run.project}/api` : `/instances/${runId}/api`],
  );
  const body = edit.body !== undefined ? Buffer.from(edit.body) : bodyBytes(logged.requestBody);
  const requestBody: LoggedBody | null =
    edit.body !== undefined ? redactedBody({ text: edit.body }, deps.redactor) : logged.requestBody;

  const started = Date.now();
  const sent = new BodyCapture();
  if (body) sent.add(body);
  let answer: Awaited<ReturnType<InstanceUpstream['resend']>> | null = null;
  let reason: string | null = null;
  try {
    answer = await deps.upstream.resend(
      run.hostPort,
      method,
      query ? `${path}?${query}` : path,
      headers,
      body && body.length ? body : null,
    );
  } catch {
    reason = 'instance_unreachable';
  }
  const record = new RequestRecord(
    {
      id: deps.requests.newId(),
      at: started,
      method,
      path: deps.redactor.text(path),
      query: edit.path !== undefined ? deps.redactor.query(query) : logged.query,
      status: answer?.status ?? 0,
      durationMs: answer?.durationMs ?? Date.now() - started,
      requestBytes: sent.bytes,
      responseBytes: answer?.body.bytes ?? 0,
      reason,
      via: logged.via,
    },
    () => ({
      requestHeaders: loggedHeaders,
      requestBody,
      responseHeaders: answer?.headers ?? [],
      responseBody: redactedBody(answer?.body.body() ?? null, deps.redactor),
    }),
  );
  deps.requests.add(runId, record);
  return record.full();
}

/** An edited path and its query, without the query parameters that hold one of the emulator's secrets. */
function splitPath(pathAndQuery: string, redactor: Redactor): [string, string] {
  const at = pathAndQuery.indexOf('?');
  if (at < 0) return [pathAndQuery, ''];
  const kept = pathAndQuery
    .slice(at + 1)
    .split('&')
    .filter((part) => !redactor.holdsSecret(part) && !redactor.holdsSecret(decoded(part)));
  return [pathAndQuery.slice(0, at), kept.join('&')];
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

function bodyBytes(body: LoggedBody | null): Buffer | null {
  if (body === null) return null;
  return 'text' in body ? Buffer.from(body.text) : Buffer.from(body.base64, 'base64');
}

function withoutRedactedParams(query: string): string {
  return query
    .split('&')
    .filter((part) => !part.includes(REDACTED))
    .join('&');
}

/** Logged headers without what the log redacted: whole headers, and redacted pairs of a Cookie. */
function withoutRedacted(headers: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    if (!value.includes(REDACTED)) out.push([name, value]);
    else if (name.toLowerCase() === 'cookie') {
      const kept = value
        .split(';')
        .map((pair) => pair.trim())
        .filter((pair) => pair !== '' && !pair.includes(REDACTED));
      if (kept.length) out.push([name, kept.join('; ')]);
    }
  }
  return out;
}

/**
 * The headers a replay sends: not the ones undici and the replay set themselves, not hop-by-hop
 * ones, and none of the emulator's credentials (the proxy's own rules, and any value holding a key
 * or the console token).
 */
function sendable(headers: Array<[string, string]>, deps: ReplayDeps): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (REPLAY_DROPPED.has(lower) || isHopByHop(lower, null) || value.includes(REDACTED)) continue;
    if (lower === 'authorization' && deps.credentials.isCredentialAuthorization(value)) continue;
    if (lower === 'cookie') {
      const kept = deps.credentials.cookieWithoutSession(value);
      if (kept !== undefined && !deps.redactor.holdsSecret(kept)) out.push([name, kept]);
      continue;
    }
    if (deps.redactor.holdsSecret(value)) continue;
    out.push([name, value]);
  }
  return out;
}

/** Headers a replay does not send as logged: the ones undici and the replay set themselves, the API key. */
const REPLAY_DROPPED = new Set([
  'host',
  'content-length',
  'expect',
  'x-api-key',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-prefix',
]);
