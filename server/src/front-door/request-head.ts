// The fast lane's reading of a request head (see fast-lane.ts). It accepts a strict, plain subset
// of HTTP/1.1 and declines everything else, which then goes to Node's own HTTP server with the
// bytes untouched: so whatever this accepts, Node's parser would read the same way (checked by a
// differential property test), and every odd or hostile shape keeps Node's answer.
import type { IncomingHttpHeaders } from 'node:http';
import { CLOSE_TOKEN } from '../modules/proxy/hop-by-hop.js';

/** Node's default limit on a request head (`--max-http-header-size`) */
export const MAX_HEAD_BYTES = 16 * 1024;

/**
 * The seed's proxy methods (the API uses no others), an origin-form target of visible ASCII without
 * a fragment, HTTP/1.1. Anything else goes to Node, and on from there as before.
 */
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const REQUEST_LINE = new RegExp(`^(${METHODS.join('|')}) (\\/[\\x21-\\x22\\x24-\\x7e]*) HTTP\\/1\\.1$`);
/** a header line: a token, a colon, the value with optional whitespace around it (RFC 9112 §5) */
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/;
/** anything but printable ASCII, space, tab, CR and LF anywhere in the head: declined */
const OUTSIDE_PLAIN_ASCII = /[^\t\n\r\x20-\x7e]/;
/** a CR or LF that is not part of a CRLF line end (bare line ends are a smuggling shape) */
const BARE_LINE_END = /[\r\n]/;
/** the same in a head still arriving (a CR at the very end may yet get its LF) */
const PARTIAL_BARE_LINE_END = /(?:^|[^\r])\n|\r(?!\n|$)/;
const DIGITS = /^\d{1,15}$/;

/** Headers whose presence always sends the request to Node: framing and upgrades. */
const DECLINED = new Set(['transfer-encoding', 'expect', 'upgrade', 'http2-settings']);
/**
 * Headers the proxy's rules read (Host, auth, X-Forwarded-For, what tells a browser page): a second
 * copy sends the request to Node, which joins copies in its own ways.
 */
const SINGLE = new Set([
  'host', 'content-length', 'x-api-key', 'authorization', 'cookie', 'x-forwarded-for',
  'sec-fetch-dest', 'sec-fetch-mode', 'upgrade-insecure-requests', 'accept',
]);

/** The headers of a request that the proxy's rules read, in Node's `req.headers` shape. */
export interface HeadFields extends IncomingHttpHeaders {
  host?: string;
  connection?: string;
  'content-length'?: string;
  'x-api-key'?: string;
  authorization?: string;
  cookie?: string;
  'x-forwarded-for'?: string;
  'sec-fetch-dest'?: string;
  'sec-fetch-mode'?: string;
  'upgrade-insecure-requests'?: string;
  accept?: string;
}

export interface RequestHead {
  readonly method: string;
  /** the request target as sent */
  readonly url: string;
  readonly httpVersion: '1.1';
  /** [name, value, name, value, …] as Node's `req.rawHeaders` gives them */
  readonly rawHeaders: string[];
  readonly headers: HeadFields;
  /** bytes of the head, its blank line included */
  readonly headLength: number;
  readonly contentLength: number;
  /** the client asked to close the connection after this answer */
  readonly close: boolean;
}

/**
 * The head at the start of `buffer`: `incomplete` when its end has not arrived yet, `declined` when
 * it is not one the fast lane takes (Node's server will read it instead).
 */
export function readRequestHead(buffer: Buffer): RequestHead | 'incomplete' | 'declined' {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return buffer.length < MAX_HEAD_BYTES && couldBecomeHead(buffer) ? 'incomplete' : 'declined';
  if (end + 4 > MAX_HEAD_BYTES) return 'declined';
  const head = buffer.toString('latin1', 0, end);
  if (OUTSIDE_PLAIN_ASCII.test(head)) return 'declined';
  const lines = head.split('\r\n');
  const requestLine = REQUEST_LINE.exec(lines[0]!);
  if (!requestLine) return 'declined';
  const rawHeaders: string[] = [];
  const headers: HeadFields = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (BARE_LINE_END.test(line)) return 'declined';
    const m = HEADER_LINE.exec(line);
    if (!m) return 'declined';
    const name = m[1]!;
    const value = m[2]!;
    const lower = name.toLowerCase();
    if (DECLINED.has(lower)) return 'declined';
    if (SINGLE.has(lower)) {
      if (headers[lower] !== undefined) return 'declined';
      headers[lower] = value;
    } else if (lower === 'connection') {
      headers.connection = headers.connection === undefined ? value : `${headers.connection}, ${value}`;
    }
    rawHeaders.push(name, value);
  }
  // Node's server refuses an HTTP/1.1 request without Host
  if (headers.host === undefined) return 'declined';
  const length = headers['content-length'];
  if (length !== undefined && !DIGITS.test(length)) return 'declined';
  const connection = headers.connection;
  return {
    method: requestLine[1]!,
    url: requestLine[2]!,
    httpVersion: '1.1',
    rawHeaders,
    headers,
    headLength: end + 4,
    contentLength: length === undefined ? 0 : Number(length),
    close: connection !== undefined && CLOSE_TOKEN.test(connection),
  };
}

/** The start of a head that is still arriving: worth waiting for only if it may become a plain one. */
function couldBecomeHead(buffer: Buffer): boolean {
  const text = buffer.toString('latin1');
  if (OUTSIDE_PLAIN_ASCII.test(text) || PARTIAL_BARE_LINE_END.test(text)) return false;
  const lineEnd = text.indexOf('\r\n');
  if (lineEnd >= 0) return REQUEST_LINE.test(text.slice(0, lineEnd));
  const start = text.slice(0, 9);
  return METHODS.some((m) => `${m} /`.startsWith(start) || start.startsWith(`${m} /`));
}
