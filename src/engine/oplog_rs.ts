/**
 * `local.oplog.rs`: the change history read as mongod's replica-set oplog, a capped collection clients can find on
 * (in natural order, forward or backward, filtering on `ts`), tail (tailable + awaitData, as oplog tailers do) and
 * measure (collStats), but never write. The entries are converted on read (oplog/oplog_rs.ts).
 */
import { bsonTypeOf, isDocument, type Document } from '../bson/types.js';
import type { Timestamp } from '../bson/index.js';
import { mongoError } from '../errors/index.js';
import { fromTimestamp } from '../oplog/cluster_clock.js';
import { decodeEntry, type OplogEntry } from '../oplog/entry.js';
import type { StreamInterest } from '../oplog/interest.js';
import { oplogRsEntry, sameTransaction } from '../oplog/oplog_rs.js';
import { compilePipeline, type Chunks, type StreamControl } from '../query/pipeline/index.js';
import type { FindDocumentsOptions } from './read_ops.js';
import type { Engine } from './engine.js';
import { cappedPositionLost } from './natural_source.js';
import type { TailSource } from './tailable_cursor.js';

export const OPLOG_DB = 'local';
export const OPLOG_COLLECTION = 'oplog.rs';

export function isOplogNamespace(db: string, coll: string): boolean {
  return db === OPLOG_DB && coll === OPLOG_COLLECTION;
}

/** mongod's refusal of a write to the oplog of a replica set member. */
export function oplogWriteRefused() {
  return mongoError('InvalidNamespace', `cannot write to '${OPLOG_DB}.${OPLOG_COLLECTION}'`);
}

/** Entries per storage read. */
const OPLOG_READ_CHUNK = 256;

/**
 * The time a filter on `ts` lets a forward scan start after (a seek, as mongod's oplog scans do): `{ts: T}`,
 * `{ts: {$gte: T}}` and `{ts: {$gt: T}}` at the top level or in a top-level `$and`. -1 when the filter has none.
 */
