import type { IncomingHttpHeaders } from 'node:http';

const ALWAYS = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/**
 * Removes hop-by-hop headers (RFC 9110 §7.6.1): Connection, every header Connection names,
 * Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding and Upgrade. Mutates and returns `headers`.
 */
export function stripHopByHop<T extends IncomingHttpHeaders>(headers: T): T {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (ALWAYS.includes(lower) || named.includes(lower) || lower.startsWith('proxy-')) delete headers[name];
  }
  return headers;
}

/** Drops one cookie by name from a Cookie header value; undefined when nothing is left. */
export function withoutCookie(cookieHeader: string | undefined, name: string): string | undefined {
  if (!cookieHeader) return cookieHeader;
  const kept = cookieHeader
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && !c.startsWith(`${name}=`));
  return kept.length ? kept.join('; ') : undefined;
}

/**
 * The same rule on a raw header list ([name, value, name, value, …] as Node gives it): returns a
 * new flat list without hop-by-hop headers, names in their original case and order, duplicates kept.
 */
export function rawWithoutHopByHop(raw: readonly string[]): string[] {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') {
      for (const n of raw[i + 1]!.split(',')) if (n.trim()) named.add(n.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (ALWAYS.includes(lower) || named.has(lower) || lower.startsWith('proxy-')) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}
