import http from 'node:http';
import type { Duplex } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { AppError, errorStatus, type ErrorReason } from '../../errors.js';
import { redactSecrets } from '../../http/error-middleware.js';
import { isWellFormedSecret } from '../keys/index.js';
import type { LiveRun, RunsService } from '../runs/index.js';
import { isHopByHop, namedByConnection, rawWithoutHopByHop, withoutCookie } from './hop-by-hop.js';

export interface InstanceProxyDeps {
  readonly runs: RunsService;
  /** authorizes the caller for the run's project (throws 401/403 AppErrors) */
  readonly authorize: (req: http.IncomingMessage, projectId: string) => void;
  /** the console's session cookie name, never forwarded to user code */
  readonly sessionCookie: string;
  readonly maxBodyBytes: number;
}

const PATTERN = /^\/instances\/([^/?#]+)\/api(?=[/?]|$)(.*)$/s;

export function matchInstancePath(url: string): { runId: string; rest: string } | null {
  const m = PATTERN.exec(url);
  if (!m) return null;
  let runId = m[1]!;
  if (runId.includes('%')) {
    try {
      runId = decodeURIComponent(runId);
    } catch {
      return null;
    }
  }
  let rest = m[2]!;
  if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
  return { runId, rest };
}

function sendError(res: http.ServerResponse, reason: ErrorReason, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: true, reason, message: redactSecrets(message, '') });
  res.writeHead(errorStatus[reason], { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

interface UpstreamCall {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  /** the path and query after the instance prefix, exactly as received */
  readonly rest: string;
  readonly origin: string;
  readonly runId: string;
  readonly prefix: string;
  readonly remaining: number;
  readonly clientAskedToClose: boolean;
}

const NAVIGATION_DESTS = new Set(['document', 'iframe', 'frame', 'embed', 'object']);

/**
 * A page the browser is about to show (not a call from curl, an SDK or fetch). Locally the
 * console and user services share one origin, which the hosted platform does not; such pages get
 * a CSP sandbox so they run in an opaque origin and cannot use the console's session.
 */
export function isBrowserNavigation(req: http.IncomingMessage): boolean {
  const dest = req.headers['sec-fetch-dest'];
  if (typeof dest === 'string') return NAVIGATION_DESTS.has(dest);
  return req.headers['sec-fetch-mode'] === 'navigate' || (req.headers['upgrade-insecure-requests'] === '1' && /text\/html/.test(String(req.headers.accept ?? '')));
}

export const SANDBOX_POLICY = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads allow-popups-to-escape-sandbox';


/**
 * Request headers never forwarded as sent: the ones the proxy sets itself (any the caller sent are
 * replaced), the caller's API key, and `Expect` (Node has already answered `100 Continue`).
 */
const DROPPED_REQUEST_HEADERS = new Set(['host', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-prefix', 'x-api-key', 'expect']);

const BEARER = /^bearer\s+/i;

/**
 * The headers sent to the container, from the caller's raw list (original case, order and
 * duplicates): hop-by-hop headers removed, the caller's API key (X-API-Key, or a Bearer token that
 * is one of our secrets) and the console's session cookie dropped, `Expect` dropped (Node has
 * already answered `100 Continue`), and X-Forwarded-* set. Host is the upstream's own.
 */
export function upstreamRequestHeaders(req: http.IncomingMessage, prefix: string, sessionCookie: string, contentLength?: number): string[] {
  const raw = req.rawHeaders;
  const named = req.headers.connection === undefined ? null : namedByConnection(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (DROPPED_REQUEST_HEADERS.has(lower) || isHopByHop(lower, named)) continue;
    if (lower === 'content-length' && contentLength !== undefined) continue;
    if (lower === 'authorization' && BEARER.test(value) && isWellFormedSecret(value.replace(BEARER, '').trim())) continue;
    if (lower === 'cookie') {
      const kept = withoutCookie(value, sessionCookie);
      if (kept !== undefined) out.push(name, kept);
      continue;
    }
    out.push(name, value);
  }
  if (contentLength !== undefined) out.push('content-length', String(contentLength));
  const clientIp = req.socket.remoteAddress ?? '';
  const priorFor = req.headers['x-forwarded-for'];
  out.push(
    'x-forwarded-for', priorFor ? `${priorFor}, ${clientIp}` : clientIp,
    'x-forwarded-host', req.headers.host ?? '',
    'x-forwarded-proto', 'http',
    'x-forwarded-prefix', prefix,
  );
  return out;
}

/** undici's errors that mean the request itself could not be sent as it is */
const REFUSED_REQUEST_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

/**
 * The calls open on each run, with one timer per run (not per call): the run's deadline is fixed
 * when it starts, and when it passes every call still open gets `instance_timeout`. An entry lives
 * until that deadline.
 */
class OpenCalls {
  private readonly byRun = new Map<string, { readonly timer: NodeJS.Timeout; readonly calls: Set<ProxyExchange> }>();

  /** the set of `runId`'s open calls, its deadline armed `remainingMs` from now on first use */
  of(runId: string, remainingMs: number): Set<ProxyExchange> {
    let entry = this.byRun.get(runId);
    if (!entry) {
      const calls = new Set<ProxyExchange>();
      const timer = setTimeout(() => {
        this.byRun.delete(runId);
        for (const call of calls) call.onDeadline();
      }, remainingMs);
      timer.unref();
      entry = { timer, calls };
      this.byRun.set(runId, entry);
    }
    return entry.calls;
  }

  close(): void {
    for (const { timer } of this.byRun.values()) clearTimeout(timer);
    this.byRun.clear();
  }
}

/**
 * One proxied call: undici's dispatch handler. Writes the upstream's answer as it came (status,
 * status text, headers in their original case, order and multiplicity, less the hop-by-hop ones)
 * in one writeHead, then streams the body with backpressure. Answers `instance_timeout` at the
 * run's deadline and stops the upstream request when the client goes away.
 */
class ProxyExchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  /** why the upstream request must stop, once it must */
  private stopReason: Error | null = null;
  private ended = false;

  constructor(
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private readonly clientAskedToClose: boolean,
    private readonly open: Set<ProxyExchange>,
  ) {
    open.add(this);
    res.once('close', () => {
      open.delete(this);
      if (!this.ended) this.stop(new Error('the client went away'));
    });
  }

  private settle(): void {
    this.ended = true;
    this.open.delete(this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.stopReason) controller.abort(this.stopReason);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, _headers: unknown, statusMessage?: string): void {
    // 1xx informational answers are the proxy's business with the upstream, not the caller's
    if (statusCode < 200) return;
    const { res, req } = this;
    if (res.headersSent || res.destroyed) return;
    const headers = rawWithoutHopByHop((controller.rawHeaders ?? []) as Array<Buffer | string>);
    if (isBrowserNavigation(req)) headers.push('Content-Security-Policy', SANDBOX_POLICY);
    // our own hop to the client: keep-alive unless the client asked to close
    headers.push('connection', this.clientAskedToClose || req.httpVersion === '1.0' ? 'close' : 'keep-alive');
    try {
      res.writeHead(statusCode, statusMessage, headers);
    } catch {
      this.stop(new Error('invalid response header'));
      sendError(res, 'instance_unreachable', 'the service answered with a header that is not valid HTTP');
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.res.destroyed) return;
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.settle();
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error & { code?: string }): void {
    this.settle();
    if (this.stopReason) return;
    const { res } = this;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err.code && REFUSED_REQUEST_CODES.has(err.code)) {
      sendError(res, 'bad_request', `the request cannot be forwarded: ${err.message}`);
      return;
    }
    const code = err.code ?? err.message;
    sendError(res, 'instance_unreachable', `nothing is accepting connections on the run's port (${code})`);
  }

  onDeadline(): void {
    if (this.ended) return;
    this.stop(new Error('the run reached its deadline'));
    if (!this.res.headersSent) sendError(this.res, 'instance_timeout', 'the upstream call passed the run\'s remaining timeout');
    else this.res.destroy();
  }

  private stop(reason: Error): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.controller?.abort(reason);
  }
}

/**
 * `/instances/{RUN_ID}/api/**` → the service run's container, as the seed describes: the prefix
 * stripped, method, query and body unchanged, hop-by-hop headers removed both ways, the caller's
 * API key and the console cookie never forwarded, X-Forwarded-* set, and the upstream's answer
 * returned as it is. Each call may last until the run's deadline.
 *
 * The upstream client is undici (Node's own HTTP/1.1 client, the one behind `fetch`), driven
 * through its dispatch interface with a keep-alive pool per run port. Measured on the proxy benchmark (issue 6, figure 3) it costs about half the CPU per
 * call of `http.request` with `pipe`, and a third of http-proxy-3's.
 */
export class InstanceProxy {
  private readonly upstream = new Agent({
    connections: 256,
    pipelining: 1,
    // the run's deadline bounds each call (ProxyExchange): no idle timeouts of undici's own
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  private readonly open = new OpenCalls();

  constructor(private readonly deps: InstanceProxyDeps) {}

  /** Handles the request when its URL is an instance URL; false otherwise. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const match = matchInstancePath(req.url ?? '');
    if (!match) return false;
    this.route(req, res, match.runId, match.rest, true);
    return true;
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse, runId: string, rest: string, mayWait: boolean): void {
    try {
      this.forward(req, res, runId, rest, mayWait);
    } catch (err) {
      if (err instanceof AppError) sendError(res, err.reason, err.message);
      else sendError(res, 'internal_error', 'the proxy failed');
    }
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, runId: string, rest: string, mayWait: boolean): void {
    const record = this.deps.runs.find(runId);
    if (!record) throw new AppError('instance_not_found', `no run with id ${runId}`);
    const { run } = record;
    if (!run.publicAccess) this.deps.authorize(req, run.project);
    if (run.mode !== 'service') throw new AppError('instance_not_servable', 'the run was started in oneShot mode and has no HTTP server');
    const live = this.deps.runs.liveRun(runId);
    if (run.state === 'queued' && live && mayWait) {
      this.holdUntilStarted(req, res, runId, rest, live);
      return;
    }
    if (run.state !== 'running' || !run.hostPort || !live) throw new AppError('instance_not_running', `the run is ${run.state}`);
    const remaining = live.msUntilDeadline() ?? 0;
    if (remaining <= 0) throw new AppError('instance_timeout', 'the run has reached its deadline');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (Number.isFinite(declared) && declared > this.deps.maxBodyBytes) {
      throw new AppError('payload_too_large', `request bodies are limited to ${this.deps.maxBodyBytes} bytes`);
    }
    // the upstream's headers as they are: no Date of our own
    res.sendDate = false;
    const call: UpstreamCall = {
      req, res, rest,
      origin: `http://127.0.0.1:${run.hostPort}`,
      runId,
      prefix: `/instances/${runId}/api`,
      remaining,
      clientAskedToClose: req.headers.connection !== undefined && /\bclose\b/i.test(req.headers.connection),
    };
    if (req.headers['transfer-encoding'] !== undefined) this.forwardBuffered(call);
    else this.dispatch(call, declared > 0 ? req : null);
  }

  /**
   * A call to a run still `queued` (its container being created and started) waits for it, as an
   * invocation waits through a cold start in SAM local, instead of making the caller poll through
   * `docker start` (the seed's 409 is for runs that have terminated): then it goes on as any call (502 `instance_unreachable` until the
   * service listens, 409 `instance_not_running` if the run ended without starting). The wait is
   * bounded by the run's timeout, and ends if the caller goes away.
   */
  private holdUntilStarted(req: http.IncomingMessage, res: http.ServerResponse, runId: string, rest: string, live: LiveRun): void {
    let gone = false;
    const onClose = () => (gone = true);
    res.once('close', onClose);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), live.record.run.runTimeoutSeconds * 1000);
      timer.unref();
    });
    void Promise.race([live.started.then(() => false), timedOut]).then((expired) => {
      clearTimeout(timer);
      res.off('close', onClose);
      if (gone) return;
      if (expired) {
        sendError(res, 'instance_timeout', 'the run did not start within its timeout');
        return;
      }
      this.route(req, res, runId, rest, false);
    });
  }

  /**
   * A chunked body has no declared length: it is read up to the limit first, so that an oversized
   * one gets 413 before the container sees a byte, then forwarded with its length.
   */
  private forwardBuffered(call: UpstreamCall): void {
    const { req, res } = call;
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > this.deps.maxBodyBytes) {
        refused = true;
        chunks.length = 0;
        res.setHeader('connection', 'close');
        sendError(res, 'payload_too_large', `request bodies are limited to ${this.deps.maxBodyBytes} bytes`);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) this.dispatch(call, Buffer.concat(chunks));
    });
    req.on('error', () => res.destroy());
  }

  private dispatch(call: UpstreamCall, body: Buffer | http.IncomingMessage | null): void {
    const { req, res } = call;
    const headers = upstreamRequestHeaders(req, call.prefix, this.deps.sessionCookie, Buffer.isBuffer(body) ? body.length : undefined);
    const exchange = new ProxyExchange(req, res, call.clientAskedToClose, this.open.of(call.runId, call.remaining));
    this.upstream.dispatch({ origin: call.origin, method: req.method ?? 'GET', path: call.rest, headers, body }, exchange);
  }

  /** WebSocket and other upgrades bypass Express: the proxy cannot forward them. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex): boolean {
    const match = matchInstancePath(req.url ?? '');
    if (!match) return false;
    const known = this.deps.runs.find(match.runId);
    const reason: ErrorReason = known ? 'unsupported_protocol' : 'instance_not_found';
    const body = JSON.stringify({ error: true, reason, message: known ? 'the proxy does not forward WebSocket or other upgraded protocols' : redactSecrets(`no run with id ${match.runId}`, '') });
    const status = errorStatus[reason];
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    return true;
  }

  close(): void {
    this.open.close();
    void this.upstream.destroy().catch(() => undefined);
  }
}
