import type http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { ErrorReason } from '../../errors.js';
import { sendError } from '../../http/error-response.js';
import { CLOSE_TOKEN, latin1Headers, rawWithoutHopByHop } from './hop-by-hop.js';

/** undici's errors that mean the request itself could not be sent as it is */
const REFUSED_REQUEST_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

/** What a relay reads of the caller's request. */
export interface RelayRequest {
  readonly headers: IncomingHttpHeaders;
  readonly httpVersion: string;
}

export interface RelayOptions {
  /** response headers added after the upstream's own (the proxy's sandbox for pages) */
  readonly extraHeaders: (req: RelayRequest) => readonly string[];
  /** the reason and message when the upstream cannot be reached */
  readonly unreachable: (code: string) => readonly [ErrorReason, string];
}

/** What a relay tells the request log: the answer's head and body, and the emulator's reason when it answers itself. */
export interface RelayObserver {
  head(headers: readonly string[]): void;
  data(chunk: Buffer): void;
  reason: string | null;
}

/** A call that must end when its run's deadline passes. */
export interface DeadlineBound {
  onDeadline(): void;
}

/** One run's open calls: a Set that settles its idle waiters when its last call leaves. */
class OpenCallSet extends Set<DeadlineBound> {
  private idleWaiters: Array<() => void> = [];

  override delete(call: DeadlineBound): boolean {
    const removed = super.delete(call);
    if (this.size === 0) this.settleIdle();
    return removed;
  }

  whenIdle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** resolves every idle waiter (the last call left, or the calls are no longer tracked) */
  settleIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

/**
 * The calls open on each key (a run), with one timer per key (not per call): a run's deadline is
 * fixed when it starts, and when it passes every call still open is ended by `onDeadline`. An entry
 * lives until that deadline.
 */
export class OpenCalls {
  private readonly byKey = new Map<string, { readonly timer: NodeJS.Timeout; readonly calls: OpenCallSet }>();

  /** the set of `key`'s open calls, its deadline armed `remainingMs` from now on first use */
  of(key: string, remainingMs: number): Set<DeadlineBound> {
    let entry = this.byKey.get(key);
    if (!entry) {
      const calls = new OpenCallSet();
      const timer = setTimeout(() => {
        this.byKey.delete(key);
        for (const call of calls) call.onDeadline();
        calls.settleIdle();
      }, remainingMs);
      timer.unref();
      entry = { timer, calls };
      this.byKey.set(key, entry);
    }
    return entry.calls;
  }

  /** Resolves once `key` has no call open (at once when it has none), or its deadline passed. */
  whenIdle(key: string): Promise<void> {
    return this.byKey.get(key)?.calls.whenIdle() ?? Promise.resolve();
  }

  close(): void {
    for (const { timer, calls } of this.byKey.values()) {
      clearTimeout(timer);
      calls.settleIdle();
    }
    this.byKey.clear();
  }
}

/**
 * One relayed call, as undici's dispatch handler: writes the upstream's answer as it came (status,
 * status text, headers in their original case, order and multiplicity, less the hop-by-hop ones)
 * in one head through Node's `ServerResponse`, then streams the body with backpressure. Stops the
 * upstream request when the client goes away, and at the run's deadline answers `instance_timeout`.
 */
export class RelayExchange implements Dispatcher.DispatchHandler, DeadlineBound {
  private controller: Dispatcher.DispatchController | null = null;
  /** why the upstream request must stop, once it must */
  private stopReason: Error | null = null;
  private ended = false;
  /** the client is not taking the answer as fast as it comes: the upstream is paused until drain */
  private draining = false;

  constructor(
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private readonly options: RelayOptions,
    private readonly open: Set<DeadlineBound>,
    private readonly observer: RelayObserver | null = null,
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

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    _headers: unknown,
    statusMessage?: string,
  ): void {
    // 1xx informational answers are the relay's business with the upstream, not the caller's
    if (statusCode < 200) return;
    const { res, req } = this;
    if (res.headersSent || res.destroyed) return;
    const headers = rawWithoutHopByHop(latin1Headers((controller.rawHeaders ?? []) as Array<Buffer | string>));
    headers.push(...this.options.extraHeaders(req));
    // our own hop to the client: keep-alive unless the client closes
    const close =
      (req.headers.connection !== undefined && CLOSE_TOKEN.test(req.headers.connection)) || req.httpVersion === '1.0';
    headers.push('connection', close ? 'close' : 'keep-alive');
    // the upstream's headers as they are: no Date of our own
    res.sendDate = false;
    try {
      res.writeHead(statusCode, statusMessage, headers);
      this.observer?.head(headers);
    } catch {
      this.stop(new Error('invalid response header'));
      this.fail('instance_unreachable', 'the service answered with a header that is not valid HTTP');
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.res.destroyed || this.stopReason) return;
    this.observer?.data(chunk);
    if (!this.res.write(chunk) && !this.draining) {
      this.draining = true;
      controller.pause();
      this.res.once('drain', () => {
        this.draining = false;
        controller.resume();
      });
    }
  }

  onResponseEnd(): void {
    this.settle();
    if (!this.stopReason) this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error & { code?: string }): void {
    this.settle();
    if (this.stopReason) return;
    if (err.code && REFUSED_REQUEST_CODES.has(err.code)) {
      this.fail('bad_request', `the request cannot be forwarded: ${err.message}`);
      return;
    }
    const [reason, message] = this.options.unreachable(err.code ?? err.message);
    this.fail(reason, message);
  }

  private fail(reason: ErrorReason, message: string): void {
    if (this.observer) this.observer.reason = reason;
    sendError(this.res, reason, message);
  }

  onDeadline(): void {
    if (this.ended) return;
    this.stop(new Error('the run reached its deadline'));
    this.fail('instance_timeout', "the upstream call passed the run's remaining timeout");
  }

  private stop(reason: Error): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.controller?.abort(reason);
  }
}
