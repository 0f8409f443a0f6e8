import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';

/** What reading credentials needs of a request: its headers (a Node request, or the front door's head). */
type WithHeaders = { readonly headers: IncomingHttpHeaders };
import { join } from 'node:path';
import { writeFileDurably } from '../../adapters/store/durable-json-file.js';

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

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Who may use the console routes: `Authorization: Bearer <console token>` (scripts, the CLI) or
 * the HttpOnly session cookie the browser gets from `/?token=`. The cookie holds an HMAC of the
 * token, not the token.
 */
export class ConsoleAuth {
  private readonly session: string;

  constructor(readonly token: string) {
    this.session = createHmac('sha256', token).update('swiftlambda-console-session').digest('base64url');
  }

  isValidToken(candidate: unknown): boolean {
    return typeof candidate === 'string' && safeEqual(candidate, this.token);
  }

  bearerOf(req: WithHeaders): string | undefined {
    const header = req.headers.authorization;
    if (!header || !/^bearer\s+/i.test(header)) return undefined;
    return header.replace(/^bearer\s+/i, '').trim();
  }

  hasSessionCookie(req: WithHeaders): boolean {
    const value = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    return value !== undefined && safeEqual(value, this.session);
  }

  isConsoleRequest(req: WithHeaders): boolean {
    const bearer = this.bearerOf(req);
    if (bearer !== undefined) return this.isValidToken(bearer);
    return this.hasSessionCookie(req);
  }

  sessionCookieHeader(): string {
    return `${SESSION_COOKIE}=${this.session}; HttpOnly; SameSite=Strict; Path=/`;
  }
}
