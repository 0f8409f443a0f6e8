/**
 * One in-flight byte budget shared by the Invoke API's callers who hold no key (any SigV4 header
 * passes, as in SAM local): together their bodies never hold more than `limit` bytes of memory,
 * however many connect at once. See docs/decisions for the size.
 */
export class BodyBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  /** Reserves `bytes` until the returned release is called (once is enough); null when they do not fit. */
  reserve(bytes: number): (() => void) | null {
    if (this.used + bytes > this.limit) return null;
    this.used += bytes;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.used -= bytes;
    };
  }

  get inUse(): number {
    return this.used;
  }
}
