import type { OplogEntry } from './entry.js';
import { idEqualityKey, isCrudEntry, type StreamInterest } from './interest.js';

/** A stream parked in the hub: what it can report, what it has been handed so far, and how it wakes. */
export interface Waiter {
  interest: StreamInterest;
  /** The stream's position: it is offered only entries after it (a stream may be ahead of its server's tail). */
  after: bigint;
  entries: OplogEntry[];
  finish(): void;
  /** Ends the wait telling the stream to read for itself (the hub no longer covers its position). */
  reread(): void;
}

/** Waiters of one namespace key: those that take any document, and those pinned to `_id` keys. */
interface Bucket {
  any: Set<Waiter>;
  byId: Map<string, Set<Waiter>>;
}

/** Database and collection names cannot be empty or hold NUL, so these keys never collide. */
function nsKey(db: string | undefined, coll: string | undefined): string {
  return `${db ?? ''}\0${db === undefined ? '' : (coll ?? '')}`;
}

/**
 * Parked streams indexed by namespace and documentKey `_id`, so that a CRUD entry is offered to the streams of its
 * collection, its database and the cluster that take its `_id` (or any), a handful of map lookups whatever the
 * number of streams. Entries that are not CRUD (DDL, which may also invalidate) are rare and go to every waiter.
 */
export class WaiterIndex {
  private readonly buckets = new Map<string, Bucket>();
  private readonly waiters = new Set<Waiter>();

  get size(): number {
    return this.waiters.size;
  }

  all(): Waiter[] {
    return [...this.waiters];
  }

  add(waiter: Waiter): void {
    this.waiters.add(waiter);
    const key = nsKey(waiter.interest.db, waiter.interest.coll);
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { any: new Set(), byId: new Map() }));
    const ids = waiter.interest.ids;
    if (!ids) {
      bucket.any.add(waiter);
      return;
    }
    for (const id of ids) {
      let set = bucket.byId.get(id);
      if (!set) bucket.byId.set(id, (set = new Set()));
      set.add(waiter);
    }
  }

  remove(waiter: Waiter): void {
    if (!this.waiters.delete(waiter)) return;
    const key = nsKey(waiter.interest.db, waiter.interest.coll);
    const bucket = this.buckets.get(key);
    if (!bucket) return;
    const ids = waiter.interest.ids;
    if (!ids) bucket.any.delete(waiter);
    else {
      for (const id of ids) {
        const set = bucket.byId.get(id);
        if (!set) continue;
        set.delete(waiter);
        if (set.size === 0) bucket.byId.delete(id);
      }
    }
    if (bucket.any.size === 0 && bucket.byId.size === 0) this.buckets.delete(key);
  }

  /**
   * Hands each entry to the waiters that accept it (appending to their `entries`) and returns the waiters that
   * received at least one, each once. The caller wakes them after the whole commit has been offered.
   */
  offer(entries: readonly OplogEntry[]): Waiter[] {
    const woken: Waiter[] = [];
    const give = (waiter: Waiter, entry: OplogEntry) => {
      const got = waiter.entries;
      // A waiter pinned to several ids may be reached twice for one entry whose _id has no key.
      if (entry.ts <= waiter.after || got[got.length - 1] === entry || !waiter.interest.accepts(entry)) return;
      if (got.length === 0) woken.push(waiter);
      got.push(entry);
    };
    for (const entry of entries) {
      if (!isCrudEntry(entry)) {
        for (const waiter of this.waiters) give(waiter, entry);
        continue;
      }
      const key = idEqualityKey(entry.documentKey!._id);
      for (const ns of [nsKey(entry.db, entry.coll), nsKey(entry.db, undefined), nsKey(undefined, undefined)]) {
        const bucket = this.buckets.get(ns);
        if (!bucket) continue;
        for (const waiter of bucket.any) give(waiter, entry);
        if (key !== null) {
          const pinned = bucket.byId.get(key);
          if (pinned) for (const waiter of pinned) give(waiter, entry);
        } else {
          for (const pinned of bucket.byId.values()) for (const waiter of pinned) give(waiter, entry);
        }
      }
    }
    return woken;
  }
}
