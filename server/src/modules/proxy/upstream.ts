// The container side of a proxied call: the headers sent upstream, the body limit, undici.
import type http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { AppError } from '../../errors.js';
import { sendError } from '../../http/error-response.js';
import type { CallRecorder } from './call-recorder.js';
import type { CallerCredentials } from './credentials.js';
import { isHopByHop, latin1Headers, namedByConnection, rawWithoutHopByHop } from './hop-by-hop.js';
import { OpenCalls, RelayExchange, type RelayOptions } from './relay.js';
import { BodyCapture } from './request-log.js';

const NAVIGATION_DESTS = new Set(['document', 'iframe', 'frame', 'embed', 'object']);

/**
 * A page the browser is about to show (not a call from curl, an SDK or fetch). Locally the
 * console and user services share one origin, which the hosted platform does not; such pages get
 * a CSP sandbox so they run in an opaque origin and cannot use the console's session.
 */
export function isBrowserNavigation(req: { readonly headers: IncomingHttpHeaders }): boolean {
  const dest = req.headers['sec-fetch-dest'];
  if (typeof dest === 'string') return NAVIGATION_DESTS.has(dest);
  return (
    req.headers['sec-fetch-mode'] === 'navigate' ||
    (req.headers['upgrade-insecure-requests'] === '1' && /text\/html/.test(String(req.headers.accept ?? '')))
  );
}

export const SANDBOX_POLICY =
  'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads allow-popups-to-escape-sandbox';

/**
 * Request headers never forwarded as sent: the ones the proxy sets itself (any the caller sent are
 * replaced), the caller's API key, and `Expect` (Node has already answered `100 Continue`).
 */
const DROPPED_REQUEST_HEADERS = new Set([
  'host',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-prefix',
  'x-api-key',
  'expect',
]);

/**
 * The headers sent to the container, from the caller's raw list (original case, order and
 * duplicates): hop-by-hop headers removed, the caller's credentials dropped, and X-Forwarded-* set,
 * X-Forwarded-For ending with the caller's own address. Host is the upstream's own.
 */
