/**
 * A sorted set under a comparator, with positions: a list of sorted chunks. One flat array kept sorted with
 * `splice` made every insert O(n), so building a large index was quadratic; here an insert or removal shifts
 * one chunk of at most `2 * chunkSize` items, finding the chunk is a binary search over the chunks' last items,
 * and a position is a prefix sum over chunk lengths in a Fenwick tree (rebuilt, O(chunks), only when next needed
 * after a chunk split, merged or emptied: each of those takes about half a chunk's worth of changes to come about).
 */
export class SortedList<E> {
  /** Non-empty chunks, each sorted, every item of one below every item of the next. */
  private chunks: E[][] = [];
  /** The last item of each chunk, for the binary search that picks a chunk. */
  private lasts: E[] = [];
  private count = 0;
  /** Fenwick tree over chunk lengths (1-based); null when the chunks changed shape since it was built. */
  private tree: number[] | null = null;

  /**
   * @param chunkSize A chunk splits in two past twice this many items and merges with a neighbour below half of
   *   it. Small values make tests cross chunk boundaries; the default keeps a splice within a few kilobytes.
   */
  constructor(
    private readonly compare: (a: E, b: E) => number,
    private readonly chunkSize = 512,
  ) {
    if (!Number.isInteger(chunkSize) || chunkSize < 2) throw new RangeError(`SortedList chunkSize must be an integer of at least 2, not ${chunkSize}`);
  }

  get size(): number {
    return this.count;
  }

