/**
 * An array kept sorted by a comparator, with binary search. Inserts and removals shift the tail (a memmove),
 * which is fast enough for the reference engine; a tree would pay off only for very large collections.
 */
export class SortedList<E> {
  private readonly items: E[] = [];

  constructor(private readonly compare: (a: E, b: E) => number) {}

  get size(): number {
    return this.items.length;
  }

  /** The first index whose item satisfies `pred`; `pred` must be false for a prefix and true after it. */
  firstIndex(pred: (item: E) => boolean): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(this.items[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The stored item equal to `probe`, if any. */
  get(probe: E): E | undefined {
    const at = this.firstIndex((item) => this.compare(item, probe) >= 0);
    const item = this.items[at];
    return item !== undefined && this.compare(item, probe) === 0 ? item : undefined;
  }

  /** Adds `item` unless an equal one is stored; returns whether it was added. */
  insert(item: E): boolean {
    const at = this.firstIndex((stored) => this.compare(stored, item) >= 0);
    const there = this.items[at];
    if (there !== undefined && this.compare(there, item) === 0) return false;
    this.items.splice(at, 0, item);
    return true;
  }

  /** Removes and returns the stored item equal to `probe`, if any. */
  remove(probe: E): E | undefined {
    const at = this.firstIndex((item) => this.compare(item, probe) >= 0);
    const there = this.items[at];
    if (there === undefined || this.compare(there, probe) !== 0) return undefined;
    this.items.splice(at, 1);
    return there;
  }

  /** Items at positions [start, end). */
  slice(start: number, end: number): E[] {
    return this.items.slice(start, end);
  }

  /** Every item, in order. */
  values(): readonly E[] {
    return this.items;
  }
}
