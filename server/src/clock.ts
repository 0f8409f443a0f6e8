/** Time source, injectable so that expiry and timeouts can be tested. */
export interface Clock {
  /** unix milliseconds */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
