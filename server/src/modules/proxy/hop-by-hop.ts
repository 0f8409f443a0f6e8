const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

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
 * Visits the end-to-end headers of a raw header list ([name, value, name, value, …] as Node gives
 * it), skipping the hop-by-hop ones (RFC 9110 §7.6.1): Connection, every header Connection names,
 * Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding and Upgrade. One pass (two when the list has
 * a Connection header), names in their original case and order, duplicates kept; `visit` gets the
 * lower-cased name too.
 */
export function forEachEndToEnd(raw: readonly string[], visit: (name: string, lower: string, value: string) => void): void {
  let named: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      named ??= new Set();
      for (const n of raw[i + 1]!.split(',')) if (n.trim()) named.add(n.trim().toLowerCase());
    }
  }
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower) || lower.startsWith('proxy-')) continue;
    visit(raw[i]!, lower, raw[i + 1]!);
  }
}

/** The end-to-end headers of a raw header list, as a new flat list (see forEachEndToEnd). */
export function rawWithoutHopByHop(raw: readonly string[]): string[] {
  const out: string[] = [];
  forEachEndToEnd(raw, (name, _lower, value) => out.push(name, value));
  return out;
}
