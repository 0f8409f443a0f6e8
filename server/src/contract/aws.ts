// AWS Lambda mode (docs/api.md#aws-lambda-mode): the console's view of invocations and warm containers. Types only.
import type { LogChunk } from './types.js';

export type AwsInvocationType = 'RequestResponse' | 'Event';

/**
 * queued: waiting for a container; running: handed to one; then succeeded (a response),
 * failed (a function, init or runtime error) or timedOut.
 */
export type AwsInvocationState = 'queued' | 'running' | 'succeeded' | 'failed' | 'timedOut';

/** A payload or response kept for the console: its first 64 KiB, as text when it is UTF-8, else base64. */
export interface AwsBody {
  text?: string;
  base64?: string;
  /** the whole size in bytes */
  bytes: number;
  /** true when only the first 64 KiB are kept */
  truncated: boolean;
}

export interface AwsInvocation {
  /** the AWS request id (`x-amzn-RequestId`, `Lambda-Runtime-Aws-Request-Id`) */
  requestId: string;
  project: string;
  type: AwsInvocationType;
  /** `api`: the Invoke API; `console`: the console's invoke; `url`: an HTTP call to its function URL */
  source: 'api' | 'console' | 'url';
  /** a call through the function URL (`/lambda-url/{LAMBDA_ID}/**`): absent for other sources */
  http?: AwsHttpCall;
  state: AwsInvocationState;
  /** null while queued; true when the invocation started a container (it has an init duration) */
  coldStart: boolean | null;
  /** the warm container that ran it (AwsContainer.id) */
  container: string | null;
  /** unix ms */
  receivedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  billedDurationMs: number | null;
  initDurationMs: number | null;
  maxMemoryUsedMb: number | null;
  /** `errorType` of a failed or timed-out invocation (`Sandbox.Timedout`, `Runtime.ExitError`, the function's own) */
  errorType: string | null;
  errorMessage: string | null;
  payload: AwsBody;
  /** the function's response, or the error document the caller got; null until it ends */
  response: AwsBody | null;
  /** the invocation's last 4 KB of log, START to REPORT (what `X-Amz-Log-Type: Tail` returns) */
  logTail: string;
}

/** The HTTP side of a function URL call, as the console lists it. */
export interface AwsHttpCall {
  method: string;
  /** the path after `/lambda-url/{LAMBDA_ID}` (the event's rawPath) */
  path: string;
  /** the query without `?` (the event's rawQueryString) */
  query: string;
  /** the status the caller got; null until the function answered */
  status: number | null;
}

export type AwsContainerState = 'starting' | 'idle' | 'busy' | 'stopping';

/** A warm container of a function (an AWS execution environment). */
export interface AwsContainer {
  id: string;
  /** the engine's container id */
  containerId: string | null;
  compilation: string;
  state: AwsContainerState;
  /** unix ms */
  startedAt: number;
  lastInvokedAt: number | null;
  invocations: number;
  /** AWS_LAMBDA_LOG_STREAM_NAME */
  logStreamName: string;
}

export interface AwsInvocationsResponse {
  invocations: AwsInvocation[];
}
export interface AwsInvocationResponse {
  invocation: AwsInvocation;
}
export interface AwsContainersResponse {
  containers: AwsContainer[];
}
export interface AwsFunctionLogResponse {
  logs: LogChunk[];
  logsTruncated: boolean;
}
/** POST /console/api/projects/{id}/invocations */
export interface AwsConsoleInvokeRequest {
  /** the payload as it is sent (JSON text); empty or absent sends `{}` */
  payload?: string;
  type?: AwsInvocationType;
  /** a JSON object, passed as Lambda-Runtime-Client-Context */
  clientContext?: Record<string, unknown>;
  /** a JSON object, passed as Lambda-Runtime-Cognito-Identity */
  cognitoIdentity?: Record<string, unknown>;
}
