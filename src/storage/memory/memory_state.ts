/**
 * The data of a MemoryStorage: plain maps and sorted lists, byte strings ordered by `compareBytes` (memcmp,
 * the order SQLite gives BLOBs).
 */
import type { IndexPosition } from '../types.js';
import { asBuffer, rangeLimit, type LimitedRange } from '../contract.js';
import { compareBytes } from './compare_bytes.js';
import { SortedList } from './sorted_list.js';

export interface MemoryCollection {
  db: string;
  name: string;
  uuid: string;
  options: Buffer;
  indexes: Buffer[];
}

export interface MemoryDocument {
  key: Buffer;
  doc: Buffer;
  /** Natural position: from a counter that only grows, so insertion order (see `NaturalDocument`). */
  position: number;
}

export interface MemoryIndexEntry {
  key: Buffer;
  recordKey: Buffer;
}

export interface MemoryOplogEntry {
  ts: bigint;
  entry: Buffer;
}

export class MemoryState {
  /** Catalog by uuid. */
  readonly collections = new Map<string, MemoryCollection>();
  /** Documents by collection uuid, created on first insert. */
  readonly documents = new Map<string, SortedList<MemoryDocument>>();
  /** The same documents (the same objects) by collection uuid, in natural order. */
  readonly natural = new Map<string, SortedList<MemoryDocument>>();
  /** The last natural position handed out. */
  lastPosition = 0;
  /** Index entries by collection uuid, then index name. */
  readonly indexEntries = new Map<string, Map<string, SortedList<MemoryIndexEntry>>>();
  /** Oldest first; appends only ever go at the end. */
  readonly oplog: MemoryOplogEntry[] = [];
  oplogBytes = 0;
  readonly meta = new Map<string, string>();
  /** See `StorageReader.catalogVersion`. */
  catalogVersion = 0;

  findCollection(db: string, name: string): MemoryCollection | undefined {
    for (const coll of this.collections.values()) if (coll.db === db && coll.name === name) return coll;
    return undefined;
  }

  documentsOf(uuid: string): SortedList<MemoryDocument> {
    let list = this.documents.get(uuid);
    if (!list) {
      list = new SortedList<MemoryDocument>((a, b) => compareBytes(a.key, b.key));
      this.documents.set(uuid, list);
    }
    return list;
  }

  naturalOf(uuid: string): SortedList<MemoryDocument> {
    let list = this.natural.get(uuid);
    if (!list) {
      list = new SortedList<MemoryDocument>((a, b) => a.position - b.position);
      this.natural.set(uuid, list);
    }
    return list;
  }

  indexOf(uuid: string, indexName: string): SortedList<MemoryIndexEntry> {
    let byName = this.indexEntries.get(uuid);
    if (!byName) {
      byName = new Map();
      this.indexEntries.set(uuid, byName);
    }
    let list = byName.get(indexName);
    if (!list) {
      list = new SortedList<MemoryIndexEntry>((a, b) => compareBytes(a.key, b.key) || compareBytes(a.recordKey, b.recordKey));
      byName.set(indexName, list);
    }
    return list;
  }

  /** The first index of the oplog whose ts is above `afterTs`. */
  oplogIndexAfter(afterTs: bigint): number {
    let lo = 0;
    let hi = this.oplog.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.oplog[mid]!.ts > afterTs) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/**
 * The items of `list` whose `key` lies in `range`, in range order, limited; with `after` (index entries), only those
 * past that (key, recordKey) position in range order.
 */
export function scanRange<E extends { key: Buffer }>(list: SortedList<E> | undefined, range: LimitedRange | undefined, after?: IndexPosition): E[] {
  const limit = rangeLimit(range);
  if (!list || limit === 0) return [];
  const [start, end] = rangePositions(list, range, after);
  if (start >= end) return [];
  if (range?.reverse) {
    const from = Number.isFinite(limit) ? Math.max(start, end - limit) : start;
    return list.slice(from, end).reverse();
  }
  return list.slice(start, Number.isFinite(limit) ? Math.min(end, start + limit) : end);
}

/** `scanRange(list, range).length`, without copying the items out. */
export function countRange<E extends { key: Buffer }>(list: SortedList<E> | undefined, range: LimitedRange | undefined): number {
  const limit = rangeLimit(range);
  if (!list || limit === 0) return 0;
  const [start, end] = rangePositions(list, range);
  return Math.max(0, Math.min(end - start, limit));
}

/** The positions [start, end) of `list` that `scanRange` reads before its limit applies. */
function rangePositions<E extends { key: Buffer }>(list: SortedList<E>, range: LimitedRange | undefined, after?: IndexPosition): [number, number] {
  let start = 0;
  let end = list.size;
  const atLeast = (bound: Uint8Array, inclusive: boolean) => {
    const b = asBuffer(bound);
    return list.firstIndex((item) => (inclusive ? compareBytes(item.key, b) >= 0 : compareBytes(item.key, b) > 0));
  };
  if (range?.gte !== undefined) start = Math.max(start, atLeast(range.gte, true));
  if (range?.gt !== undefined) start = Math.max(start, atLeast(range.gt, false));
  if (range?.lte !== undefined) end = Math.min(end, atLeast(range.lte, false));
  if (range?.lt !== undefined) end = Math.min(end, atLeast(range.lt, true));
  if (after) {
    const k = asBuffer(after.key);
    const r = asBuffer(after.recordKey);
    const order = (item: E) => compareBytes(item.key, k) || compareBytes((item as unknown as MemoryIndexEntry).recordKey, r);
    if (range?.reverse) end = Math.min(end, list.firstIndex((item) => order(item) >= 0));
    else start = Math.max(start, list.firstIndex((item) => order(item) > 0));
  }
  return [start, end];
}
