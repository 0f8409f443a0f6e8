import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { parse as parseCookie } from 'cookie';
import { writeFileDurably } from '../../adapters/store/durable-json-file.js';
import { AppError } from '../../errors.js';
import { sessionCookieRefusal } from '../../http/request-guards.js';

/** What reading credentials needs of a request: its headers. */
type WithHeaders = { readonly headers: IncomingHttpHeaders };

export const SESSION_COOKIE = 'swiftlambda_console';
const TOKEN_FILE = 'console-token';

/** The console token: SWIFTLAMBDA_CONSOLE_TOKEN when set, otherwise generated once per data dir. */
export async function loadOrCreateConsoleToken(dataDir: string, fixed?: string): Promise<string> {
  if (fixed) return fixed;
  const file = join(dataDir, TOKEN_FILE);
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 16) return existing;
  } catch {
    // first start
  }
  const token = randomBytes(24).toString('base64url');
  await writeFileDurably(file, `${token}\n`);
  return token;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const BEARER = /^\s*bearer\s+/i;

/**
 * Who may use the console routes: `Authorization: Bearer <console token>` (scripts, the CLI) or
 * the HttpOnly session cookie the browser gets from `/?token=`. The cookie holds an HMAC of the
 * token, not the token.
 */
export class ConsoleAuth {
  private readonly session: string;

  constructor(
    readonly token: string,
    /** an Origin header naming the console's own origin */
    private readonly isOwnOrigin: (origin: string) => boolean,
  ) {
    this.session = createHmac('sha256', token).update('swiftlambda-console-session').digest('base64url');
  }

  isValidToken(candidate: unknown): boolean {
    return typeof candidate === 'string' && safeEqual(candidate, this.token);
  }

  bearerOf(req: WithHeaders): string | undefined {
    const header = req.headers.authorization;
    if (!header || !BEARER.test(header)) return undefined;
    return header.replace(BEARER, '').trim();
  }

  /** The session cookie, read as browsers and the `cookie` library read it (names trimmed). */
  hasSessionCookie(req: WithHeaders): boolean {
    const header = req.headers.cookie;
    if (!header) return false;
    const value = parseCookie(header)[SESSION_COOKIE];
    return value !== undefined && safeEqual(value, this.session);
  }

  /**
   * The console is the caller: its token as a Bearer, or its session cookie. The cookie rides along
   * with any request the browser sends, so from another origin or another site's page (see
   * sessionCookieRefusal) it is refused with `forbidden_origin` rather than used.
   */
  isConsoleRequest(req: WithHeaders): boolean {
    const bearer = this.bearerOf(req);
    if (bearer !== undefined) return this.isValidToken(bearer);
    if (!this.hasSessionCookie(req)) return false;
    const refused = sessionCookieRefusal(req.headers, this.isOwnOrigin);
    if (refused) throw new AppError('forbidden_origin', refused);
    return true;
  }

  sessionCookieHeader(): string {
    return `${SESSION_COOKIE}=${this.session}; HttpOnly; SameSite=Strict; Path=/`;
  }
}
