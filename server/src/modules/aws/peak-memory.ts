// The most memory a function container has used (its cgroup's peak), read in the background, for
// the REPORT line's "Max Memory Used". A REPORT must not be written before the first reading is in.

/** How long a REPORT may wait for the first reading (the engine's stats, where the cgroup files cannot be read, take about 1 s). */
export const FIRST_PEAK_WAIT_MS = 1500;

export class PeakMemory {
  /** the most seen; 0 until the first reading */
  bytes = 0;
  private reading: Promise<void> | null = null;
  private firstDeadline = 0;

  constructor(
    /** one reading (null: none available) */
    private readonly read: () => Promise<number | null>,
    /** the first reading is in, or took too long */
    private readonly firstDone: () => void,
  ) {}

  /** Starts a reading unless one is in flight. */
  refresh(): void {
    if (this.reading) return;
    const first = this.bytes === 0;
    const done = () => first && this.firstDone();
    if (first) {
      this.firstDeadline = performance.now() + FIRST_PEAK_WAIT_MS;
      setTimeout(done, FIRST_PEAK_WAIT_MS).unref();
    }
    this.reading = this.read()
      .then((bytes) => {
        if (bytes !== null) this.bytes = Math.max(this.bytes, bytes);
      })
      .catch(() => undefined)
      .finally(() => {
        this.reading = null;
        done();
      });
  }

  /** true while the first reading is in flight (at most FIRST_PEAK_WAIT_MS): a REPORT now would say 0 MB */
  get readingFirst(): boolean {
    return this.bytes === 0 && this.reading !== null && performance.now() < this.firstDeadline;
  }

  /** Resolves once the first reading is in: at once when there is one, at the latest at its deadline. */
  firstRead(): Promise<void> {
    const reading = this.reading;
    if (!reading || !this.readingFirst) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.firstDeadline - performance.now())));
    return Promise.race([reading, cap]).finally(() => clearTimeout(timer));
  }
}
