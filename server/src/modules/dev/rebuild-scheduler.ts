/**
 * Turns file changes into builds: a burst of changes starts one build once the files have been
 * quiet for `quietMs`; changes during a build queue exactly one more build after it.
 */
export class RebuildScheduler {
  private timer: NodeJS.Timeout | null = null;
  private building = false;
  private pending = false;
  private stopped = false;

  constructor(
    private readonly build: () => Promise<void>,
    private readonly quietMs = 150,
  ) {}

  /** A file changed. */
  changed(): void {
    if (this.stopped) return;
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
    try {
      await this.build();
    } catch {
      // the build reports its own failure
    } finally {
      this.building = false;
    }
    if (this.pending) {
      this.pending = false;
      this.changed();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
