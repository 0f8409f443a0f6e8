// Function URLs (as `sam local start-api`): an HTTP request as API Gateway's payload format 2.0
// event, and the function's result back as HTTP. Pure: no I/O, unit-tested in http-event.test.ts.
import { isHopByHop, namedByConnection, type CallerCredentials } from '../proxy/index.js';
import { AWS_ACCOUNT_ID } from './aws-identity.js';

/** The request as the function URL saw it, its credentials not yet removed. */
export interface HttpEventRequest {
  readonly method: string;
  /** the path after `/lambda-url/{LAMBDA_ID}`, as sent (`/` when empty) */
  readonly rawPath: string;
  /** the query without `?`, as sent */
  readonly rawQueryString: string;
  /** Node's raw header list: [name, value, name, value, …] */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  /** the peer's address */
  readonly sourceIp: string;
  /** the port the emulator listens on (X-Forwarded-Port) */
  readonly localPort: number;
  readonly requestId: string;
  /** the function URL's id: the LAMBDA_ID */
  readonly apiId: string;
  readonly traceId: string;
  readonly timeEpoch: number;
}

/** swift-aws-lambda-events' `APIGatewayV2Request` decodes this (its required fields are always present). */
export interface HttpEvent {
  version: '2.0';
  routeKey: '$default';
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: '$default';
    stage: '$default';
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** Headers the event never carries as sent: the caller's key, `Expect` (Node answered it), and the ones set below. */
const LEFT_OUT = new Set(['x-api-key', 'expect', 'cookie', 'x-forwarded-proto', 'x-forwarded-port', 'x-amzn-trace-id']);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** `07/Dec/2026:18:35:00 +0000`: API Gateway's `requestContext.time`. */
export function awsRequestTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`
  );
}

/** `a=1&a=2&b` → `{ a: "1,2", b: "" }`, as API Gateway joins repeated parameters; undefined when empty. */
export function queryParameters(raw: string): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return Object.keys(out).length ? out : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as the event carries it: UTF-8 text as is, anything else base64. */
export function eventBody(body: Buffer): { body?: string; isBase64Encoded: boolean } {
  if (body.length === 0) return { isBase64Encoded: false };
  try {
    return { body: utf8.decode(body), isBase64Encoded: false };
  } catch {
    return { body: body.toString('base64'), isBase64Encoded: true };
  }
}

/**
 * The request's headers and cookies for the event: names lower-cased, repeated headers joined with
 * commas, hop-by-hop headers and the caller's credentials (X-API-Key, an Authorization holding a
 * key or the console token, the session cookie) left out, X-Forwarded-* set as AWS sets them.
 */
export function eventHeaders(
  req: Pick<HttpEventRequest, 'rawHeaders' | 'sourceIp' | 'localPort' | 'traceId'>,
  credentials: CallerCredentials,
): { headers: Record<string, string>; cookies: string[] } {
  const raw = req.rawHeaders;
  const named = namedByConnection(raw);
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === 'cookie') {
      const kept = credentials.cookieWithoutSession(value);
      if (kept) cookies.push(...kept.split(';').map((c) => c.trim()));
      continue;
    }
    if (LEFT_OUT.has(name) || isHopByHop(name, named)) continue;
    if (name === 'authorization' && credentials.isCredentialAuthorization(value)) continue;
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const priorFor = headers['x-forwarded-for'];
  headers['x-forwarded-for'] = priorFor ? `${priorFor}, ${req.sourceIp}` : req.sourceIp;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(req.localPort);
  headers['x-amzn-trace-id'] = req.traceId;
  return { headers, cookies: cookies.filter((c) => c !== '') };
}

/** The payload format 2.0 event of a function URL call. */
export function buildHttpEvent(req: HttpEventRequest, credentials: CallerCredentials): HttpEvent {
  const { headers, cookies } = eventHeaders(req, credentials);
  const domainName = headers.host ?? 'localhost';
  const query = queryParameters(req.rawQueryString);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: req.rawPath,
    rawQueryString: req.rawQueryString,
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: AWS_ACCOUNT_ID,
      apiId: req.apiId,
      domainName,
      domainPrefix: domainName.split(/[.:]/)[0]!,
      http: {
        method: req.method,
        path: req.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: req.requestId,
      routeKey: '$default',
      stage: '$default',
      time: awsRequestTime(req.timeEpoch),
      timeEpoch: req.timeEpoch,
    },
    ...eventBody(req.body),
  };
}

/** What the caller of a function URL gets. */
export interface HttpAnswer {
  readonly status: number;
  /** names as the function wrote them; `set-cookie` once per cookie */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

const JSON_TYPE = 'application/json';

function messageAnswer(status: number, message: string): HttpAnswer {
  return { status, headers: [['content-type', JSON_TYPE]], body: Buffer.from(JSON.stringify({ message })) };
}

/** A function error (or a result that is not a valid format 2.0 answer): API Gateway's 502. */
export const FUNCTION_ERROR_ANSWER = messageAnswer(502, 'Internal Server Error');
/** The function ran out of time. */
export const TIMEOUT_ANSWER = messageAnswer(504, 'Endpoint request timed out');

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** a header value Node writes as it is: no control characters but tab, nothing past latin1 */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** headers the emulator writes itself */
const OWN_HEADERS = new Set(['content-length', 'date']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const scalarText = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;

/**
 * The function's result as HTTP, as function URLs infer it: a JSON object with `statusCode` gives
 * that status, `headers`, `cookies` (one Set-Cookie each) and `body` (decoded when
 * `isBase64Encoded`), content type `application/json` unless it sets one; any other result is 200
 * `application/json` with the result, as it was sent, for the body. A malformed answer is a 502.
 */
export function httpAnswerOf(result: Buffer): HttpAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!isObject(parsed) || !('statusCode' in parsed)) {
    return { status: 200, headers: [['content-type', JSON_TYPE]], body: result };
  }
  const status = parsed.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599)
    return FUNCTION_ERROR_ANSWER;
  const headers: Array<[string, string]> = [];
  if (parsed.headers !== undefined && parsed.headers !== null) {
    if (!isObject(parsed.headers)) return FUNCTION_ERROR_ANSWER;
    for (const [name, value] of Object.entries(parsed.headers)) {
      const text = scalarText(value);
      const lower = name.toLowerCase();
      if (text === null || !TOKEN.test(name) || !FIELD_VALUE.test(text)) return FUNCTION_ERROR_ANSWER;
      if (OWN_HEADERS.has(lower) || isHopByHop(lower, null)) continue;
      headers.push([name, text]);
    }
  }
  if (parsed.cookies !== undefined && parsed.cookies !== null) {
    if (!Array.isArray(parsed.cookies)) return FUNCTION_ERROR_ANSWER;
    for (const cookie of parsed.cookies) {
      if (typeof cookie !== 'string' || !FIELD_VALUE.test(cookie)) return FUNCTION_ERROR_ANSWER;
      headers.push(['set-cookie', cookie]);
    }
  }
  if (!headers.some(([name]) => name.toLowerCase() === 'content-type')) headers.unshift(['content-type', JSON_TYPE]);
  const body = parsed.body;
  const text = body === undefined || body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const bytes = parsed.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return { status, headers, body: bytes };
}
