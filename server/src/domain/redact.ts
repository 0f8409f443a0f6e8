// Secrets never appear in an answer, a log line or a request-log record: API keys by their shape,
// the console token and any other known secret (added with Redactor.addSecrets) by value.
const KEY_LIKE = /slk_[0-9A-Za-z]{8,}/g;
const KEY_TEST = /slk_[0-9A-Za-z]{8,}/;

/** What a redacted value is replaced with. Replay and Copy as curl never send it. */
export const REDACTED = '[redacted]';

/** Values shorter than this are not masked by value (they would mask ordinary text). */
const MIN_SECRET_LENGTH = 8;

/** `text` with anything that looks like an API key, the console token and every extra secret replaced. */
export function redactSecrets(text: string, consoleToken: string, extraSecrets: Iterable<string> = []): string {
  let out = text.replace(KEY_LIKE, `slk_${REDACTED}`);
  for (const secret of [consoleToken, ...extraSecrets])
    if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join(REDACTED);
  return out;
}

/** Request headers the request log always redacts, whatever they hold. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'x-api-key']);

/** Query parameters named like credentials (compared lower-cased, `-` read as `_`). */
const CREDENTIAL_PARAMS = new Set(['token', 'api_key', 'apikey', 'key', 'secret', 'password', 'access_token']);
const CREDENTIAL_PARAM_SUFFIX = /(^|_)(token|secret|password|signature)$/;

export function isCredentialParam(name: string): boolean {
  const n = name.toLowerCase().replace(/-/g, '_');
  return CREDENTIAL_PARAMS.has(n) || CREDENTIAL_PARAM_SUFFIX.test(n);
}

/**
 * The one place that knows the emulator's secrets: the console token, API keys (by shape: only
 * their hashes are stored) and extra values from sources added later (a project's secrets).
 */
export class Redactor {
  private readonly sources: Array<() => Iterable<string>> = [];

  constructor(readonly consoleToken: string) {}

  /** Adds values to mask from now on; `source` is read at each redaction, so it may change. */
  addSecrets(source: () => Iterable<string>): void {
    this.sources.push(source);
  }

  private extra(): string[] {
    return this.sources.flatMap((source) => [...source()]);
  }

  text(text: string): string {
    return redactSecrets(text, this.consoleToken, this.extra());
  }

  /** Whether `value` holds a secret (then the whole value is redacted). */
  holdsSecret(value: string): boolean {
    if (KEY_TEST.test(value)) return true;
    return [this.consoleToken, ...this.extra()].some((s) => s.length >= MIN_SECRET_LENGTH && value.includes(s));
  }

  /**
   * A request's headers as the request log keeps them: `Authorization`, `Proxy-Authorization`,
   * `X-API-Key` and any value holding a secret become REDACTED; in `Cookie`, the session cookie's
   * value (and any value holding a secret) does, the service's other cookies stay.
   */
  headers(raw: readonly string[], sessionCookie: string): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      const value = raw[i + 1]!;
      const lower = name.toLowerCase();
      if (lower === 'cookie') out.push([name, this.cookie(value, sessionCookie)]);
      else if (CREDENTIAL_HEADERS.has(lower) || this.holdsSecret(value)) out.push([name, REDACTED]);
      else out.push([name, value]);
    }
    return out;
  }

  private cookie(value: string, sessionCookie: string): string {
    return value
      .split(';')
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 0) return this.holdsSecret(pair) ? REDACTED : pair;
        const name = pair.slice(0, eq).trim();
        return name === sessionCookie || this.holdsSecret(pair.slice(eq + 1))
          ? `${pair.slice(0, eq + 1)}${REDACTED}`
          : pair;
      })
      .join(';');
  }

  /** A query string (without `?`) with the values of credential-named parameters and of secrets redacted. */
  query(query: string): string {
    if (query === '') return query;
    return query
      .split('&')
      .map((part) => {
        const eq = part.indexOf('=');
        const rawName = eq < 0 ? part : part.slice(0, eq);
        let name = rawName;
        let value = eq < 0 ? '' : part.slice(eq + 1);
        try {
          name = decodeURIComponent(rawName.replace(/\+/g, ' '));
          value = decodeURIComponent(value.replace(/\+/g, ' '));
        } catch {
          // a malformed escape: judged as written
        }
        if (this.holdsSecret(name) || this.holdsSecret(rawName)) return REDACTED;
        if (isCredentialParam(name) || this.holdsSecret(value) || this.holdsSecret(part))
          return `${rawName}=${REDACTED}`;
        return part;
      })
      .join('&');
  }
}
