/**
 * Turns file changes into builds: a burst of changes starts one build once the files have been
 * quiet for `quietMs`; changes during a build queue exactly one more build after it. The build
 * is told when the first change it answers was seen (the dev loop's timeline).
 */
export class RebuildScheduler {
  private timer: NodeJS.Timeout | null = null;
  private building = false;
  private pending = false;
  private stopped = false;
  /** unix ms of the first change not yet handed to a build */
  private firstChangeAt: number | null = null;

  constructor(
    private readonly build: (changedAt: number | null) => Promise<void>,
    private readonly quietMs = 100,
  ) {}

  /** A file changed. */
  changed(): void {
    if (this.stopped) return;
    this.firstChangeAt ??= Date.now();
    if (this.building) {
      this.pending = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, this.quietMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    this.building = true;
    const changedAt = this.firstChangeAt;
    this.firstChangeAt = null;
    try {
      await this.build(changedAt);
    } catch {
      // the build reports its own failure
    } finally {
      this.building = false;
    }
    if (this.pending) {
      this.pending = false;
      // firstChangeAt is the first change seen during the build
      this.changed();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
