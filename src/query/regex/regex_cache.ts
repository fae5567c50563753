/**
 * A small least-recently-used map, so compiled patterns are reused across documents, events and queries. It holds
 * at most `capacity` entries and `maxWeight` in total (a compiled pattern's size grows with its length), dropping
 * the least recently used first; an entry heavier than a quarter of `maxWeight` is not kept.
 */
export class RegexCache<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private weight = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxWeight: number,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V, weight: number): void {
    if (weight > this.maxWeight / 4) return;
    this.delete(key);
    this.entries.set(key, { value, weight });
    this.weight += weight;
    while (this.entries.size > this.capacity || this.weight > this.maxWeight) this.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }

  private delete(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    this.entries.delete(key);
    this.weight -= e.weight;
  }
}