export function oplogStartAfter(filter: Document): bigint {
  let start = -1n;
  const consider = (cond: unknown): void => {
    if (bsonTypeOf(cond) === 'timestamp') {
      start = maxBig(start, fromTimestamp(cond as Timestamp) - 1n);
      return;
    }
    if (!isDocument(cond)) return;
    if (bsonTypeOf(cond.$gte) === 'timestamp') start = maxBig(start, fromTimestamp(cond.$gte as Timestamp) - 1n);
    if (bsonTypeOf(cond.$gt) === 'timestamp') start = maxBig(start, fromTimestamp(cond.$gt as Timestamp));
    if (bsonTypeOf(cond.$eq) === 'timestamp') start = maxBig(start, fromTimestamp(cond.$eq as Timestamp) - 1n);
  };
  consider(filter.ts);
  if (Array.isArray(filter.$and)) for (const part of filter.$and) if (isDocument(part)) consider(part.ts);
  return start;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/**
 * The oplog read forward from a time for a tailable cursor (or a forward find), one document per entry and one per
 * transaction. The position is the time of the last entry read; once it falls behind the retained oplog, the next
 * read is CappedPositionLost, as mongod's oplog tailers see it.
 */
export class OplogTail implements TailSource {
  /** Every entry with a time up to this one has been read (or skipped by the seek). */
  private after: bigint;
  private positioned = false;
  private nonEmpty = false;
  /** Tailers want every commit. */
  readonly interest: StreamInterest = { accepts: () => true };

  constructor(private readonly engine: Engine, startAfter: bigint) {
    this.after = startAfter;
  }

  get started(): boolean {
    return this.nonEmpty;
  }

  async next(limit: number): Promise<Document[]> {
    const entries = await this.read(limit);
    if (entries.length > 0) this.nonEmpty = true;
    else if (!this.nonEmpty) this.nonEmpty = (await this.engine.read((r) => r.oplogBounds())) !== null;
    this.engine.metrics.scannedObjects += entries.length;
    return groupTransactions(entries).map(oplogRsEntry);
  }

  private async read(limit: number): Promise<OplogEntry[]> {
    // Before the first entry the scan stands on nothing: a start older than the retained oplog begins at its oldest.
    if (!this.positioned && this.after < this.engine.oplogTruncatedThrough) this.after = this.engine.oplogTruncatedThrough;
    let entries = await this.engine.readOplog(this.after, limit);
    if (entries === null) {
      if (this.positioned) throw cappedPositionLost(Number(this.after));
      this.after = this.engine.oplogTruncatedThrough;
      entries = (await this.engine.readOplog(this.after, limit)) ?? [];
    }
    entries = [...entries];
    // A transaction's entries all committed together: read on to its last, so it comes out whole, once.
    while (entries.length > 0) {
      const last = entries[entries.length - 1]!;
      const more = await this.engine.readOplog(last.ts, 64);
      if (!more || more.length === 0 || !sameTransaction(last, more[0]!)) break;
      for (const entry of more) {
        if (!sameTransaction(last, entry)) break;
        entries.push(entry);
      }
    }
    if (entries.length > 0) {
      this.after = entries[entries.length - 1]!.ts;
      this.positioned = true;
    }
    return entries;
  }
}

/** Consecutive entries of one transaction as one group; every other entry alone. */
function groupTransactions(entries: readonly OplogEntry[]): OplogEntry[][] {
  const groups: OplogEntry[][] = [];
  for (const entry of entries) {
    const current = groups[groups.length - 1];
    if (current && sameTransaction(current[current.length - 1]!, entry)) current.push(entry);
    else groups.push([entry]);
  }
  return groups;
}

/** The oplog as a find's source, in natural order (oldest first) or backward. */
export async function* oplogChunks(engine: Engine, direction: 1 | -1, startAfter: bigint, control: StreamControl): Chunks {
  if (direction === 1) {
    const tail = new OplogTail(engine, startAfter);
    for (;;) {
      const docs = await tail.next(OPLOG_READ_CHUNK);
      if (docs.length === 0) return;
      yield docs;
      await control.yieldIfDue();
    }
  }
  let before = (1n << 64n) - 1n;
  let carried: OplogEntry[] = [];
  for (;;) {
    const from = before;
    const rows = await engine.read((r) => r.readOplogBefore({ before: from, limit: OPLOG_READ_CHUNK }));
    engine.metrics.scannedObjects += rows.length;
    // Newest first: a transaction cut by the chunk's end waits for the rest of it in the next chunk.
    const entries = [...carried, ...rows.map((row) => decodeEntry(row.ts, row.entry))];
    carried = [];
    const groups = groupTransactions([...entries].reverse()).reverse();
    if (rows.length === OPLOG_READ_CHUNK && groups.length > 0) {
      const oldest = groups[groups.length - 1]!;
      groups.pop();
      carried = [...oldest].reverse();
    }
    if (groups.length > 0) yield groups.map(oplogRsEntry);
    if (rows.length < OPLOG_READ_CHUNK) return;
    before = rows[rows.length - 1]!.ts;
    await control.yieldIfDue();
  }
}

/**
 * A find on `local.oplog.rs`: the oplog in natural order (`direction`), then the find's filter, sort (other than
 * `$natural`), skip, limit and projection, run as the equivalent pipeline stages.
 */
export function oplogFindStream(engine: Engine, o: FindDocumentsOptions, direction: 1 | -1, control: StreamControl): Chunks {
  const filter = o.filter ?? {};
  const stages: Document[] = [];
  if (Object.keys(filter).length > 0) stages.push({ $match: filter });
  const sort = o.sort ? Object.fromEntries(Object.entries(o.sort).filter(([key]) => key !== '$natural')) : {};
  if (Object.keys(sort).length > 0) stages.push({ $sort: sort });
  if (o.skip) stages.push({ $skip: o.skip });
  if (o.limit) stages.push({ $limit: o.limit });
  if (o.projection && Object.keys(o.projection).length > 0) stages.push({ $project: o.projection });
  const source = oplogChunks(engine, direction, direction === 1 ? oplogStartAfter(filter) : -1n, control);
  return compilePipeline(stages, { collation: o.collation ?? null, ...(o.variables ? { variables: o.variables } : {}) }).stream(source, control);
}

/** The oplog's collection UUID in listCollections: fixed, as the oplog is never dropped or created again. */
export const OPLOG_UUID = '0000000000004000800000006f706c67';

/** How large `local.oplog.rs` may grow: the server's retention (`--oplogSizeMB`), or 1 PB when unlimited. */
export function oplogMaxSize(engine: Engine): number {
  return engine.options.oplogSizeBytes ?? 1024 ** 5;
}

/** What collStats reports of `local.oplog.rs`: its entries (one per stored entry) and their bytes. */
export async function oplogStats(engine: Engine): Promise<{ count: number; dataSize: number }> {
  return engine.read(async (r) => {
    let count = 0;
    let after = -1n;
    for (;;) {
      const sizes = await r.oplogEntrySizes({ after, limit: 10_000 });
      count += sizes.length;
      if (sizes.length < 10_000) break;
      after = sizes[sizes.length - 1]!.ts;
    }
    return { count, dataSize: await r.oplogSizeBytes() };
  });
}
