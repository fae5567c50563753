import type { OplogEntry } from '../oplog/entry.js';

/** `$indexStats`' `accesses` of one index: the queries that used it since `since`. */
export interface IndexAccesses {
  ops: number;
  since: Date;
}

/**
 * How many operations used each index, as mongod's CollectionIndexUsageTracker counts them for `$indexStats`: the
 * planner calls `record` once per query whose plan reads an index. Counts live in memory and start again at a
 * restart; an index's count restarts when it is created or dropped, and a collection's when it is dropped (the
 * engine hands every committed DDL entry to `noteChange`).
 */
export class IndexUsage {
  private readonly byCollection = new Map<string, Map<string, IndexAccesses>>();
  /** Counts of indexes that existed before the engine opened start here, as mongod's do at startup. */
  private readonly openedAt: Date;

  constructor(private readonly now: () => number = Date.now) {
    this.openedAt = new Date(now());
  }

  /** Counts one use of index `indexName` of collection `collUuid`. */
  record(collUuid: string, indexName: string): void {
    this.accesses(collUuid, indexName).ops++;
  }

  /** The index's counts, since it was created or the engine opened. */
  accesses(collUuid: string, indexName: string): IndexAccesses {
    let indexes = this.byCollection.get(collUuid);
    if (!indexes) {
      indexes = new Map();
      this.byCollection.set(collUuid, indexes);
    }
    let found = indexes.get(indexName);
    if (!found) {
      found = { ops: 0, since: this.openedAt };
      indexes.set(indexName, found);
    }
    return found;
  }

  /** Forgets an index's counts (it was dropped). */
  resetIndex(collUuid: string, indexName: string): void {
    this.byCollection.get(collUuid)?.delete(indexName);
  }

  /** Starts an index's counts from now (it was created). */
  created(collUuid: string, indexName: string): void {
    this.resetIndex(collUuid, indexName);
    this.accesses(collUuid, indexName).since = new Date(this.now());
  }

  /** Forgets every count of a collection (it was dropped). */
  resetCollection(collUuid: string): void {
    this.byCollection.delete(collUuid);
  }

  /** Keeps the counts in step with a committed change: an index created or dropped, a collection dropped. */
  noteChange(entry: OplogEntry): void {
    switch (entry.op) {
      case 'drop':
        if (entry.uuid) this.resetCollection(entry.uuid);
        return;
      case 'rename':
        if (entry.dropTarget) this.resetCollection(entry.dropTarget);
        return;
      case 'create':
        if (entry.uuid) this.created(entry.uuid, '_id_');
        return;
      case 'createIndexes':
      case 'dropIndexes': {
        const indexes = entry.operationDescription?.indexes;
        if (!entry.uuid || !Array.isArray(indexes)) return;
        for (const spec of indexes) {
          const name = (spec as { name?: unknown } | null)?.name;
          if (typeof name !== 'string') continue;
          if (entry.op === 'createIndexes') this.created(entry.uuid, name);
          else this.resetIndex(entry.uuid, name);
        }
        return;
      }
      default:
    }
  }
}
