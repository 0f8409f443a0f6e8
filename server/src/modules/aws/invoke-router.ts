// AWS's Invoke API: POST /2015-03-31/functions/{FunctionName}/invocations, as the AWS SDKs call it.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Router, type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import type { AwsInvocationType } from '../../contract/aws.js';
import { identifyPublicCaller, type ConsoleAuth } from '../callers/index.js';
import type { KeysService } from '../keys/index.js';
import { isSigV4Authorization, LATEST } from './aws-identity.js';
import { AwsApiError, sendAwsError, toAwsError } from './aws-errors.js';
import type { AwsService } from './aws-service.js';
import { readBodyUpTo } from '../../http/read-body.js';
import type { Redactor } from '../../domain/redact.js';
import { BodyBudget } from './body-budget.js';

/** AWS's payload limits: 6 MB for a synchronous invoke, 256 KB for an Event. */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
export const MAX_EVENT_PAYLOAD_BYTES = 256 * 1024;
const MAX_CLIENT_CONTEXT_BYTES = 3583;
/** What the bodies of callers without a key may hold at once: four synchronous payloads at most. */
export const KEYLESS_BODY_BUDGET_BYTES = 4 * MAX_SYNC_PAYLOAD_BYTES;

export interface InvokeRouterDeps {
  readonly aws: AwsService;
  readonly keys: KeysService;
  readonly consoleAuth: ConsoleAuth;
  /** refuses state-changing requests from foreign origins */
  readonly originGuard: RequestHandler;
  readonly log: (line: string) => void;
  /** masks the console token, API keys and other secrets in error bodies */
  readonly redactor: Redactor;
  /** the keyless callers' shared budget (default KEYLESS_BODY_BUDGET_BYTES) */
  readonly keylessBudget?: BodyBudget;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const badParameter = (message: string) =>
  new AwsApiError(400, 'InvalidParameterValueException', message, 'bad_request');
const badContent = (message: string) => new AwsApiError(400, 'InvalidRequestContentException', message, 'invalid_body');

function invocationType(req: IncomingMessage): AwsInvocationType | 'DryRun' {
  const value = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
  if (value === 'RequestResponse' || value === 'Event' || value === 'DryRun') return value;
  throw badParameter(`X-Amz-Invocation-Type must be RequestResponse, Event or DryRun (got "${value}")`);
}

function wantsTail(req: IncomingMessage): boolean {
  const value = header(req, 'x-amz-log-type') ?? 'None';
  if (value !== 'None' && value !== 'Tail') throw badParameter(`X-Amz-Log-Type must be None or Tail (got "${value}")`);
  return value === 'Tail';
}

/** X-Amz-Client-Context is base64 of a JSON object; the runtime gets the JSON. */
function clientContext(req: IncomingMessage): string | null {
  const value = header(req, 'x-amz-client-context');
  if (!value) return null;
  if (value.length > MAX_CLIENT_CONTEXT_BYTES)
    throw badParameter(`X-Amz-Client-Context is longer than ${MAX_CLIENT_CONTEXT_BYTES} bytes`);
  const text = Buffer.from(value, 'base64').toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return text;
  } catch {
    // refused below
  }
  throw badContent('Client context must be a valid Base64-encoded JSON object.');
}

function traceHeader(req: IncomingMessage): string | null {
  const value = header(req, 'x-amzn-trace-id');
  return value && /^Root=[\w-]+(;[\w-]+=[\w-]*)*$/.test(value) && value.length <= 256 ? value : null;
}

/** The payload as the runtime gets it: JSON, `{}` when empty (what AWS's console and CLI send). */
function checkedPayload(body: Buffer): Buffer {
  if (body.length === 0) return Buffer.from('{}');
  try {
    JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badContent(`Could not parse request body into json: ${(err as Error).message}`);
  }
  return body;
}