  /** The first index whose item satisfies `pred`; `pred` must be false for a prefix and true after it. */
  firstIndex(pred: (item: E) => boolean): number {
    let lo = 0;
    let hi = this.lasts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(this.lasts[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    if (lo === this.chunks.length) return this.count;
    const chunk = this.chunks[lo]!;
    let a = 0;
    let b = chunk.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (pred(chunk[mid]!)) b = mid;
      else a = mid + 1;
    }
    return this.prefix(lo) + a;
  }

  /** The item at `index`, if 0 <= index < size. */
  at(index: number): E | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) return undefined;
    const [c, offset] = this.locate(index);
    return this.chunks[c]![offset];
  }

  /** The stored item equal to `probe`, if any. */
  get(probe: E): E | undefined {
    const c = this.chunkAtLeast(probe);
    if (c === this.chunks.length) return undefined;
    const chunk = this.chunks[c]!;
    const item = chunk[this.lowerBound(chunk, probe)];
    return item !== undefined && this.compare(item, probe) === 0 ? item : undefined;
  }

  /** Adds `item` unless an equal one is stored; returns whether it was added. */
  insert(item: E): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      this.lasts.push(item);
      this.count = 1;
      this.tree = null;
      return true;
    }
    // Past every last item: it goes at the end of the last chunk.
    const c = Math.min(this.chunkAtLeast(item), this.chunks.length - 1);
    const chunk = this.chunks[c]!;
    const at = this.lowerBound(chunk, item);
    if (at < chunk.length && this.compare(chunk[at]!, item) === 0) return false;
    if (at === chunk.length) {
      chunk.push(item);
      this.lasts[c] = item;
    } else {
      chunk.splice(at, 0, item);
    }
    this.count++;
    if (chunk.length > 2 * this.chunkSize) this.split(c);
    else this.add(c, 1);
    return true;
  }

  /** Removes and returns the stored item equal to `probe`, if any. */
  remove(probe: E): E | undefined {
    const c = this.chunkAtLeast(probe);
    if (c === this.chunks.length) return undefined;
    const chunk = this.chunks[c]!;
    const at = this.lowerBound(chunk, probe);
    const there = chunk[at];
    if (there === undefined || this.compare(there, probe) !== 0) return undefined;
    chunk.splice(at, 1);
    this.count--;
    if (chunk.length === 0) {
      this.chunks.splice(c, 1);
      this.lasts.splice(c, 1);
      this.tree = null;
      return there;
    }
    if (at === chunk.length) this.lasts[c] = chunk[at - 1]!;
    if (chunk.length < this.chunkSize >>> 1 && this.chunks.length > 1) this.merge(c > 0 ? c - 1 : c);
    else this.add(c, -1);
    return there;
  }

  /** Items at positions [start, end), clamped and with negative positions counted from the end as `Array.slice`. */
  slice(start: number, end: number): E[] {
    const from = clampPosition(start, this.count);
    const to = clampPosition(end, this.count);
    const out: E[] = [];
    if (from >= to) return out;
    let [c, offset] = this.locate(from);
    let left = to - from;
    while (left > 0) {
      const chunk = this.chunks[c]!;
      const take = Math.min(left, chunk.length - offset);
      for (let i = offset; i < offset + take; i++) out.push(chunk[i]!);
      left -= take;
      c++;
      offset = 0;
    }
    return out;
  }

  /** Every item, in order: a copy (O(n)), so later changes to the list do not show in it. */
  values(): readonly E[] {
    const out: E[] = [];
    for (const chunk of this.chunks) for (const item of chunk) out.push(item);
    return out;
  }

  /** The first chunk whose last item is at or above `probe`, or the chunk count. */
  private chunkAtLeast(probe: E): number {
    let lo = 0;
    let hi = this.lasts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.lasts[mid]!, probe) >= 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private lowerBound(chunk: E[], probe: E): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(chunk[mid]!, probe) >= 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private split(c: number): void {
    const chunk = this.chunks[c]!;
    const tail = chunk.splice(chunk.length >>> 1);
    this.chunks.splice(c + 1, 0, tail);
    this.lasts.splice(c, 1, chunk[chunk.length - 1]!, tail[tail.length - 1]!);
    this.tree = null;
  }

  /** Joins chunks c and c + 1, splitting the result again when it is too long. */
  private merge(c: number): void {
    const joined = this.chunks[c]!.concat(this.chunks[c + 1]!);
    this.chunks.splice(c, 2, joined);
    this.lasts.splice(c, 2, joined[joined.length - 1]!);
    this.tree = null;
    if (joined.length > 2 * this.chunkSize) this.split(c);
  }

  /** Keeps the Fenwick tree in step with a one-item change to chunk c, when it is built. */
  private add(c: number, delta: number): void {
    const tree = this.tree;
    if (tree === null) return;
    for (let i = c + 1; i < tree.length; i += i & -i) tree[i]! += delta;
  }

  private index(): number[] {
    if (this.tree === null) {
      const n = this.chunks.length;
      const tree = new Array<number>(n + 1).fill(0);
      for (let i = 1; i <= n; i++) {
        tree[i]! += this.chunks[i - 1]!.length;
        const parent = i + (i & -i);
        if (parent <= n) tree[parent]! += tree[i]!;
      }
      this.tree = tree;
    }
    return this.tree;
  }

  /** How many items the chunks before chunk c hold. */
  private prefix(c: number): number {
    const tree = this.index();
    let sum = 0;
    for (let i = c; i > 0; i -= i & -i) sum += tree[i]!;
    return sum;
  }

  /** The chunk holding position `index` (0 <= index < size) and the position within it. */
  private locate(index: number): [number, number] {
    const tree = this.index();
    let c = 0;
    let left = index;
    let step = 1;
    while (step * 2 < tree.length) step *= 2;
    // Descends to the last chunk count c whose prefix is at most `index`: chunk c (0-based) holds it.
    for (; step > 0; step >>>= 1) {
      const next = c + step;
      if (next < tree.length && tree[next]! <= left) {
        c = next;
        left -= tree[next]!;
      }
    }
    return [c, left];
  }
}

function clampPosition(position: number, size: number): number {
  const p = Math.trunc(position);
  if (Number.isNaN(p)) return 0;
  return p < 0 ? Math.max(0, size + p) : Math.min(p, size);
}
