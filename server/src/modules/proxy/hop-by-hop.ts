/** A Connection header value that asks to close the connection after the answer. */
export const CLOSE_TOKEN = /\bclose\b/i;

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The header names (lower-cased) that the Connection headers of a raw header list
 * ([name, value, name, value, …] as Node gives it) declare hop-by-hop, or null when it has none.
 */
export function namedByConnection(raw: readonly string[]): Set<string> | null {
  let named: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      named ??= new Set();
      for (const n of raw[i + 1]!.split(',')) if (n.trim()) named.add(n.trim().toLowerCase());
    }
  }
  return named;
}

/**
 * A hop-by-hop header (RFC 9110 §7.6.1): Connection, every header Connection names (`named`, from
 * namedByConnection), Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding and Upgrade.
 */
export function isHopByHop(lower: string, named: Set<string> | null): boolean {
  return HOP_BY_HOP.has(lower) || lower.startsWith('proxy-') || (named !== null && named.has(lower));
}

/** A raw header list as undici gives it (Buffers, read as latin1) as strings. */
export function latin1Headers(raw: ReadonlyArray<string | Buffer>): string[] {
  const strings: string[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const h = raw[i]!;
    strings[i] = typeof h === 'string' ? h : h.toString('latin1');
  }
  return strings;
}

/**
 * The end-to-end headers of a raw header list, as a new flat list: names in their original case
 * and order, duplicates kept.
 */
export function rawWithoutHopByHop(raw: readonly string[]): string[] {
  const named = namedByConnection(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!isHopByHop(raw[i]!.toLowerCase(), named)) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}
