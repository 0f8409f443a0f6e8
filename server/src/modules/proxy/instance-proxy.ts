import http, { type IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { Agent } from '../../adapters/http/undici-dispatchers.js';
import { AppError, errorStatus, type ErrorReason } from '../../errors.js';
import { redactSecrets } from '../../http/error-middleware.js';
import { PEER_HEADER } from '../../http/peer.js';
import { isWellFormedSecret } from '../../domain/key-format.js';
import type { LiveRun, RunsService } from '../runs/index.js';
import { isHopByHop, namedByConnection, withoutCookie } from './hop-by-hop.js';
import { OpenCalls, RelayExchange, ResponseSink, sendError, type RelayOptions } from './relay.js';
import { WireSink, type WireConnection } from './wire-sink.js';

export interface InstanceProxyDeps {
  readonly runs: RunsService;
  /** authorizes the caller for the run's project (throws 401/403 AppErrors) */
  readonly authorize: (req: http.IncomingMessage, projectId: string) => void;
  /** the caller's address (the front door passes it along) */
  readonly clientAddress: (req: http.IncomingMessage) => string;
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

const NAVIGATION_DESTS = new Set(['document', 'iframe', 'frame', 'embed', 'object']);

/**
 * A page the browser is about to show (not a call from curl, an SDK or fetch). Locally the
 * console and user services share one origin, which the hosted platform does not; such pages get
 * a CSP sandbox so they run in an opaque origin and cannot use the console's session.
 */
export function isBrowserNavigation(req: { readonly headers: IncomingHttpHeaders }): boolean {
  const dest = req.headers['sec-fetch-dest'];
  if (typeof dest === 'string') return NAVIGATION_DESTS.has(dest);
  return req.headers['sec-fetch-mode'] === 'navigate' || (req.headers['upgrade-insecure-requests'] === '1' && /text\/html/.test(String(req.headers.accept ?? '')));
}

export const SANDBOX_POLICY = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads allow-popups-to-escape-sandbox';

/**
 * Request headers never forwarded as sent: the ones the proxy sets itself (any the caller sent are
 * replaced), the caller's API key, and `Expect` (Node has already answered `100 Continue`).
 */
const DROPPED_REQUEST_HEADERS = new Set(['host', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-prefix', 'x-api-key', 'expect', PEER_HEADER]);

const BEARER = /^bearer\s+/i;

/** What the header rules read of a request: Node's `IncomingMessage`, or the fast lane's head. */
export interface ForwardedRequest {
  /** [name, value, name, value, …] as the client sent them */
  readonly rawHeaders: readonly string[];
  readonly headers: IncomingHttpHeaders;
}

/** A call the front door's fast lane read itself (front-door/request-head.ts). */
export interface ReadRequest extends ForwardedRequest {
  readonly method: string;
  readonly httpVersion: string;
  /** the client asked to close the connection after the answer */
  readonly close: boolean;
}

/**
 * The headers sent to the container, from the caller's raw list (original case, order and
 * duplicates): hop-by-hop headers removed, the caller's API key (X-API-Key, or a Bearer token that
 * is one of our secrets) and the console's session cookie dropped, `Expect` dropped (Node has
 * already answered `100 Continue`), and X-Forwarded-* set (`clientIp` is the caller's address). Host
 * is the upstream's own.
 */
export function upstreamRequestHeaders(req: ForwardedRequest, clientIp: string, prefix: string, sessionCookie: string, contentLength?: number): string[] {
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
  const priorFor = req.headers['x-forwarded-for'];
  out.push(
    'x-forwarded-for', priorFor ? `${priorFor}, ${clientIp}` : clientIp,
    'x-forwarded-host', req.headers.host ?? '',
    'x-forwarded-proto', 'http',
    'x-forwarded-prefix', prefix,
  );
  return out;
}

/** Where a proxied call goes: a running service's published port, until the run's deadline. */
export interface InstanceTarget {
  readonly runId: string;
  readonly hostPort: number;
  /** the path and query after the instance prefix, exactly as received */
  readonly rest: string;
  readonly remainingMs: number;
  /** the caller's address, for X-Forwarded-For */
  readonly clientIp: string;
}

const UNREACHABLE = (code: string) => ['instance_unreachable', `nothing is accepting connections on the run's port (${code})`] as const;
const SANDBOX_HEADERS = ['Content-Security-Policy', SANDBOX_POLICY] as const;

/**
 * Sends calls to run containers: the body limit, the header rules both ways, the run's deadline.
 *
 * The client is undici (Node's own HTTP/1.1 client, the one behind `fetch`), driven through its
 * dispatch interface with a keep-alive pool per run port. Measured on the proxy benchmark (issue 6,
 * figure 3) it costs about half the CPU per call of `http.request` with `pipe`, and a third of
 * http-proxy-3's.
 */
export class InstanceUpstream {
  private readonly agent = new Agent({
    connections: 256,
    pipelining: 1,
    // the run's deadline bounds each call (RelayExchange): no idle timeouts of undici's own
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  private readonly open = new OpenCalls();
  private readonly relayOptions: RelayOptions = {
    extraHeaders: (req) => (isBrowserNavigation(req) ? SANDBOX_HEADERS : []),
    mirrorClose: false,
    beforeHead: null,
    unreachable: UNREACHABLE,
  };

  constructor(
    /** the console's session cookie name, never forwarded to user code */
    private readonly sessionCookie: string,
    private readonly maxBodyBytes: number,
  ) {}

  /** Forwards the call; throws `payload_too_large` for a declared length over the limit. */
  send(req: http.IncomingMessage, res: http.ServerResponse, target: InstanceTarget): void {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (Number.isFinite(declared) && declared > this.maxBodyBytes) {
      throw new AppError('payload_too_large', `request bodies are limited to ${this.maxBodyBytes} bytes`);
    }
    // the upstream's headers as they are: no Date of our own
    res.sendDate = false;
    if (req.headers['transfer-encoding'] !== undefined) this.sendBuffered(req, res, target);
    else this.dispatch(req, res, target, declared > 0 ? req : null);
  }

  /**
   * A chunked body has no declared length: it is read up to the limit first, so that an oversized
   * one gets 413 before the container sees a byte, then forwarded with its length.
   */
  private sendBuffered(req: http.IncomingMessage, res: http.ServerResponse, target: InstanceTarget): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        refused = true;
        chunks.length = 0;
        res.setHeader('connection', 'close');
        sendError(res, 'payload_too_large', `request bodies are limited to ${this.maxBodyBytes} bytes`);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) this.dispatch(req, res, target, Buffer.concat(chunks));
    });
    req.on('error', () => res.destroy());
  }

  private dispatch(req: http.IncomingMessage, res: http.ServerResponse, target: InstanceTarget, body: Buffer | http.IncomingMessage | null): void {
    const headers = upstreamRequestHeaders(req, target.clientIp, instancePrefix(target.runId), this.sessionCookie, Buffer.isBuffer(body) ? body.length : undefined);
    const exchange = new RelayExchange(req, new ResponseSink(res), this.relayOptions, this.open.of(target.runId, target.remainingMs));
    this.agent.dispatch({ origin: `http://127.0.0.1:${target.hostPort}`, method: req.method ?? 'GET', path: target.rest, headers, body }, exchange);
  }

  /**
   * A call the front door's fast lane read itself, with its whole body (within the limit) in hand;
   * the answer is written onto the lane's connection, under the same rules.
   */
  sendRead(req: ReadRequest, body: Buffer | null, target: InstanceTarget, connection: WireConnection): void {
    const headers = upstreamRequestHeaders(req, target.clientIp, instancePrefix(target.runId), this.sessionCookie);
    const exchange = new RelayExchange(req, new WireSink(connection, req.method, req.close), this.relayOptions, this.open.of(target.runId, target.remainingMs));
    this.agent.dispatch({ origin: `http://127.0.0.1:${target.hostPort}`, method: req.method, path: target.rest, headers, body }, exchange);
  }

  close(): void {
    this.open.close();
    void this.agent.destroy().catch(() => undefined);
  }
}

function instancePrefix(runId: string): string {
  return `/instances/${runId}/api`;
}

/** A handled proxy error as the seed's body; anything else as `internal_error`. */
export function sendProxyError(res: http.ServerResponse, err: unknown): void {
  if (err instanceof AppError) sendError(res, err.reason, err.message);
  else sendError(res, 'internal_error', 'the proxy failed');
}

/**
 * `/instances/{RUN_ID}/api/**` → the service run's container, as the seed describes: the prefix
 * stripped, method, query and body unchanged, hop-by-hop headers removed both ways, the caller's
 * API key and the console cookie never forwarded, X-Forwarded-* set, and the upstream's answer
 * returned as it is. Each call may last until the run's deadline.
 *
 * This is the whole rule set, on the main thread. Calls to a running service with a caller that
 * is let in also have a fast path in the front door's worker (src/front-door), which answers them
 * the same way from a copy of the routes and keys; every other call comes here.
 */
export class InstanceProxy {
  private readonly upstream: InstanceUpstream;

  constructor(private readonly deps: InstanceProxyDeps) {
    this.upstream = new InstanceUpstream(deps.sessionCookie, deps.maxBodyBytes);
  }

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
      sendProxyError(res, err);
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
    const remainingMs = live.msUntilDeadline() ?? 0;
    if (remainingMs <= 0) throw new AppError('instance_timeout', 'the run has reached its deadline');
    this.upstream.send(req, res, { runId, hostPort: run.hostPort, rest, remainingMs, clientIp: this.deps.clientAddress(req) });
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
    this.upstream.close();
  }
}
