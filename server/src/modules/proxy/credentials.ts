import { parse as parseCookie } from 'cookie';
import { isWellFormedSecret } from '../../domain/key-format.js';

/**
 * What authenticates a caller to the emulator, which the proxy never forwards to user code: an
 * `Authorization` holding an API key or the console token (any scheme, any casing, or none), and
 * the console's session cookie however the Cookie header spaces it (read with the same parser the
 * console's sign-in check uses). Other `Authorization` values and cookies are the service's own.
 */
export class CallerCredentials {
  constructor(
    private readonly consoleToken: string,
    private readonly sessionCookie: string,
  ) {}

  isCredentialAuthorization(value: string): boolean {
    if (this.consoleToken && value.includes(this.consoleToken)) return true;
    return value.split(/[\s,]+/).some((part) => part !== '' && isWellFormedSecret(part));
  }

  /** the Cookie header value without the session cookie; undefined when nothing is left */
  cookieWithoutSession(value: string): string | undefined {
    const kept = value
      .split(';')
      .filter((pair) => pair.trim() !== '' && !(this.sessionCookie in parseCookie(pair)))
      .map((pair) => pair.trim());
    return kept.length ? kept.join('; ') : undefined;
  }
}
