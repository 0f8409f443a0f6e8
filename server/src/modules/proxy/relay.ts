import type http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { errorStatus, type ErrorReason } from '../../errors.js';
import { redactSecrets } from '../../http/error-middleware.js';
import { CLOSE_TOKEN, latin1Headers, rawWithoutHopByHop } from './hop-by-hop.js';

/** The seed's error body (secrets never appear in it). */
export function errorBody(reason: ErrorReason, message: string): string {
  return JSON.stringify({ error: true, reason, message: redactSecrets(message, '') });
}

/** Writes the seed's error body, or cuts the connection when an answer has already begun. */
export function sendError(res: http.ServerResponse, reason: ErrorReason, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(reason, message);
  res.writeHead(errorStatus[reason], { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** undici's errors that mean the request itself could not be sent as it is */
const REFUSED_REQUEST_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

/** What a relay reads of the caller's request. */
export interface RelayRequest {
  readonly headers: IncomingHttpHeaders;
  readonly httpVersion: string;
}

/** Every field is given, in this order, so that V8 sees one object shape on the hot path. */
export interface RelayOptions {
  /** response headers added after the upstream's own (the proxy's sandbox for pages) */
  readonly extraHeaders: ((req: RelayRequest) => readonly string[]) | null;
  /** the client's connection is closed after the answer when the upstream closed its own */
  readonly mirrorClose: boolean;
  /** when it returns a promise, the answer is held until it settles (a state barrier) */
  readonly beforeHead: (() => Promise<void> | null) | null;
  /** the reason and message when the upstream cannot be reached */
  readonly unreachable: (code: string) => readonly [ErrorReason, string];
}

/**
 * Where a relayed answer is written: Node's `ServerResponse` (ResponseSink), or the raw socket of a
 * connection that the front door's fast lane reads itself (WireSink, wire-sink.ts). Both write the
 * same bytes.
 */
export interface AnswerSink {
  /** a head has been written (or composed): an error now can only cut the connection */
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  /** `fn` runs once if the client goes away before the answer is complete */
  onClientGone(fn: () => void): void;
  /**
   * The head: status, reason, end-to-end headers as a flat list; `close` when the connection
   * closes after this answer. False when a header is not valid HTTP (nothing is written then).
   */
  writeHead(statusCode: number, statusMessage: string | undefined, headers: string[], close: boolean): boolean;
  /** false when the client is not keeping up: wait for `onceDrain` */
  write(chunk: Buffer): boolean;
  onceDrain(fn: () => void): void;
  end(): void;
  /** the seed's error answer, or a cut connection once a head has been written */
  fail(reason: ErrorReason, message: string): void;
}

/** The other path's sink: Node's own `ServerResponse`. */
export class ResponseSink implements AnswerSink {
  constructor(private readonly res: http.ServerResponse) {}

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  get destroyed(): boolean {
    return this.res.destroyed;
  }

  onClientGone(fn: () => void): void {
    this.res.once('close', fn);
  }

  writeHead(statusCode: number, statusMessage: string | undefined, headers: string[], close: boolean): boolean {
    headers.push('connection', close ? 'close' : 'keep-alive');
    try {
      this.res.writeHead(statusCode, statusMessage, headers);
      return true;
    } catch {
      return false;
    }
  }

  write(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }

  onceDrain(fn: () => void): void {
    this.res.once('drain', fn);
  }

  end(): void {
    this.res.end();
  }

  fail(reason: ErrorReason, message: string): void {
    sendError(this.res, reason, message);
  }
}

/** A call that must end when its run's deadline passes. */
export interface DeadlineBound {
  onDeadline(): void;
}

/**
 * The calls open on each key (a run), with one timer per key (not per call): a run's deadline is
 * fixed when it starts, and when it passes every call still open is ended by `onDeadline`. An entry
 * lives until that deadline.
 */
export class OpenCalls {
  private readonly byKey = new Map<string, { readonly timer: NodeJS.Timeout; readonly calls: Set<DeadlineBound> }>();

  /** the set of `key`'s open calls, its deadline armed `remainingMs` from now on first use */
  of(key: string, remainingMs: number): Set<DeadlineBound> {
    let entry = this.byKey.get(key);
    if (!entry) {
      const calls = new Set<DeadlineBound>();
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
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection' && CLOSE_TOKEN.test(raw[i + 1]!)) return true;
  }
  return false;
}

/**
 * One relayed call, as undici's dispatch handler: writes the upstream's answer as it came (status,
 * status text, headers in their original case, order and multiplicity, less the hop-by-hop ones)
 * in one head, then streams the body with backpressure. Stops the upstream request when the
 * client goes away, and at the deadline of `open` (when given) answers `instance_timeout`.
 */
export class RelayExchange implements Dispatcher.DispatchHandler, DeadlineBound {
  private controller: Dispatcher.DispatchController | null = null;
  /** why the upstream request must stop, once it must */
  private stopReason: Error | null = null;
  private ended = false;
  /** events that came while the answer was held by `beforeHead` */
  private held: Array<() => void> | null = null;
  /** the client is not taking the answer as fast as it comes: the upstream is paused until drain */
  private draining = false;

  constructor(
    private readonly req: RelayRequest,
    private readonly sink: AnswerSink,
    private readonly options: RelayOptions,
    private readonly open: Set<DeadlineBound> | null,
  ) {
    open?.add(this);
    sink.onClientGone(() => {
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
    const { sink, req } = this;
    if (sink.headersSent || sink.destroyed) return;
    const raw = latin1Headers((controller.rawHeaders ?? []) as Array<Buffer | string>);
    const headers = rawWithoutHopByHop(raw);
    const extra = this.options.extraHeaders?.(req);
    if (extra) headers.push(...extra);
    // our own hop to the client: keep-alive unless the client (or, when mirrored, the upstream) closes
    const close =
      (req.headers.connection !== undefined && CLOSE_TOKEN.test(req.headers.connection)) ||
      (this.options.mirrorClose && saysClose(raw)) ||
      req.httpVersion === '1.0';
    if (!sink.writeHead(statusCode, statusMessage, headers, close)) {
      this.stop(new Error('invalid response header'));
      sink.fail('instance_unreachable', 'the service answered with a header that is not valid HTTP');
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.held) {
      this.held.push(() => this.onResponseData(controller, chunk));
      return;
    }
    if (this.sink.destroyed || this.stopReason) return;
    if (!this.sink.write(chunk) && !this.draining) {
      this.draining = true;
      controller.pause();
      this.sink.onceDrain(() => {
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
    if (!this.stopReason) this.sink.end();
  }

  onResponseError(controller: Dispatcher.DispatchController, err: Error & { code?: string }): void {
    if (this.held) {
      this.held.push(() => this.onResponseError(controller, err));
      return;
    }
    this.settle();
    if (this.stopReason) return;
    if (err.code && REFUSED_REQUEST_CODES.has(err.code)) {
      this.sink.fail('bad_request', `the request cannot be forwarded: ${err.message}`);
      return;
    }
    const [reason, message] = this.options.unreachable(err.code ?? err.message);
    this.sink.fail(reason, message);
  }

  onDeadline(): void {
    if (this.ended) return;
    this.stop(new Error('the run reached its deadline'));
    this.sink.fail('instance_timeout', 'the upstream call passed the run\'s remaining timeout');
  }

  private stop(reason: Error): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.controller?.abort(reason);
  }
}
