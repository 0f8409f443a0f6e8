import type http from 'node:http';
import type { LoggedBody, LoggedRequest } from '../../contract/types.js';
import { NO_MASK, type SecretMask } from '../../domain/secret-mask.js';
import type { CallerCredentials } from './credentials.js';
import { BodyCapture, RequestRecord, type RequestLog, type RequestSummary } from './request-log.js';

const REDACTED = '[redacted]';

/** The caller's headers as the request log keeps them: credentials replaced, nothing else changed. */
export function redactedHeaders(raw: readonly string[], credentials: CallerCredentials): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === 'x-api-key' || (lower === 'authorization' && credentials.isCredentialAuthorization(value)))
      out.push([name, REDACTED]);
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
    private readonly credentials: CallerCredentials,
    /** the project's secrets, masked in what the record keeps */
    private readonly mask: SecretMask = NO_MASK,
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
    const { credentials, request, response, mask } = this;
    const rawHeaders = this.req.rawHeaders;
    const method = this.req.method ?? 'GET';
    const summary: RequestSummary = {
      id: this.log.newId(),
      at: this.started,
      method,
      path: mask.text(q < 0 ? this.rest : this.rest.slice(0, q)),
      query: mask.text(q < 0 ? '' : this.rest.slice(q + 1)),
      status: res.headersSent ? res.statusCode : 0,
      durationMs: Date.now() - this.started,
      requestBytes: request.bytes,
      responseBytes: ownError ? Number(res.getHeader('content-length') ?? 0) : response.bytes,
      reason: this.reason,
      via: this.via,
    };
    this.log.add(
      this.runId,
      new RequestRecord(summary, () =>
        maskDetails(mask, {
          requestHeaders: redactedHeaders(rawHeaders, credentials),
          responseHeaders: ownHeaders ?? pairs(upstream ?? []),
          requestBody: request.body(),
          responseBody: ownError ? null : response.body(),
        }),
      ),
    );
  }
}

/** Secret values replaced in header values and text bodies (base64 bodies are kept as they are). */
function maskDetails<
  T extends Pick<LoggedRequest, 'requestHeaders' | 'responseHeaders' | 'requestBody' | 'responseBody'>,
>(mask: SecretMask, details: T): T {
  if (mask.empty) return details;
  const headers = (list: Array<[string, string]>) => list.map(([n, v]) => [n, mask.text(v)] as [string, string]);
  const body = (b: LoggedBody | null): LoggedBody | null => (b && 'text' in b ? { text: mask.text(b.text) } : b);
  return {
    ...details,
    requestHeaders: headers(details.requestHeaders),
    responseHeaders: headers(details.responseHeaders),
    requestBody: body(details.requestBody),
    responseBody: body(details.responseBody),
  };
}

function pairs(flat: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}
