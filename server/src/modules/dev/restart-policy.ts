/** Crashes within this window count towards giving up. */
export const RESTART_WINDOW_MS = 2 * 60_000;
/** This many crashes within the window and the loop stops restarting. */
export const RESTART_LIMIT = 5;
const MAX_DELAY_MS = 30_000;

/** The wait before restart number `n` (1, 2, 3 …): 1, 2, 4 … seconds, at most 30. */
export function restartDelayMs(n: number): number {
  return Math.min(MAX_DELAY_MS, 1000 * 2 ** Math.max(0, n - 1));
}

/**
 * Counts a project's service crashes: each one gets a restart after a growing delay, until
 * RESTART_LIMIT crashes fall within RESTART_WINDOW_MS. A successful build starts afresh.
 */
export class RestartPolicy {
  private crashes: number[] = [];
  private gaveUp = false;

  /** A crash at `now`: the delay before the restart, or null when the loop gives up. */
  crashed(now: number): number | null {
    this.crashes = this.crashes.filter((at) => now - at < RESTART_WINDOW_MS);
    this.crashes.push(now);
    if (this.crashes.length >= RESTART_LIMIT) {
      this.gaveUp = true;
      return null;
    }
    return restartDelayMs(this.crashes.length);
  }

  reset(): void {
    this.crashes = [];
    this.gaveUp = false;
  }

  failures(now: number): number {
    return this.crashes.filter((at) => now - at < RESTART_WINDOW_MS).length;
  }

  get stopped(): boolean {
    return this.gaveUp;
  }
}
