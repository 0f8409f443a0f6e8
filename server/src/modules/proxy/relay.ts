import type http from 'node:http';
import type { Dispatcher } from 'undici';
import { errorStatus, type ErrorReason } from '../../errors.js';
import { redactSecrets } from '../../http/error-middleware.js';
import { latin1Headers, rawWithoutHopByHop } from './hop-by-hop.js';

/** Writes the seed's error body, or cuts the connection when an answer has already begun. */
export function sendError(res: http.ServerResponse, reason: ErrorReason, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: true, reason, message: redactSecrets(message, '') });
  res.writeHead(errorStatus[reason], { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** undici's errors that mean the request itself could not be sent as it is */
const REFUSED_REQUEST_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

/** Every field is given, in this order, so that V8 sees one object shape on the hot path. */
export interface RelayOptions {
  /** response headers added after the upstream's own (the proxy's sandbox for pages) */
  readonly extraHeaders: ((req: http.IncomingMessage) => readonly string[]) | null;
  /** the client's connection is closed after the answer when the upstream closed its own */
  readonly mirrorClose: boolean;
  /** when it returns a promise, the answer is held until it settles (a state barrier) */
  readonly beforeHead: (() => Promise<void> | null) | null;
  /** the reason and message when the upstream cannot be reached */
  readonly unreachable: (code: string) => readonly [ErrorReason, string];
}

/**
 * The calls open on each key (a run), with one timer per key (not per call): a run's deadline is
 * fixed when it starts, and when it passes every call still open is ended by `onDeadline`. An entry
 * lives until that deadline.
 */
export class OpenCalls {
  private readonly byKey = new Map<string, { readonly timer: NodeJS.Timeout; readonly calls: Set<RelayExchange> }>();

  /** the set of `key`'s open calls, its deadline armed `remainingMs` from now on first use */
  of(key: string, remainingMs: number): Set<RelayExchange> {
    let entry = this.byKey.get(key);
    if (!entry) {
      const calls = new Set<RelayExchange>();
      const timer = setTimeout(() => {
        this.byKey.delete(key);
        for (const call of calls) call.onDeadline();
      }, remainingMs);
      timer.unref();
      entry = { timer, calls };
      this.byKey.set(key, entry);
    }
    return entry.calls;
  }

  close(): void {
    for (const { timer } of this.byKey.values()) clearTimeout(timer);
    this.byKey.clear();
  }
}

function saysClose(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection' && /\bclose\b/i.test(raw[i + 1]!)) return true;
  }
  return false;
}

/**
 * One relayed call, as undici's dispatch handler: writes the upstream's answer as it came (status,
 * status text, headers in their original case, order and multiplicity, less the hop-by-hop ones)
 * in one writeHead, then streams the body with backpressure. Stops the upstream request when the
 * client goes away, and at the deadline of `open` (when given) answers `instance_timeout`.
 */
export class RelayExchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  /** why the upstream request must stop, once it must */
  private stopReason: Error | null = null;
  private ended = false;
  /** events that came while the answer was held by `beforeHead` */
  private held: Array<() => void> | null = null;
  /** the client is not taking the answer as fast as it comes: the upstream is paused until drain */
  private draining = false;

  constructor(
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private readonly options: RelayOptions,
    private readonly open: Set<RelayExchange> | null,
  ) {
    open?.add(this);
    res.once('close', () => {
      open?.delete(this);
      if (!this.ended) this.stop(new Error('the client went away'));
    });
  }

  private settle(): void {
    this.ended = true;
    this.open?.delete(this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.stopReason) controller.abort(this.stopReason);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, _headers: unknown, statusMessage?: string): void {
    // 1xx informational answers are the relay's business with the upstream, not the caller's
    if (statusCode < 200) return;
    const wait = this.options.beforeHead?.() ?? null;
    if (wait) {
      this.held = [];
      controller.pause();
      void wait.then(() => {
        this.writeHead(controller, statusCode, statusMessage);
        const held = this.held ?? [];
        this.held = null;
        for (const replay of held) replay();
        if (!this.draining) controller.resume();
      });
      return;
    }
    this.writeHead(controller, statusCode, statusMessage);
  }

  private writeHead(controller: Dispatcher.DispatchController, statusCode: number, statusMessage: string | undefined): void {
    const { res, req } = this;
    if (res.headersSent || res.destroyed) return;
    const raw = latin1Headers((controller.rawHeaders ?? []) as Array<Buffer | string>);
    const headers = rawWithoutHopByHop(raw);
    const extra = this.options.extraHeaders?.(req);
    if (extra) headers.push(...extra);
    // our own hop to the client: keep-alive unless the client (or, when mirrored, the upstream) closes
    const close = req.headers.connection !== undefined && /\bclose\b/i.test(req.headers.connection);
    const upstreamCloses = this.options.mirrorClose && saysClose(raw);
    headers.push('connection', close || upstreamCloses || req.httpVersion === '1.0' ? 'close' : 'keep-alive');
    try {
      res.writeHead(statusCode, statusMessage, headers);
    } catch {
      this.stop(new Error('invalid response header'));
      sendError(res, 'instance_unreachable', 'the service answered with a header that is not valid HTTP');
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.held) {
      this.held.push(() => this.onResponseData(controller, chunk));
      return;
    }
    if (this.res.destroyed) return;
    if (!this.res.write(chunk) && !this.draining) {
      this.draining = true;
      controller.pause();
      this.res.once('drain', () => {
        this.draining = false;
        controller.resume();
      });
    }
  }

  onResponseEnd(controller: Dispatcher.DispatchController): void {
    if (this.held) {
      this.held.push(() => this.onResponseEnd(controller));
      return;
    }
    this.settle();
    this.res.end();
  }

  onResponseError(controller: Dispatcher.DispatchController, err: Error & { code?: string }): void {
    if (this.held) {
      this.held.push(() => this.onResponseError(controller, err));
      return;
    }
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
    const [reason, message] = this.options.unreachable(err.code ?? err.message);
    sendError(res, reason, message);
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
