// The lines AWS Lambda writes into a function's log around each invocation, and its error documents.

export interface ReportFigures {
  readonly durationMs: number;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  /** cold starts only */
  readonly initDurationMs: number | null;
  /** `timeout`, or `error` with its type, as AWS adds them to a failed invocation's REPORT */
  readonly status?: { readonly kind: 'timeout' } | { readonly kind: 'error'; readonly errorType: string };
}

export function startLine(requestId: string): string {
  return `START RequestId: ${requestId} Version: $LATEST`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

/** Custom runtimes are billed for their init too: whole milliseconds, rounded up. */
export function billedDurationMs(durationMs: number, initDurationMs: number | null): number {
  return Math.ceil(durationMs + (initDurationMs ?? 0));
}

/** `REPORT RequestId: …\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t…` */
export function reportLine(requestId: string, f: ReportFigures): string {
  const parts = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${f.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${billedDurationMs(f.durationMs, f.initDurationMs)} ms`,
    `Memory Size: ${f.memorySizeMb} MB`,
    `Max Memory Used: ${f.maxMemoryUsedMb} MB`,
  ];
  if (f.initDurationMs !== null) parts.push(`Init Duration: ${f.initDurationMs.toFixed(2)} ms`);
  if (f.status?.kind === 'timeout') parts.push('Status: timeout');
  if (f.status?.kind === 'error') parts.push('Status: error', `Error Type: ${f.status.errorType}`);
  return parts.join('\t') + '\t';
}

export function timeoutSeconds(timeoutS: number): string {
  return timeoutS.toFixed(2);
}

/** The log line of a timeout: `2026-12-01T10:00:00.000Z <id> Task timed out after 3.00 seconds`. */
export function timeoutLogLine(requestId: string, nowMs: number, timeoutS: number): string {
  return `${new Date(nowMs).toISOString()} ${requestId} Task timed out after ${timeoutSeconds(timeoutS)} seconds`;
}

/** What the caller of a timed-out invocation gets (200, `X-Amz-Function-Error: Unhandled`). */
export function timeoutError(requestId: string, timeoutS: number): { errorType: string; errorMessage: string } {
  return {
    errorType: 'Sandbox.Timedout',
    errorMessage: `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds(timeoutS)} seconds`,
  };
}

const SIGNAL_TEXT: Readonly<Record<number, string>> = {
  1: 'hangup',
  2: 'interrupt',
  4: 'illegal instruction',
  5: 'trace/breakpoint trap',
  6: 'aborted',
  7: 'bus error',
  8: 'floating point exception',
  9: 'killed',
  11: 'segmentation fault',
  15: 'terminated',
};

/** `exit status 1`, `signal: segmentation fault`: how AWS words a runtime's end (docker-init reports signal n as 128 + n). */
export function describeRuntimeExit(exitCode: number | null): string {
  if (exitCode === null) return 'the container disappeared';
  if (exitCode > 128 && exitCode < 160) return `signal: ${SIGNAL_TEXT[exitCode - 128] ?? `signal ${exitCode - 128}`}`;
  return `exit status ${exitCode}`;
}

/** A runtime that exited during an invocation or its init. */
export function runtimeExitError(
  requestId: string,
  exitCode: number | null,
): { errorType: string; errorMessage: string } {
  const reason =
    exitCode === 0
      ? 'Runtime exited without providing a reason'
      : `Runtime exited with error: ${describeRuntimeExit(exitCode)}`;
  return { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: ${reason}` };
}

export const MAX_TAIL_BYTES = 4096;

/** The last `MAX_TAIL_BYTES` bytes of `text`, cut at a character boundary. */
export function lastBytes(text: string, max = MAX_TAIL_BYTES): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return text;
  let start = buf.length - max;
  while (start < buf.length && (buf[start]! & 0xc0) === 0x80) start++;
  return buf.subarray(start).toString('utf8');
}

/** How an invocation failed; `body`: the runtime's own error document, passed on unchanged. */
export type Failure = { readonly errorType: string; readonly errorMessage: string; readonly body?: Buffer };

/** The error document the caller gets. */
export function errorBody(f: Failure): Buffer {
  return f.body ?? Buffer.from(JSON.stringify({ errorType: f.errorType, errorMessage: f.errorMessage }));
}

/** The error document of a runtime's POST …/error: its body when it is JSON, else one from the header. */
export function functionErrorOf(errorType: string | null, body: Buffer): Failure & { body: Buffer } {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errorType?: unknown; errorMessage?: unknown };
    if (parsed && typeof parsed === 'object') {
      return {
        errorType: typeof parsed.errorType === 'string' ? parsed.errorType : (errorType ?? 'Unhandled'),
        errorMessage: typeof parsed.errorMessage === 'string' ? parsed.errorMessage : '',
        body,
      };
    }
  } catch {
    // not JSON: built from the header below
  }
  const failure = { errorType: errorType ?? 'Unhandled', errorMessage: body.toString('utf8') };
  return { ...failure, body: errorBody(failure) };
}

/** A response over the runtime API's limit. */
export function responseTooLargeError(bytes: number, limit: number): Failure {
  return {
    errorType: 'Function.ResponseSizeTooLarge',
    errorMessage: `Response payload size (${bytes} bytes) exceeded maximum allowed payload size (${limit} bytes).`,
  };
}

/** The INIT_REPORT line of a runtime whose init failed or timed out. */
export function initReportLine(initMs: number, status: 'error' | 'timeout', errorType: string): string {
  return `INIT_REPORT Init Duration: ${initMs.toFixed(2)} ms\tPhase: init\tStatus: ${status}\tError Type: ${errorType}`;
}
