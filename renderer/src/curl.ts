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
 * headers as sent (credentials, which the log keeps redacted, become `X-API-Key`), and the body
 * (binary bodies through `base64 -d`).
 */
export function curlCommand(req: LoggedRequest, options: CurlOptions): string {
  const url = `${options.baseUrl}${req.path}${req.query ? `?${req.query}` : ''}`;
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
    if (value.includes(REDACTED)) {
      credential = true;
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
  const head = method === 'GET' ? ['curl', shellQuote(url)] : ['curl', '-X', method, shellQuote(url)];
  const body = req.requestBody;
  let prefix = '';
  if (body && 'text' in body && body.text.length > 0) parts.push(`--data-binary ${shellQuote(body.text)}`);
  else if (body && 'base64' in body && body.base64.length > 0) {
    prefix = `printf %s ${shellQuote(body.base64)} | base64 -d | `;
    parts.push('--data-binary @-');
  }
  return prefix + [head.join(' '), ...parts].join(' \\\n  ');
}