export function createInvokeRouter(deps: InvokeRouterDeps): Router {
  const { aws, keys, consoleAuth, redactor } = deps;
  const budget = deps.keylessBudget ?? new BodyBudget(KEYLESS_BODY_BUDGET_BYTES);
  const router = Router();
  const route = '/2015-03-31/functions/:functionName/invocations';

  /** An API key (checked as on every public route), the console, or any SigV4 signature (as SAM local). */
  const authorize = (req: Request) => {
    if (header(req, 'x-api-key') === undefined && isSigV4Authorization(header(req, 'authorization'))) return null;
    return identifyPublicCaller(req, keys, consoleAuth);
  };

  router.use('/2015-03-31', deps.originGuard);
  router.post(route, async (req: Request<{ functionName: string }>, res) => {
    // the caller and the function are checked before a byte of the body is read
    const caller = authorize(req);
    const qualifier = typeof req.query.Qualifier === 'string' ? req.query.Qualifier : undefined;
    const project = aws.resolveFunction(req.params.functionName, qualifier);
    if (caller?.kind === 'key') keys.authorizeProject(caller.key, project.id);
    const type = invocationType(req);
    const tail = wantsTail(req);
    const context = clientContext(req);
    aws.checkInvokable(project);
    if (type === 'DryRun') {
      res.writeHead(204, { 'x-amzn-RequestId': randomUUID() });
      res.end();
      return;
    }
    const max = type === 'Event' ? MAX_EVENT_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
    // a keyless caller's body is held only within the shared budget, until its invocation has ended
    let release: (() => void) | null = null;
    if (caller === null) {
      const declared = Number(req.headers['content-length']);
      release = budget.reserve(Number.isFinite(declared) && declared >= 0 ? Math.min(declared, max) : max);
      if (!release) {
        const throttled = new AwsApiError(429, 'TooManyRequestsException', 'Rate Exceeded.', 'too_many_requests');
        return sendAwsError(res, throttled, randomUUID(), true);
      }
      res.once('close', release);
    }
    const body = await readBodyUpTo(req, max);
    if (body === null) {
      const operation = type === 'Event' ? 'InvokeAsync' : 'InvokeFunction';
      return sendAwsError(
        res,
        new AwsApiError(
          413,
          'RequestEntityTooLargeException',
          `Request must be smaller than ${max} bytes for the ${operation} operation`,
          'payload_too_large',
        ),
        randomUUID(),
        true,
      );
    }
    const invocation = await aws.invoke(project, {
      type,
      source: 'api',
      payload: checkedPayload(body),
      clientContext: context,
      cognitoIdentity: null,
      traceId: traceHeader(req),
    });
    if (release) {
      // the payload stays queued with the invocation (an Event outlives its answer)
      res.off('close', release);
      const done = release;
      let waiting = 2;
      const settle = () => {
        if (--waiting === 0) done();
      };
      res.once('close', settle);
      void invocation.result.promise.then(settle, settle);
    }
    if (type === 'Event') {
      res.writeHead(202, { 'x-amzn-RequestId': invocation.requestId, 'content-length': 0 });
      res.end();
      return;
    }
    const outcome = await invocation.result.promise;
    const headers: Record<string, string | number> = {
      'x-amzn-RequestId': outcome.requestId,
      'X-Amz-Executed-Version': LATEST,
      'content-type': 'application/json',
      'content-length': outcome.body.length,
    };
    if (outcome.functionError) headers['X-Amz-Function-Error'] = 'Unhandled';
    if (tail) {
      await invocation.logged.promise;
      headers['X-Amz-Log-Result'] = Buffer.from(invocation.record.logTail).toString('base64');
    }
    res.writeHead(200, headers);
    res.end(outcome.body);
  });

  const awsErrors: ErrorRequestHandler = (err, req, res, _next) => {
    if (req.readableAborted || (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
      // the caller went away mid-upload: nothing to answer, and nothing wrong with the emulator
      deps.log(`Invoke upload aborted by the caller (${req.method} ${redactor.text(req.originalUrl)})`);
      res.destroy();
      return;
    }
    const aws = toAwsError(err);
    if (aws.reason === 'internal_error')
      deps.log(redactor.text(`Invoke failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
    sendAwsError(res, aws, randomUUID(), aws.status === 413, redactor);
  };
  router.use('/2015-03-31', awsErrors);
  return router;
}
