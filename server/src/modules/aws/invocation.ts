// One invocation's bookkeeping: the console's record, the caller's promise, the log lines that
// belong to it (for `X-Amz-Log-Type: Tail`).
import type { AwsBody, AwsHttpCall, AwsInvocation, AwsInvocationType } from '../../contract/aws.js';
import { billedDurationMs, lastBytes, MAX_TAIL_BYTES, reportLine, type ReportFigures } from './platform-lines.js';

/** Payloads and responses kept per invocation for the console. */
export const MAX_KEPT_BODY_BYTES = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function keptBody(buf: Buffer): AwsBody {
  const head = buf.subarray(0, MAX_KEPT_BODY_BYTES);
  const truncated = head.length < buf.length;
  try {
    // a cut in the middle of a character is not a reason for base64
    let end = head.length;
    if (truncated) while (end > 0 && (head[end]! & 0xc0) === 0x80) end--;
    return { text: utf8.decode(head.subarray(0, end)), bytes: buf.length, truncated };
  } catch {
    return { base64: head.toString('base64'), bytes: buf.length, truncated };
  }
}

export interface InvokeInput {
  readonly type: AwsInvocationType;
  readonly source: AwsInvocation['source'];
  readonly payload: Buffer;
  readonly clientContext: string | null;
  readonly cognitoIdentity: string | null;
  /** the caller's X-Amzn-Trace-Id, passed on; a new one otherwise */
  readonly traceId: string | null;
  /** the request id to use (a function URL puts it in its event first); a new one otherwise */
  readonly requestId?: string;
  /** a function URL call: its method and path, for the console */
  readonly http?: AwsHttpCall;
}

/** What the caller of a synchronous invoke gets. */
export interface InvokeOutcome {
  readonly requestId: string;
  /** true: 200 with `X-Amz-Function-Error: Unhandled` */
  readonly functionError: boolean;
  readonly body: Buffer;
}

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export class Invocation {
  readonly result = deferred<InvokeOutcome>();
  /** resolves once END and REPORT are written: the tail is complete */
  readonly logged = deferred<void>();
  /** performance.now() when it was handed to a runtime */
  startPerf = 0;
  timer: NodeJS.Timeout | null = null;
  settleTimer: NodeJS.Timeout | null = null;
  settleLimitPerf = 0;
  finalized = false;
  private tail: string[] = [];
  private tailBytes = 0;

  constructor(
    readonly record: AwsInvocation,
    /** emptied once the runtime has it */
    public payload: Buffer,
    readonly traceId: string,
    readonly clientContext: string | null,
    readonly cognitoIdentity: string | null,
  ) {}

  get requestId(): string {
    return this.record.requestId;
  }

  get ended(): boolean {
    return this.record.finishedAt !== null;
  }

  /** Handed to a runtime; the record says so. */
  started(containerId: string, cold: boolean, initDurationMs: number | null, now: number): void {
    const r = this.record;
    r.state = 'running';
    r.container = containerId;
    r.coldStart = cold;
    r.initDurationMs = cold ? initDurationMs : null;
    r.startedAt = now;
  }

  /** Back in the queue (its runtime never took it): the record and the tail start over. */
  requeued(): void {
    const r = this.record;
    r.state = 'queued';
    r.container = null;
    r.coldStart = null;
    r.startedAt = null;
    this.resetTail();
  }

  /** Ended: the record's outcome; the payload is let go and the caller gets `body`. */
  finish(
    state: 'succeeded' | 'failed' | 'timedOut',
    body: Buffer,
    failure: { readonly errorType: string; readonly errorMessage: string } | null,
    now: number,
  ): void {
    const r = this.record;
    r.state = state;
    r.finishedAt = now;
    if (this.startPerf) {
      r.durationMs = Math.round((performance.now() - this.startPerf) * 100) / 100;
      r.billedDurationMs = billedDurationMs(r.durationMs, r.initDurationMs);
    }
    r.errorType = failure?.errorType ?? null;
    r.errorMessage = failure?.errorMessage ?? null;
    r.response = keptBody(body);
    this.payload = Buffer.alloc(0);
    this.result.resolve({ requestId: this.requestId, functionError: state !== 'succeeded', body });
  }

  /** Its REPORT line; `status` when it did not end as the record says (a timeout). */
  reportLine(memorySizeMb: number, status?: ReportFigures['status']): string {
    const r = this.record;
    return reportLine(this.requestId, {
      durationMs: r.durationMs ?? 0,
      memorySizeMb,
      maxMemoryUsedMb: r.maxMemoryUsedMb ?? 0,
      initDurationMs: r.initDurationMs,
      status: status ?? (r.state === 'failed' && r.errorType ? { kind: 'error', errorType: r.errorType } : undefined),
    });
  }

  /** Keeps about the last 4 KB of the invocation's log lines. */
  appendTail(line: string): void {
    this.tail.push(line);
    this.tailBytes += Buffer.byteLength(line);
    while (this.tail.length > 1 && this.tailBytes - Buffer.byteLength(this.tail[0]!) >= MAX_TAIL_BYTES) {
      this.tailBytes -= Buffer.byteLength(this.tail.shift()!);
    }
  }

  /** Sets the record's tail from the lines so far (once its REPORT is written). */
  publishTail(): void {
    this.record.logTail = lastBytes(this.tail.join(''));
  }

  /** Empties the tail (an invocation handed back to the queue starts over). */
  resetTail(): void {
    this.tail = [];
    this.tailBytes = 0;
    this.record.logTail = '';
  }
}
