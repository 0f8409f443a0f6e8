import type { LoggedRequest } from './api.js';

/** Headers curl sets itself or the proxy added: left out of a copied command. */
const LEFT_OUT = new Set([
  'host',
  'content-length',
  'connection',
  'transfer-encoding',
  'expect',
  'keep-alive',
  'te',
  'upgrade',
  'proxy-connection',
]);
const REDACTED = '[redacted]';

/** `it's` → `'it'\''s'`: safe in any POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The shell variable a redacted header or query parameter is read from: `Proxy-Authorization` → `PROXY_AUTHORIZATION`. */
export function variableFor(name: string): string {
  const v = name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return /^[A-Z_]/.test(v) ? v : `_${v}`;
}

/** `text` quoted for the shell, each `[redacted]` replaced by `"$VARIABLE"` (so the shell expands it). */
function quoteWithVariable(text: string, variable: string): string {
  return text
    .split(REDACTED)
    .map((part) => (part ? shellQuote(part) : ''))
    .join(`"$${variable}"`);
}

/** The URL quoted for the shell, the value of each redacted query parameter read from a variable. */
function quotedUrl(base: string, query: string): string {
  if (!query.includes(REDACTED)) return shellQuote(query ? `${base}?${query}` : base);
  let out = '';
  let text = `${base}?`;
  for (const param of query.split('&')) {
    if (param === REDACTED) continue; // a parameter whose name was a secret
    const sep = text.endsWith('?') ? '' : '&';
    const eq = param.indexOf('=');
    if (eq >= 0 && param.slice(eq + 1) === REDACTED) {
      out += shellQuote(`${text}${sep}${param.slice(0, eq + 1)}`) + `"$${variableFor(param.slice(0, eq))}"`;
      text = '';
    } else text += `${sep}${param}`;
  }
  return text ? out + shellQuote(text) : out;
}

export interface CurlOptions {
  /** where the call went: the run's proxy URL or the project's dev URL, without the trailing slash */
  readonly baseUrl: string;
  /** the secret, or a shell variable (`$SWIFTLAMBDA_API_KEY`) the command reads it from */
  readonly key: string;
  /** a run that needs no key (public instances) gets none unless the call sent one */
  readonly needsKey: boolean;
}

/**
 * The logged call as a curl command that sends it again from a terminal: the method, URL, the
 * headers as sent, and the body (binary bodies through `base64 -d`). What the log redacted is never
 * printed: the emulator's credentials (X-API-Key, the session cookie) become `X-API-Key` with the
 * snippets' key, other redacted headers and query values are read from a shell variable named
 * after them (`$PROXY_AUTHORIZATION`, `$TOKEN`).
 */
export function curlCommand(req: LoggedRequest, options: CurlOptions): string {
  const url = quotedUrl(`${options.baseUrl}${req.path}`, req.query);
  const parts: string[] = [];
  let credential = false;
  for (const [name, value] of req.requestHeaders) {
    const lower = name.toLowerCase();
    if (LEFT_OUT.has(lower) || lower.startsWith('x-forwarded-')) continue;
    if (lower === 'cookie' && value.includes(REDACTED)) {
      credential = true;
      const kept = value
        .split(';')
        .map((p) => p.trim())
        .filter((p) => p && !p.includes(REDACTED));
      if (kept.length) parts.push(`-H ${shellQuote(`${name}: ${kept.join('; ')}`)}`);
      continue;
    }
    if (lower === 'x-api-key' && value.includes(REDACTED)) {
      credential = true;
      continue;
    }
    if (value.includes(REDACTED)) {
      parts.push(`-H ${quoteWithVariable(`${name}: ${value}`, variableFor(name))}`);
      continue;
    }
    parts.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  }
  if (credential || options.needsKey) {
    // a variable in double quotes, so the shell expands it; a secret quoted like any value
    parts.unshift(
      /^\$[A-Z_][A-Z0-9_]*$/.test(options.key)
        ? `-H "X-API-Key: ${options.key}"`
        : `-H ${shellQuote(`X-API-Key: ${options.key}`)}`,
    );
  }
  const method = req.method.toUpperCase();
  const head = method === 'GET' ? ['curl', url] : ['curl', '-X', method, url];
  const body = req.requestBody;
  let prefix = '';
  if (body && 'text' in body && body.text.length > 0) parts.push(`--data-binary ${shellQuote(body.text)}`);
  else if (body && 'base64' in body && body.base64.length > 0) {
    prefix = `printf %s ${shellQuote(body.base64)} | base64 -d | `;
    parts.push('--data-binary @-');
  }
  return prefix + [head.join(' '), ...parts].join(' \\\n  ');
}
