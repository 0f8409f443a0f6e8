// The AWS Lambda runtime API (AWS documents it as "Using the Lambda runtime API for custom runtimes") for one container: Node's own HTTP
// server on one port, answering only the container's address. Status codes and error types follow
// AWS's runtime interface emulator: 400 InvalidRequestID, 403 InvalidStateTransition, 413
// RequestEntityTooLarge, 500 for a container being replaced.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { PeerGate } from '../../http/peer-gate.js';
import { readBodyUpTo } from '../../http/read-body.js';

/** AWS's response and request payload limit on the runtime API (6 MiB and a little headroom). */
export const MAX_RUNTIME_PAYLOAD_BYTES = 6 * 1024 * 1024 + 100;
const PREFIX = '/2018-06-01/runtime/';

export interface NextEvent {
  readonly requestId: string;
  readonly deadlineMs: number;
  readonly functionArn: string;
  readonly traceId: string;
  readonly clientContext: string | null;
  readonly cognitoIdentity: string | null;
  readonly payload: Buffer;
}

/** An answer other than 2xx, with AWS's `{ errorMessage, errorType }` body. */
export class RuntimeApiError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 405 | 413 | 500,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

export const invalidRequestId = () => new RuntimeApiError(400, 'InvalidRequestID', 'Invalid request ID');
export const invalidStateTransition = (detail: string) => new RuntimeApiError(403, 'InvalidStateTransition', detail);
export const containerError = () =>
  new RuntimeApiError(500, 'InternalServerError', 'Internal Server Error: this container is being replaced; exit');

/** What one container's runtime can ask; each method throws RuntimeApiError for a call out of turn. */
export interface RuntimeApiHandler {
  /** resolves with the next invocation; `signal` aborts when the runtime hangs up */
  next(signal: AbortSignal): Promise<NextEvent>;
  response(requestId: string, body: Buffer): void;
  /** the body is over the payload limit: the invocation fails, the runtime gets 413 */
  responseTooLarge(requestId: string, bytes: number): void;
  error(requestId: string, errorType: string | null, body: Buffer): void;
  initError(errorType: string | null, body: Buffer): void;
  /** `next` resolved after the runtime had hung up: the invocation was never seen */
  undelivered(requestId: string): void;
}

export interface RuntimeApiOptions {
  readonly host: string;
  /** true when `address` (IPv4, no `::ffff:` prefix) may call; may wait for the container's address */
  readonly isAllowedPeer: (address: string) => boolean | Promise<boolean>;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...extra, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, err: RuntimeApiError, close = false): void {
  sendJson(
    res,
    err.status,
    { errorMessage: err.message, errorType: err.errorType },
    close ? { connection: 'close' } : {},
  );
}

/** The listener of one container's runtime API. */
export class RuntimeApiServer {
  private readonly gate: PeerGate;

  private constructor(
    private readonly server: http.Server,
    private readonly handler: RuntimeApiHandler,
    options: RuntimeApiOptions,
  ) {
    this.gate = new PeerGate(server, options.isAllowedPeer);
  }

  /** Listens on a free port of `options.host`. */
  static async listen(handler: RuntimeApiHandler, options: RuntimeApiOptions): Promise<RuntimeApiServer> {
    const server = http.createServer({ maxHeaderSize: 16 * 1024 });
    const api = new RuntimeApiServer(server, handler, options);
    // a runtime's GET /next waits as long as there is no invocation: no server-side timeouts
    server.requestTimeout = 0;
    server.keepAliveTimeout = 10 * 60_000;
    server.on('request', (req, res) => void api.handle(req, res));
    server.on('clientError', (_err, socket: Socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return api;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!(await this.gate.admits(req))) return;
    try {
      await this.route(req, res);
    } catch (err) {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof RuntimeApiError) return sendError(res, err);
      sendError(res, new RuntimeApiError(500, 'InternalServerError', 'Internal Server Error'));
    }
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    if (!path.startsWith(PREFIX)) throw new RuntimeApiError(404, 'NotFound', `no such path: ${path}`);
    const rest = path.slice(PREFIX.length);
    if (rest === 'invocation/next') {
      if (req.method !== 'GET') throw new RuntimeApiError(405, 'MethodNotAllowed', 'use GET');
      return this.serveNext(req, res);
    }
    if (rest === 'init/error') {
      if (req.method !== 'POST') throw new RuntimeApiError(405, 'MethodNotAllowed', 'use POST');
      const body = await this.body(req, res);
      if (body === null) return;
      this.handler.initError(errorTypeHeader(req), body);
      return sendJson(res, 202, { status: 'OK' });
    }
    const m = /^invocation\/([^/]+)\/(response|error)$/.exec(rest);
    if (!m) throw new RuntimeApiError(404, 'NotFound', `no such path: ${path}`);
    if (req.method !== 'POST') throw new RuntimeApiError(405, 'MethodNotAllowed', 'use POST');
    let requestId: string;
    try {
      requestId = decodeURIComponent(m[1]!);
    } catch {
      throw invalidRequestId();
    }
    if (m[2] === 'response') {
      const body = await readBodyUpTo(req, MAX_RUNTIME_PAYLOAD_BYTES);
      if (body === null) {
        this.handler.responseTooLarge(
          requestId,
          Number(req.headers['content-length']) || MAX_RUNTIME_PAYLOAD_BYTES + 1,
        );
        return sendError(
          res,
          new RuntimeApiError(
            413,
            'RequestEntityTooLarge',
            `Exceeded maximum allowed payload size (${MAX_RUNTIME_PAYLOAD_BYTES} bytes).`,
          ),
          true,
        );
      }
      this.handler.response(requestId, body);
      return sendJson(res, 202, { status: 'OK' });
    }
    const body = await this.body(req, res);
    if (body === null) return;
    this.handler.error(requestId, errorTypeHeader(req), body);
    sendJson(res, 202, { status: 'OK' });
  }

  private async body(req: http.IncomingMessage, res: http.ServerResponse): Promise<Buffer | null> {
    const body = await readBodyUpTo(req, MAX_RUNTIME_PAYLOAD_BYTES);
    if (body === null)
      sendError(
        res,
        new RuntimeApiError(
          413,
          'RequestEntityTooLarge',
          `Exceeded maximum allowed payload size (${MAX_RUNTIME_PAYLOAD_BYTES} bytes).`,
        ),
        true,
      );
    return body;
  }

  private async serveNext(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const abort = new AbortController();
    const onClose = () => abort.abort();
    res.on('close', onClose);
    try {
      const event = await this.handler.next(abort.signal);
      // the runtime hung up as the invocation was handed over: it goes back to the queue
      if (res.destroyed || abort.signal.aborted) return this.handler.undelivered(event.requestId);
      const headers: Record<string, string> = {
        'lambda-runtime-aws-request-id': event.requestId,
        'lambda-runtime-deadline-ms': String(event.deadlineMs),
        'lambda-runtime-invoked-function-arn': event.functionArn,
        'lambda-runtime-trace-id': event.traceId,
        'content-type': 'application/json',
        'content-length': String(event.payload.length),
      };
      if (event.clientContext) headers['lambda-runtime-client-context'] = event.clientContext;
      if (event.cognitoIdentity) headers['lambda-runtime-cognito-identity'] = event.cognitoIdentity;
      res.writeHead(200, headers);
      res.end(event.payload);
    } finally {
      res.off('close', onClose);
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function errorTypeHeader(req: http.IncomingMessage): string | null {
  const v = req.headers['lambda-runtime-function-error-type'];
  const s = Array.isArray(v) ? v[0] : v;
  return s ? s.slice(0, 256) : null;
}
