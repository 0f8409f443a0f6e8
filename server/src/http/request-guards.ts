import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError, errorStatus, type ErrorReason } from '../errors.js';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The Host names this server answers to: loopback names at its port (and the bound address when
 * `--host` names one). A page on another site that rebinds its DNS name to 127.0.0.1 still sends
 * its own name as Host, so it is refused before any auth or proxying.
 */
export class HostPolicy {
  private allowed = new Set<string>();
  private anyHost = false;

  constructor(private readonly boundHost: string) {}

  listeningOn(port: number): void {
    this.anyHost = WILDCARD_HOSTS.has(this.boundHost);
    const names = ['127.0.0.1', 'localhost', '[::1]'];
    if (!this.anyHost && !['127.0.0.1', 'localhost', '::1'].includes(this.boundHost)) {
      names.push(this.boundHost.includes(':') ? `[${this.boundHost}]` : this.boundHost);
    }
    this.allowed = new Set(names.map((n) => `${n}:${port}`.toLowerCase()));
  }

  /** null when the request may proceed, else the reason to refuse it. */
  check(req: { readonly headers: IncomingHttpHeaders }): ErrorReason | null {
    const host = req.headers.host;
    if (!host) return 'missing_host';
    if (this.anyHost) return null;
    return this.allowed.has(host.toLowerCase()) ? null : 'forbidden_host';
  }

  /** An Origin header naming this server (what the console's own pages send). */
  isOwnOrigin(origin: string): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' || url.pathname !== '/' || url.username || url.password) return false;
    return this.anyHost || this.allowed.has(url.host.toLowerCase());
  }
}

export function writeGuardError(res: ServerResponse, reason: ErrorReason, message: string): void {
  const body = JSON.stringify({ error: true, reason, message });
  res.writeHead(errorStatus[reason], { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

export function hostRefusalMessage(reason: ErrorReason): string {
  return reason === 'missing_host' ? 'the request has no Host header' : 'this server answers only to 127.0.0.1, localhost and [::1] at its port';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses requests that carry an Origin other than this server's own: a page on another site may
 * not drive the console, nor change state through the public API. Requests without Origin (curl,
 * SDKs, server-side code) go on to the key check. No CORS headers are ever sent, so a foreign page
 * cannot read answers or send X-API-Key either.
 */
export function originGuard(policy: HostPolicy, methods: 'all' | 'state-changing'): RequestHandler {
  return (req, _res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined) return next();
    if (methods === 'state-changing' && SAFE_METHODS.has(req.method)) return next();
    if (!policy.isOwnOrigin(origin)) throw new AppError('forbidden_origin', 'requests from other origins are refused');
    next();
  };
}
