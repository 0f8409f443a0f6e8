// `/lambda-url/{LAMBDA_ID}/**`, any method: a function URL, as `sam local start-api` serves one. The
// request becomes a payload format 2.0 event (http-event.ts), goes through the function's queue and
// warm containers as an Invoke API call does, and the result goes back as HTTP.
import type http from 'node:http';
import { AppError } from '../../errors.js';
import { sendError } from '../../http/error-response.js';
import { readBodyUpTo } from '../../http/read-body.js';
import type { ConsoleAuth } from '../callers/index.js';
import { authorizePublicCaller } from '../callers/index.js';
import type { KeysService } from '../keys/index.js';
import { CallerCredentials, isBrowserNavigation, matchProxyPath, SANDBOX_POLICY } from '../proxy/index.js';
import { newRequestId, newTraceId } from './aws-identity.js';
import { AwsApiError } from './aws-errors.js';
import type { AwsService } from './aws-service.js';
import { buildHttpEvent, FUNCTION_ERROR_ANSWER, httpAnswerOf, TIMEOUT_ANSWER, type HttpAnswer } from './http-event.js';
import { MAX_SYNC_PAYLOAD_BYTES } from './invoke-router.js';

export interface FunctionUrlDeps {
  readonly aws: AwsService;
  readonly keys: KeysService;
  readonly consoleAuth: ConsoleAuth;
  /** the console token and session cookie name: never passed into an event */
  readonly consoleToken: string;
  readonly sessionCookie: string;
  readonly log: (line: string) => void;
}

const PATTERN = /^\/lambda-url\/([^/?#]+)(?=[/?]|$)(.*)$/s;

/** `{ id, rawPath, rawQueryString }` of a function URL, else null. */
export function matchFunctionUrl(url: string): { id: string; rawPath: string; rawQueryString: string } | null {
  const m = matchProxyPath(PATTERN, url);
  if (!m) return null;
  const q = m.rest.indexOf('?');
  return q === -1
    ? { id: m.id, rawPath: m.rest, rawQueryString: '' }
    : { id: m.id, rawPath: m.rest.slice(0, q) || '/', rawQueryString: m.rest.slice(q + 1) };
}

export class FunctionUrls {
  private readonly credentials: CallerCredentials;

  constructor(private readonly deps: FunctionUrlDeps) {
    this.credentials = new CallerCredentials(deps.consoleToken, deps.sessionCookie);
  }

  /** Handles the request when its URL is a function URL; false otherwise. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = req.url ?? '';
    if (!url.startsWith('/lambda-url/')) return false;
    const call = matchFunctionUrl(url);
    if (!call) {
      sendError(res, 'bad_request', 'the function URL is malformed: /lambda-url/{LAMBDA_ID}/…');
      return true;
    }
    this.serve(req, res, call).catch((err: unknown) => {
      if (err instanceof AwsApiError) err = err.toAppError();
      if (err instanceof AppError) {
        sendError(res, err.reason, err.message, {
          consoleToken: this.deps.consoleToken,
          close: err.reason === 'unsupported_protocol' || err.reason === 'payload_too_large',
        });
        return;
      }
      this.deps.log(`function URL failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      sendError(res, 'internal_error', 'the function URL failed; see the emulator output');
    });
    return true;
  }

  private async serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: NonNullable<ReturnType<typeof matchFunctionUrl>>,
  ): Promise<void> {
    const { aws, keys, consoleAuth } = this.deps;
    // the caller and the function are checked before a byte of the body is read
    const project = aws.resolveFunction(call.id, undefined);
    if (!project.publicInstances) authorizePublicCaller(req, project.id, keys, consoleAuth);
    if (req.headers.upgrade !== undefined)
      throw new AppError('unsupported_protocol', 'function URLs do not take WebSocket or other upgraded protocols');
    aws.checkInvokable(project);
    const body = await readBodyUpTo(req, MAX_SYNC_PAYLOAD_BYTES);
    if (body === null) throw tooLarge();
    const requestId = newRequestId();
    const now = Date.now();
    const traceId = newTraceId(now);
    const event = buildHttpEvent(
      {
        method: req.method ?? 'GET',
        rawPath: call.rawPath,
        rawQueryString: call.rawQueryString,
        rawHeaders: req.rawHeaders,
        body,
        sourceIp: peerAddress(req),
        localPort: req.socket.localPort ?? 0,
        requestId,
        apiId: project.id,
        traceId,
        timeEpoch: now,
      },
      this.credentials,
    );
    const payload = Buffer.from(JSON.stringify(event));
    if (payload.length > MAX_SYNC_PAYLOAD_BYTES) throw tooLarge();
    const httpCall = { method: event.requestContext.http.method, path: call.rawPath, query: call.rawQueryString };
    const invocation = await aws.invoke(project, {
      type: 'RequestResponse',
      source: 'url',
      payload,
      clientContext: null,
      cognitoIdentity: null,
      traceId,
      requestId,
      http: { ...httpCall, status: null },
    });
    const outcome = await invocation.result.promise;
    const answer = !outcome.functionError
      ? httpAnswerOf(outcome.body)
      : invocation.record.state === 'timedOut'
        ? TIMEOUT_ANSWER
        : FUNCTION_ERROR_ANSWER;
    invocation.record.http = { ...httpCall, status: answer.status };
    send(req, res, answer, requestId);
  }
}

const tooLarge = () =>
  new AppError('payload_too_large', `function URL requests are limited to ${MAX_SYNC_PAYLOAD_BYTES} bytes`);

function peerAddress(req: http.IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function send(req: http.IncomingMessage, res: http.ServerResponse, answer: HttpAnswer, requestId: string): void {
  if (res.headersSent || res.destroyed) return;
  const headers: string[] = ['x-amzn-RequestId', requestId];
  for (const [name, value] of answer.headers) headers.push(name, value);
  // a page the browser shows runs in an opaque origin: the console shares this origin
  if (isBrowserNavigation(req)) headers.push('Content-Security-Policy', SANDBOX_POLICY);
  headers.push('content-length', String(answer.body.length));
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}
