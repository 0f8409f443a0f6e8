import type http from 'node:http';
import type { LoggedRequest } from '../../contract/types.js';
import type { CallerCredentials } from './credentials.js';
import { BodyCapture, type RequestLog } from './request-log.js';

const REDACTED = '[redacted]';

/** The caller's headers as the request log keeps them: credentials replaced, nothing else changed. */
export function redactedHeaders(raw: readonly string[], credentials: CallerCredentials): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === 'x-api-key' || (lower === 'authorization' && credentials.isCredentialAuthorization(value))) out.push([name, REDACTED]);
    else if (lower === 'cookie') out.push([name, credentials.cookieWithSessionRedacted(value, REDACTED)]);
    else out.push([name, value]);
  }
  return out;
}

/**
 * One proxied call as the request log sees it: the request as sent (credentials redacted), what
 * came back (the service's answer or the emulator's own error), sizes, duration and the first
 * 64 KiB of each body. Added to the log once, when the caller's response closes.
 */
export class CallRecorder {
  private readonly started = Date.now();
  readonly request = new BodyCapture();
  private readonly response = new BodyCapture();
  private responseHeaders: Array<[string, string]> | null = null;
  reason: string | null = null;

  constructor(
    private readonly log: RequestLog,
    private readonly runId: string,
    private readonly req: http.IncomingMessage,
    res: http.ServerResponse,
    private readonly rest: string,
    private readonly via: LoggedRequest['via'],
    private readonly credentials: CallerCredentials,
  ) {
    res.once('close', () => this.finish(res));
  }

  /** The upstream's answer head (already without hop-by-hop headers). */
  head(headers: readonly string[]): void {
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i]!, headers[i + 1]!]);
    this.responseHeaders = pairs;
  }

  data(chunk: Buffer): void {
    this.response.add(chunk);
  }

  private finish(res: http.ServerResponse): void {
    const q = this.rest.indexOf('?');
    const headers = this.responseHeaders ?? Object.entries(res.getHeaders()).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)] as [string, string]);
    const ownError = this.responseHeaders === null && res.headersSent;
    this.log.add(this.runId, {
      id: this.log.newId(),
      at: this.started,
      method: this.req.method ?? 'GET',
      path: q < 0 ? this.rest : this.rest.slice(0, q),
      query: q < 0 ? '' : this.rest.slice(q + 1),
      status: res.headersSent ? res.statusCode : 0,
      durationMs: Date.now() - this.started,
      requestBytes: this.request.bytes,
      responseBytes: ownError ? Number(res.getHeader('content-length') ?? 0) : this.response.bytes,
      reason: this.reason,
      via: this.via,
      requestHeaders: redactedHeaders(this.req.rawHeaders, this.credentials),
      responseHeaders: headers,
      requestBody: this.request.body(),
      responseBody: ownError ? null : this.response.body(),
    });
  }
}
