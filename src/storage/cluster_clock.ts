/**
 * The cluster clock of the single-writer engines: times packed as `seconds << 32 | increment` in a bigint, strictly
 * increasing per change entry. It follows wall-clock seconds but never goes backwards: after a clock jump back, or
 * a restart with an older clock, it keeps counting increments on the last second it issued.
 */
export class ClusterClock {
  private last: bigint;

  /** `last` is the highest time ever issued (restored from storage on open). */
  constructor(last: bigint = 0n) {
    this.last = last;
  }

  /** The highest time issued so far. */
  current(): bigint {
    return this.last;
  }

  /** Issues the next time: the current wall-clock second if it is ahead, else one increment more. */
  tick(): bigint {
    const nowSeconds = BigInt(Math.floor(Date.now() / 1000));
    const candidate = (nowSeconds << 32n) | 1n;
    this.last = candidate > this.last ? candidate : this.last + 1n;
    return this.last;
  }

  /** Moves the clock forward to at least `ts` (e.g. after reading storage). Never moves it back. */
  advanceTo(ts: bigint): void {
    if (ts > this.last) this.last = ts;
  }
}
