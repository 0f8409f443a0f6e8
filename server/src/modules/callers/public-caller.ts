import type { IncomingHttpHeaders } from 'node:http';
import type { KeyRecord } from '../../domain/records.js';
import type { KeysService } from '../keys/index.js';
import type { ConsoleAuth } from './console-auth.js';

export type PublicCaller = { readonly kind: 'console' } | { readonly kind: 'key'; readonly key: KeyRecord };

/**
 * Who is calling a public route: an API key (`X-API-Key`, or `Authorization: Bearer`), or the
 * console itself (its token or session), which acts as the owner. Throws the public API's 401s (missing, invalid, revoked, expired key), and
 * `forbidden_origin` for the console session from another origin.
 */
export function identifyPublicCaller(
  req: { readonly headers: IncomingHttpHeaders },
  keys: KeysService,
  consoleAuth: ConsoleAuth,
): PublicCaller {
  const headerKey = req.headers['x-api-key'];
  const apiKey = Array.isArray(headerKey) ? headerKey[0] : headerKey;
  const bearer = consoleAuth.bearerOf(req);
  if (apiKey === undefined && bearer !== undefined && consoleAuth.isValidToken(bearer)) return { kind: 'console' };
  if (apiKey === undefined && bearer === undefined && consoleAuth.isConsoleRequest(req)) return { kind: 'console' };
  return { kind: 'key', key: keys.authenticate(apiKey ?? bearer) };
}

/** 401 or 403 unless the caller may act on `projectId`. */
export function authorizePublicCaller(
  req: { readonly headers: IncomingHttpHeaders },
  projectId: string,
  keys: KeysService,
  consoleAuth: ConsoleAuth,
): PublicCaller {
  const caller = identifyPublicCaller(req, keys, consoleAuth);
  if (caller.kind === 'key') keys.authorizeProject(caller.key, projectId);
  return caller;
}
