export const MAX_CHUNK_BYTES = 16 * 1024;

/**
 * Cuts a byte stream into lines (each with its `\n`); a line longer than 16 KiB is cut into
 * pieces at UTF-8 character boundaries. `end()` emits what is left without a newline. Lines are
 * handed over as a range of the input (no copy, no string): the callee copies what it keeps.
 */
export class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onLine: (buf: Buffer, start: number, end: number) => void,
    /** moves a long line's cut earlier (to keep a secret whole for masking); the cut as it is by default */
    private readonly cutAt: (buf: Buffer, start: number, cut: number) => number = (_b, _s, cut) => cut,
  ) {}

  push(data: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      const limit = start + MAX_CHUNK_BYTES;
      if (nl !== -1 && nl < limit) {
        this.onLine(buf, start, nl + 1);
        start = nl + 1;
        continue;
      }
      if (buf.length - start >= MAX_CHUNK_BYTES) {
        let cut = limit;
        while (cut > start && (buf[cut]! & 0xc0) === 0x80) cut--;
        if (cut === start) cut = limit;
        const safe = this.cutAt(buf, start, cut);
        if (safe > start) cut = safe;
        this.onLine(buf, start, cut);
        start = cut;
        continue;
      }
      break;
    }
    buf = buf.subarray(start);
    this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }

  end(): void {
    if (this.pending.length) this.onLine(this.pending, 0, this.pending.length);
    this.pending = Buffer.alloc(0);
  }
}
