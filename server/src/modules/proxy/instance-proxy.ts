import http from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { AppError, errorStatus, type ErrorReason } from '../../errors.js';
import { redactSecrets } from '../../http/error-middleware.js';
import { isWellFormedSecret } from '../keys/index.js';
import type { RunsService } from '../runs/index.js';
import { rawWithoutHopByHop, stripHopByHop, withoutCookie } from './hop-by-hop.js';

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
  let runId: string;
  try {
    runId = decodeURIComponent(m[1]!);
  } catch {
    return null;
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
 * Writes the upstream's answer as it came: status, status text, headers in their original case,
 * order and multiplicity (one writeHead with the raw list, which is also the cheap way), less the
 * hop-by-hop headers; then the body, streamed.
 */
function onUpstreamResponse(proxyRes: http.IncomingMessage, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (res.headersSent || res.destroyed) {
    proxyRes.resume();
    return;
  }
  const headers = rawWithoutHopByHop(proxyRes.rawHeaders);
  if (isBrowserNavigation(req)) headers.push('Content-Security-Policy', SANDBOX_POLICY);
  // our own hop to the client: keep-alive unless the client asked to close
  headers.push('connection', closeRequested.has(req) || req.httpVersion === '1.0' ? 'close' : 'keep-alive');
  res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, headers);
  proxyRes.pipe(res);
}

const proxyRequests = new WeakMap<http.IncomingMessage, http.ClientRequest>();
const timedOut = new WeakSet<http.IncomingMessage>();
/** requests whose client sent `Connection: close` (read before hop-by-hop headers are stripped) */
const closeRequested = new WeakSet<http.IncomingMessage>();

/**
 * `/instances/{RUN_ID}/api/**` → the service run's container, as the seed describes: the prefix
 * stripped, method, query and body unchanged, hop-by-hop headers removed both ways, the caller's
 * API key and the console cookie never forwarded, X-Forwarded-* set, and the upstream's answer
 * returned as it is. Each call may last until the run's deadline.
 */
export class InstanceProxy {
  // noDelay: without it Nagle's algorithm meets the upstream's delayed ACKs and requests stall ~40 ms
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 1000, noDelay: true } as http.AgentOptions);
  private readonly proxy = createProxyServer({
    agent: this.agent,
    changeOrigin: true,
    xfwd: false,
    ws: false,
    // forward the path exactly as received: no dot-segment resolution, no slash merging
    toProxy: true,
    // the answer is written by onUpstreamResponse: the upstream's raw header list, filtered
    selfHandleResponse: true,
  });

  constructor(private readonly deps: InstanceProxyDeps) {
    this.proxy.on('proxyReq', (proxyReq, req) => {
      proxyRequests.set(req, proxyReq);
    });
    this.proxy.on('proxyRes', (proxyRes, req, res) => onUpstreamResponse(proxyRes, req, res));
  }

  /** Handles the request when its URL is an instance URL; false otherwise. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const match = matchInstancePath(req.url ?? '');
    if (!match) return false;
    try {
      this.forward(req, res, match.runId, match.rest);
    } catch (err) {
      if (err instanceof AppError) sendError(res, err.reason, err.message);
      else sendError(res, 'internal_error', 'the proxy failed');
    }
    return true;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, runId: string, rest: string): void {
    const record = this.deps.runs.find(runId);
    if (!record) throw new AppError('instance_not_found', `no run with id ${runId}`);
    const { run } = record;
    if (!run.publicAccess) this.deps.authorize(req, run.project);
    if (run.mode !== 'service') throw new AppError('instance_not_servable', 'the run was started in oneShot mode and has no HTTP server');
    const live = this.deps.runs.liveRun(runId);
    if (run.state !== 'running' || !run.hostPort || !live) throw new AppError('instance_not_running', `the run is ${run.state}`);
    const remaining = live.msUntilDeadline() ?? 0;
    if (remaining <= 0) throw new AppError('instance_timeout', 'the run has reached its deadline');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (Number.isFinite(declared) && declared > this.deps.maxBodyBytes) {
      throw new AppError('payload_too_large', `request bodies are limited to ${this.deps.maxBodyBytes} bytes`);
    }

    const headers = req.headers;
    if (/\bclose\b/i.test(String(headers.connection ?? ''))) closeRequested.add(req);
    const wasChunked = /chunked/i.test(String(headers['transfer-encoding'] ?? ''));
    stripHopByHop(headers);
    delete headers['x-api-key'];
    const auth = headers.authorization;
    if (auth && /^bearer\s+/i.test(auth) && isWellFormedSecret(auth.replace(/^bearer\s+/i, '').trim())) delete headers.authorization;
    const cookie = withoutCookie(headers.cookie, this.deps.sessionCookie);
    if (cookie === undefined) delete headers.cookie;
    else headers.cookie = cookie;
    const clientIp = req.socket.remoteAddress ?? '';
    const priorFor = headers['x-forwarded-for'];
    headers['x-forwarded-for'] = priorFor ? `${priorFor}, ${clientIp}` : clientIp;
    headers['x-forwarded-host'] = headers.host ?? '';
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-prefix'] = `/instances/${runId}/api`;
    req.url = rest;
    // the upstream's headers as they are: no Date of our own
    res.sendDate = false;

    if (wasChunked) {
      this.forwardBuffered(req, res, run.hostPort, remaining);
      return;
    }
    this.start(req, res, run.hostPort, remaining);
  }

  /**
   * A chunked body has no declared length: it is read up to the limit first, so that an oversized
   * one gets 413 before the container sees a byte, then forwarded with its length.
   */
  private forwardBuffered(req: http.IncomingMessage, res: http.ServerResponse, hostPort: number, remaining: number): void {
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
      if (refused) return;
      const body = Buffer.concat(chunks);
      delete req.headers['transfer-encoding'];
      req.headers['content-length'] = String(body.length);
      this.start(req, res, hostPort, remaining, Readable.from([body]));
    });
    req.on('error', () => res.destroy());
  }

  private start(req: http.IncomingMessage, res: http.ServerResponse, hostPort: number, remaining: number, body?: Readable): void {
    const timer = setTimeout(() => {
      timedOut.add(req);
      const proxyReq = proxyRequests.get(req);
      if (!res.headersSent) sendError(res, 'instance_timeout', 'the upstream call passed the run\'s remaining timeout');
      else res.destroy();
      proxyReq?.destroy();
    }, remaining);
    res.on('close', () => clearTimeout(timer));

    this.proxy.web(req, res, { target: `http://127.0.0.1:${hostPort}`, ...(body ? { buffer: body } : {}) }, (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (timedOut.has(req)) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const reason: ErrorReason = err.code === 'ETIMEDOUT' ? 'instance_timeout' : 'instance_unreachable';
      sendError(res, reason, reason === 'instance_unreachable' ? `nothing is accepting connections on the run's port (${err.code ?? err.message})` : 'the upstream timed out');
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
    this.agent.destroy();
    this.proxy.close();
  }
}
