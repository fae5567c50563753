/**
 * The documents of received batches, handed out one at a time. Taking from the front moves an index instead of
 * `Array.shift()`, which copies the rest of the array: a catch-up batch of 100,000 events would otherwise cost
 * O(n²) to drain.
 */
export class BatchQueue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends a batch; the queue takes ownership of the array when it is empty. */
  push(batch: T[]): void {
    if (batch.length === 0) return;
    if (this.length === 0) {
      this.items = batch;
      this.head = 0;
      return;
    }
    for (const item of batch) this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as T;
    if (this.head === this.items.length) this.clear();
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
