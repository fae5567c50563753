/** Latency samples and their nearest-rank percentiles; samples are milliseconds from performance.now(). */

/** A growable list of latency samples, kept in a Float64Array so millions of them stay cheap. */
export class LatencySamples {
  private data = new Float64Array(1024);
  private size = 0;

  add(ms: number): void {
    if (this.size === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.size++] = ms;
  }

  get count(): number {
    return this.size;
  }

  /**
   * p50, p99 and max in milliseconds, rounded to microseconds. With `expected` above the sample count, the missing
   * samples (events that never arrived) rank above every arrival, so a percentile that falls among them is null
   * rather than a flattering figure from the arrivals alone.
   */
  summary(expected = this.size): LatencySummary {
    const sorted = this.data.slice(0, this.size).sort();
    const total = Math.max(expected, this.size);
    const at = (p: number): number | null => {
      const rank = Math.max(1, Math.ceil((p / 100) * total));
      return rank <= this.size ? round3(sorted[rank - 1]!) : null;
    };
    return { samples: this.size, p50Ms: at(50), p99Ms: at(99), maxMs: total > this.size || this.size === 0 ? null : round3(sorted[this.size - 1]!) };
  }
}

export interface LatencySummary {
  samples: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Operations per second over `ms` milliseconds, rounded to a whole number. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? Math.round((count * 1000) / ms) : 0;
}
