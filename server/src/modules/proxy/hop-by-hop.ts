const ALWAYS = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

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
 * Removes hop-by-hop headers (RFC 9110 §7.6.1) from a raw header list ([name, value, name, value,
 * …] as Node gives it): Connection, every header Connection names, Keep-Alive, Proxy-*, TE,
 * Trailer, Transfer-Encoding and Upgrade. Returns a new flat list, names in their original case
 * and order, duplicates kept.
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
