import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError, type ErrorReason } from '../errors.js';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The Host names this server answers to: loopback names at its port (and the bound address when
 * `--host` names one). A page on another site that rebinds its DNS name to 127.0.0.1 still sends
 * its own name as Host, so it is refused before any auth or proxying.
 */
export class HostPolicy {
  private allowed = new Set<string>();
  /** Host values containers use (never an Origin the console's pages have) */
  private readonly containerHosts = new Set<string>();
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

  /**
   * Also answers to `host:port` (`host.docker.internal:7400` on Docker Desktop, where containers
   * reach this port through that name). A browser never sends it for a page of another site.
   */
  alsoAnswerTo(hostAndPort: string): void {
    this.containerHosts.add(hostAndPort.toLowerCase());
  }

  /** null when the request may proceed, else the reason to refuse it. */
  check(req: { readonly headers: IncomingHttpHeaders }): ErrorReason | null {
    const host = req.headers.host;
    if (!host) return 'missing_host';
    if (this.anyHost) return null;
    const name = host.toLowerCase();
    return this.allowed.has(name) || this.containerHosts.has(name) ? null : 'forbidden_host';
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

/** A `%` in a path that is not followed by two hex digits. */
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Why a request is refused before any route sees it: the reason and the message for the caller. */
export type GuardRefusal = readonly [ErrorReason, string];

/**
 * What every request must be before it is routed: an origin-form target (`/path`, never
 * `http://host/path` or `*`), exactly one Host, and a Host this server answers to. Node's parser
 * keeps every Host line in `rawHeaders` but only the first in `headers`, so both are read.
 */
export function refuseBeforeRouting(req: IncomingMessage, policy: HostPolicy): GuardRefusal | null {
  if (!req.url?.startsWith('/')) return ['invalid_request_target', 'the request target must be a path (origin-form)'];
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    if (req.rawHeaders[i]!.length === 4 && req.rawHeaders[i]!.toLowerCase() === 'host') hosts++;
  if (hosts > 1) return ['duplicate_host', 'the request has more than one Host header'];
  const query = req.url.indexOf('?');
  if (BAD_ESCAPE.test(query < 0 ? req.url : req.url.slice(0, query)))
    return ['malformed_path', 'the path has a malformed % escape (a % must be followed by two hex digits)'];
  const refused = policy.check(req);
  if (refused === 'missing_host') return [refused, 'the request has no Host header'];
  if (refused) return [refused, 'this server answers only to 127.0.0.1, localhost and [::1] at its port'];
  return null;
}

/**
 * Refuses a path that does not decode as percent-encoded UTF-8 (`/lambdas/%E0%A4/runs`): no route
 * of the API or the console has one, so it is 400 before routing rather than whatever a route's
 * own decoding would make of it. (Proxied paths are not checked here: they go to the service as sent.)
 */
export const refuseUndecodablePath: RequestHandler = (req, _res, next) => {
  try {
    decodeURIComponent(req.path);
  } catch {
    throw new AppError('malformed_path', 'the path is not valid percent-encoded UTF-8');
  }
  next();
};

/** Sec-Fetch-Site values of the console's own pages and of an address typed in the browser. */
const OWN_FETCH_SITES = new Set(['same-origin', 'none']);

/**
 * Why the console's session cookie may not authenticate this request, or null when it may. The
 * browser sends the SameSite=Strict cookie with every same-site request, and a page on another
 * port of 127.0.0.1 is same-site: its `<img>`, `<script>` or no-cors fetch carries the cookie and
 * no Origin. So the cookie counts only when Origin, if sent, is the console's own (a page served
 * through the proxy sends `null`), and Sec-Fetch-Site, if sent, is `same-origin` or `none`. curl
 * and scripts send neither. Every route reads the cookie through ConsoleAuth, which asks here.
 */
export function sessionCookieRefusal(
  headers: IncomingHttpHeaders,
  isOwnOrigin: (origin: string) => boolean,
): string | null {
  const origin = headers.origin;
  if (origin !== undefined && !isOwnOrigin(origin)) return 'the console session cannot be used from another origin';
  const site = headers['sec-fetch-site'];
  if (site !== undefined && !OWN_FETCH_SITES.has(String(site).trim().toLowerCase()))
    return "the console session cannot be used by another site's page";
  return null;
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
