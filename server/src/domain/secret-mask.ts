// Secret values replaced by `***` in text before it is stored, as CI systems mask their secrets.

export const MASK = '***';
/** Shorter values would mask ordinary words and digits everywhere; CI systems draw the same line. */
export const MIN_MASKED_LENGTH = 4;

/** Masks the secrets it was made with; `empty` when there is nothing to mask (the fast path). */
export interface SecretMask {
  readonly empty: boolean;
  /** `text` with every secret replaced */
  text(text: string): string;
  /**
   * One line of output as bytes (`buf[start, end)`): the same range when no secret is in it, else
   * a new buffer with the secrets replaced.
   */
  bytes(buf: Buffer, start: number, end: number): { buf: Buffer; start: number; end: number };
  /**
   * Where to cut a line too long to keep whole (`buf[start, cut)` first): `cut`, or earlier, at the
   * start of a secret that `cut` would split, so each piece can be masked on its own.
   */
  cutOutside(buf: Buffer, start: number, cut: number): number;
}

/**
 * A mask for `values`, and for each one URL-encoded. Output is masked line by line, so a multi-line
 * value is masked one line at a time (as GitHub Actions does); longer values go first, so a value
 * containing another is masked whole.
 */
export function createSecretMask(values: Iterable<string>): SecretMask {
  const parts = new Set<string>();
  for (const value of values) {
    for (const line of value.split(/\r?\n/)) {
      if (line.length < MIN_MASKED_LENGTH) continue;
      parts.add(line);
      // as it appears in a URL's path or query (the request log keeps them as sent)
      parts.add(encodeURIComponent(line));
    }
  }
  const ordered = [...parts].sort((a, b) => b.length - a.length);
  const needles = ordered.map((p) => Buffer.from(p));
  const text = (input: string): string => {
    let out = input;
    for (const part of ordered) if (out.includes(part)) out = out.split(part).join(MASK);
    return out;
  };
  return {
    empty: ordered.length === 0,
    text,
    bytes(buf, start, end) {
      const found = needles.some((n) => {
        const at = buf.indexOf(n, start);
        return at !== -1 && at + n.length <= end;
      });
      if (!found) return { buf, start, end };
      const masked = Buffer.from(text(buf.toString('utf8', start, end)));
      return { buf: masked, start: 0, end: masked.length };
    },
    cutOutside(buf, start, cut) {
      // each move goes to an earlier secret's start: at most one move per byte of the longest one
      for (let moved = true; moved;) {
        moved = false;
        for (const n of needles) {
          const from = Math.max(start + 1, cut - n.length + 1);
          const at = buf.indexOf(n, from);
          if (at !== -1 && at < cut && at + n.length > cut) {
            cut = at;
            moved = true;
          }
        }
      }
      return cut;
    },
  };
}

export const NO_MASK: SecretMask = createSecretMask([]);
