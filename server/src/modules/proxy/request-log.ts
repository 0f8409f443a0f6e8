import type { LoggedBody, LoggedRequest } from '../../contract/types.js';

/** What a record holds besides its headers and bodies: cheap to keep for every call. */
export type RequestSummary = Omit<LoggedRequest, 'requestHeaders' | 'responseHeaders' | 'requestBody' | 'responseBody'>;
type RequestDetails = Pick<LoggedRequest, 'requestHeaders' | 'responseHeaders' | 'requestBody' | 'responseBody'>;

/**
 * One logged call: its summary now, its headers and bodies built only when the console reads
 * them (redaction, pairing and decoding are not work for every proxied call).
 */
export class RequestRecord {
  private built: RequestDetails | null = null;

  constructor(
    readonly summary: RequestSummary,
    private readonly details: () => RequestDetails,
  ) {}

  full(): LoggedRequest {
    this.built ??= this.details();
    return { ...this.summary, ...this.built };
  }
}

/** Calls kept per run, and body bytes kept per call (each way). */
export const REQUESTS_KEPT_PER_RUN = 500;
export const BODY_BYTES_KEPT = 64 * 1024;
/** Runs whose calls are kept; the least recently called is forgotten first. */
const RUNS_KEPT = 50;

/** Up to BODY_BYTES_KEPT of a body as it streams by, and its full length. */
export class BodyCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  bytes = 0;

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.kept > BODY_BYTES_KEPT) return;
    this.chunks.push(chunk);
    this.kept += chunk.length;
  }

  /** The body as text when it is UTF-8, else base64; null when it was longer than the cap. */
  body(): LoggedBody | null {
    if (this.bytes > BODY_BYTES_KEPT) return null;
    const all = Buffer.concat(this.chunks);
    const text = all.toString('utf8');
    return Buffer.byteLength(text) === all.length && !text.includes('\uFFFD')
      ? { text }
      : { base64: all.toString('base64') };
  }
}

/**
 * The calls that reached each run through the proxy (docs/api.md#live-data): the newest 500 per
 * run, in memory only, for the 50 runs called most recently. Listeners hear each new record.
 */
export class RequestLog {
  private readonly byRun = new Map<string, RequestRecord[]>();
  private readonly listeners: Array<(runId: string, record: RequestRecord) => void> = [];
  private nextId = 1;

  newId(): string {
    return String(this.nextId++);
  }

  add(runId: string, record: RequestRecord): void {
    let list = this.byRun.get(runId);
    if (list) {
      // most recently called last: Map keeps insertion order
      this.byRun.delete(runId);
    } else {
      list = [];
      if (this.byRun.size >= RUNS_KEPT) this.byRun.delete(this.byRun.keys().next().value!);
    }
    this.byRun.set(runId, list);
    list.push(record);
    if (list.length > REQUESTS_KEPT_PER_RUN) list.splice(0, list.length - REQUESTS_KEPT_PER_RUN);
    for (const listener of this.listeners) listener(runId, record);
  }

  /** Newest first. */
  list(runId: string, limit: number): LoggedRequest[] {
    return (this.byRun.get(runId) ?? [])
      .slice(-limit)
      .reverse()
      .map((r) => r.full());
  }

  get(runId: string, id: string): LoggedRequest | undefined {
    return this.byRun
      .get(runId)
      ?.find((r) => r.summary.id === id)
      ?.full();
  }

  onRecord(listener: (runId: string, record: RequestRecord) => void): void {
    this.listeners.push(listener);
  }
}
