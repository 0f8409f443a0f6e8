import type http from 'node:http';
import type { LoggedRequest } from '../../contract/types.js';
import type { LoggedBody } from '../../contract/types.js';
import { REDACTED, type Redactor } from '../../domain/redact.js';
import { BodyCapture, RequestRecord, type RequestLog, type RequestSummary } from './request-log.js';

/** How the request log masks secrets: the server's redactor and the session cookie's name. */
export interface LogRedaction {
  readonly redactor: Redactor;
  readonly sessionCookie: string;
}

/** A logged body with every secret it holds masked (text bodies only: binary ones are kept as they are). */
export function redactedBody(body: LoggedBody | null, redactor: Redactor): LoggedBody | null {
  return body && 'text' in body ? { text: redactor.text(body.text) } : body;
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
  /** the upstream's answer head as a flat [name, value, …] list */
  private responseHeaders: readonly string[] | null = null;
  reason: string | null = null;

  constructor(
    private readonly log: RequestLog,
    private readonly runId: string,
    private readonly req: http.IncomingMessage,
    res: http.ServerResponse,
    private readonly rest: string,
    private readonly via: LoggedRequest['via'],
    private readonly redaction: LogRedaction,
  ) {
    res.once('close', () => this.finish(res));
  }

  /** The upstream's answer head (already without hop-by-hop headers). */
  head(headers: readonly string[]): void {
    this.responseHeaders = headers;
  }

  data(chunk: Buffer): void {
    this.response.add(chunk);
  }

  private finish(res: http.ServerResponse): void {
    const q = this.rest.indexOf('?');
    const upstream = this.responseHeaders;
    const ownError = upstream === null && res.headersSent;
    // the emulator's own answer: its headers now, while the response still has them
    const ownHeaders =
      upstream === null
        ? Object.entries(res.getHeaders()).map(
            ([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)] as [string, string],
          )
        : null;
    // the closure keeps the raw header list, never the request or its socket
    const { redaction, request, response } = this;
    const { redactor } = redaction;
    const rawHeaders = this.req.rawHeaders;
    const method = this.req.method ?? 'GET';
    const summary: RequestSummary = {
      id: this.log.newId(),
      at: this.started,
      method,
      path: redactor.text(q < 0 ? this.rest : this.rest.slice(0, q)),
      query: q < 0 ? '' : redactor.query(this.rest.slice(q + 1)),
      status: res.headersSent ? res.statusCode : 0,
      durationMs: Date.now() - this.started,
      requestBytes: request.bytes,
      responseBytes: ownError ? Number(res.getHeader('content-length') ?? 0) : response.bytes,
      reason: this.reason,
      via: this.via,
    };
    this.log.add(
      this.runId,
      new RequestRecord(summary, () => ({
        requestHeaders: redactor.headers(rawHeaders, redaction.sessionCookie),
        responseHeaders: (ownHeaders ?? pairs(upstream ?? [])).map(([name, value]) => [
          name,
          redactor.holdsSecret(value) ? REDACTED : value,
        ]),
        requestBody: redactedBody(request.body(), redactor),
        responseBody: ownError ? null : redactedBody(response.body(), redactor),
      })),
    );
  }
}

function pairs(flat: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}
