import type { IncomingHttpHeaders } from 'node:http';
import type { KeyRecord } from '../domain/records.js';
import type { ConsoleAuth } from '../modules/console/index.js';
import type { KeyAuthority, MatchableKey } from '../modules/keys/key-matcher.js';

export type PublicCaller<K extends MatchableKey = KeyRecord> = { readonly kind: 'console' } | { readonly kind: 'key'; readonly key: K };

/**
 * Who is calling a public route: an API key (`X-API-Key`, or `Authorization: Bearer`), or the
 * console itself (its token or session), which acts as the owner. Throws the seed's 401s.
 */
export function identifyPublicCaller<K extends MatchableKey>(req: { readonly headers: IncomingHttpHeaders }, keys: KeyAuthority<K>, consoleAuth: ConsoleAuth): PublicCaller<K> {
  const headerKey = req.headers['x-api-key'];
  const apiKey = Array.isArray(headerKey) ? headerKey[0] : headerKey;
  const bearer = consoleAuth.bearerOf(req);
  if (apiKey === undefined && bearer !== undefined && consoleAuth.isValidToken(bearer)) return { kind: 'console' };
  if (apiKey === undefined && bearer === undefined && consoleAuth.hasSessionCookie(req)) return { kind: 'console' };
  return { kind: 'key', key: keys.authenticate(apiKey ?? bearer) };
}

/** 401 or 403 unless the caller may act on `projectId`. */
export function authorizePublicCaller<K extends MatchableKey>(req: { readonly headers: IncomingHttpHeaders }, projectId: string, keys: KeyAuthority<K>, consoleAuth: ConsoleAuth): PublicCaller<K> {
  const caller = identifyPublicCaller(req, keys, consoleAuth);
  if (caller.kind === 'key') keys.authorizeProject(caller.key, projectId);
  return caller;
}