export function upstreamRequestHeaders(
  req: http.IncomingMessage,
  credentials: CallerCredentials,
  prefix: string,
  contentLength?: number,
): string[] {
  const raw = req.rawHeaders;
  const named = req.headers.connection === undefined ? null : namedByConnection(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (DROPPED_REQUEST_HEADERS.has(lower) || isHopByHop(lower, named)) continue;
    if (lower === 'content-length' && contentLength !== undefined) continue;
    if (lower === 'authorization' && credentials.isCredentialAuthorization(value)) continue;
    if (lower === 'cookie') {
      const kept = credentials.cookieWithoutSession(value);
      if (kept !== undefined) out.push(name, kept);
      continue;
    }
    out.push(name, value);
  }
  if (contentLength !== undefined) out.push('content-length', String(contentLength));
  const priorFor = req.headers['x-forwarded-for'];
  const peer = req.socket.remoteAddress ?? '';
  out.push(
    'x-forwarded-for',
    priorFor ? `${priorFor}, ${peer}` : peer,
    'x-forwarded-host',
    req.headers.host ?? '',
    'x-forwarded-proto',
    'http',
    'x-forwarded-prefix',
    prefix,
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
  /** the URL prefix the caller used, for X-Forwarded-Prefix */
  readonly prefix: string;
}

const SANDBOX_HEADERS = ['Content-Security-Policy', SANDBOX_POLICY] as const;

/**
 * Sends calls to run containers: the body limit, the header rules both ways, the run's deadline.
 * The client is undici (Node's own HTTP/1.1 client, the one behind `fetch`), driven through its
 * public dispatch interface with a keep-alive pool per run port (docs/decisions/0001).
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
    unreachable: (code) => ['instance_unreachable', `nothing is accepting connections on the run's port (${code})`],
  };

  constructor(
    private readonly credentials: CallerCredentials,
    private readonly maxBodyBytes: number,
  ) {}

  /** Forwards the call; throws `payload_too_large` for a declared length over the limit. */
  send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    target: InstanceTarget,
    recorder: CallRecorder | null,
  ): void {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (Number.isFinite(declared) && declared > this.maxBodyBytes) {
      throw new AppError('payload_too_large', `request bodies are limited to ${this.maxBodyBytes} bytes`);
    }
    if (req.headers['transfer-encoding'] !== undefined) this.sendBuffered(req, res, target, recorder);
    else this.dispatch(req, res, target, declared > 0 ? (recorder ? captured(req, recorder) : req) : null, recorder);
  }

  /**
   * A chunked body has no declared length: it is read up to the limit first, so that an oversized
   * one gets 413 before the container sees a byte, then forwarded with its length.
   */
  private sendBuffered(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    target: InstanceTarget,
    recorder: CallRecorder | null,
  ): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > this.maxBodyBytes) {
        refused = true;
        chunks.length = 0;
        if (recorder) recorder.reason = 'payload_too_large';
        sendError(res, 'payload_too_large', `request bodies are limited to ${this.maxBodyBytes} bytes`, {
          close: true,
        });
        return;
      }
      chunks.push(chunk);
      recorder?.request.add(chunk);
    });
    req.on('end', () => {
      if (!refused) this.dispatch(req, res, target, Buffer.concat(chunks), recorder);
    });
    req.on('error', () => res.destroy());
  }

  private dispatch(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    target: InstanceTarget,
    body: Buffer | AsyncIterable<Buffer> | null,
    recorder: CallRecorder | null,
  ): void {
    const headers = upstreamRequestHeaders(
      req,
      this.credentials,
      target.prefix,
      Buffer.isBuffer(body) ? body.length : undefined,
    );
    const exchange = new RelayExchange(
      req,
      res,
      this.relayOptions,
      this.open.of(target.runId, target.remainingMs),
      recorder,
    );
    // undici sends async iterables as streamed bodies (its types list only Readable)
    const upstreamBody = body as Dispatcher.DispatchOptions['body'];
    this.agent.dispatch(
      {
        origin: `http://127.0.0.1:${target.hostPort}`,
        method: req.method ?? 'GET',
        path: target.rest,
        headers,
        body: upstreamBody,
      },
      exchange,
    );
  }

  /** Resolves once no call to `runId` is open. */
  whenIdle(runId: string): Promise<void> {
    return this.open.whenIdle(runId);
  }

  /** Sends a logged call again (its body whole) and reads the answer, keeping up to the log's cap. */
  async resend(
    hostPort: number,
    method: string,
    path: string,
    headers: Array<[string, string]>,
    body: Buffer | null,
  ): Promise<{ status: number; headers: Array<[string, string]>; body: BodyCapture; durationMs: number }> {
    const started = Date.now();
    const res = await this.agent.request({
      origin: `http://127.0.0.1:${hostPort}`,
      method: method as Dispatcher.HttpMethod,
      path,
      headers: headers.flat(),
      body,
    });
    const capture = new BodyCapture();
    for await (const chunk of res.body) capture.add(chunk as Buffer);
    const raw = rawWithoutHopByHop(
      latin1Headers(
        (res as unknown as { rawHeaders?: Buffer[] }).rawHeaders ??
          Object.entries(res.headers).flatMap(([k, v]) =>
            Array.isArray(v) ? v.flatMap((x) => [k, x]) : [k, String(v)],
          ),
      ),
    );
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
    return { status: res.statusCode, headers: pairs, body: capture, durationMs: Date.now() - started };
  }

  close(): void {
    this.open.close();
    void this.agent.destroy().catch(() => undefined);
  }
}

/** The caller's body as it streams to the container, with the request log taking its copy. */
async function* captured(req: http.IncomingMessage, recorder: CallRecorder): AsyncIterable<Buffer> {
  for await (const chunk of req) {
    recorder.request.add(chunk as Buffer);
    yield chunk as Buffer;
  }
}
