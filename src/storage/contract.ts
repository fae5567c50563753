/**
 * Argument checks and conversions both engines share, so that they reject the same caller bugs the same way.
 */
import { StorageError, type KeyRange, type StoredOplogEntry } from './types.js';

/** A key range with a row limit: one chunk of a scan, as the engines read it. */
export type LimitedRange = KeyRange & { limit?: number };

/**
 * The meta row in which the engine's oplog trimmer records the time through which it removed change entries (a
 * decimal string). Storage engines read it too: at startup (SQLite's checks), and to tell a process whose tail fell
 * behind another's trim that entries it never received are gone (ChangeBatch.truncatedThrough).
 */
export const OPLOG_TRUNCATED_KEY = 'oplogTruncatedThrough';

/** The largest oplog time: timestamps are unsigned 64-bit (seconds << 32 | increment). */
export const MAX_OPLOG_TS = (1n << 64n) - 1n;

/** A `Buffer` view of `bytes` without copying (better-sqlite3 and Buffer.compare want Buffers). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A fresh copy of `bytes` the receiver owns. */
export function copyBytes(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes);
}

/** Throws `RangeError` unless `ts` is a valid oplog time. */
export function checkOplogTs(ts: bigint): void {
  if (typeof ts !== 'bigint' || ts < 0n || ts > MAX_OPLOG_TS) {
    throw new RangeError(`oplog ts must be a bigint in [0, 2^64), got ${String(ts)}`);
  }
}

/**
 * Throws `RangeError` unless `entries` have valid, strictly increasing times all above `lastTs` (the newest
 * stored time, or null when the oplog is empty). Checked before anything is stored, so a bad batch stores none.
 */
export function checkOplogAppend(entries: readonly StoredOplogEntry[], lastTs: bigint | null): void {
  let previous = lastTs;
  for (const { ts } of entries) {
    checkOplogTs(ts);
    if (previous !== null && ts <= previous) {
      throw new RangeError(`oplog ts must increase strictly: ${ts} after ${previous}`);
    }
    previous = ts;
  }
}

/** The row limit of a range: `Infinity` when none. Throws `RangeError` for a negative or fractional limit. */
export function rangeLimit(range: LimitedRange | undefined): number {
  const limit = range?.limit;
  if (limit === undefined) return Infinity;
  return checkLimit(limit);
}

/**
 * The bounds present in `range`, in the order gte, gt, lte, lt: the values of the SQL engines' range statements, whose
 * text has a condition for each bound present in that order.
 */
export function rangeBounds(range: KeyRange | undefined): Buffer[] {
  const bounds: Buffer[] = [];
  if (range?.gte !== undefined) bounds.push(asBuffer(range.gte));
  if (range?.gt !== undefined) bounds.push(asBuffer(range.gt));
  if (range?.lte !== undefined) bounds.push(asBuffer(range.lte));
  if (range?.lt !== undefined) bounds.push(asBuffer(range.lt));
  return bounds;
}

/** Validates an explicit limit (0 allowed, meaning none). */
export function checkLimit(limit: number): number {
  if (typeof limit !== 'number' || !(limit >= 0) || (Number.isFinite(limit) && !Number.isInteger(limit))) {
    throw new RangeError(`limit must be a non-negative integer, got ${String(limit)}`);
  }
  return limit;
}

/** Throws if a collection uuid is not 32 lowercase hex digits. */
export function checkUuid(uuid: string): void {
  if (typeof uuid !== 'string' || !/^[0-9a-f]{32}$/.test(uuid)) {
    throw new RangeError(`collection uuid must be 32 lowercase hex digits, got ${JSON.stringify(uuid)}`);
  }
}

/** The DuplicateKey failure of a record key (`indexName` absent) or of a unique index entry, worded alike by every engine. */
export function duplicateKey(collUuid: string, indexName?: string): StorageError {
  return indexName === undefined
    ? new StorageError('DuplicateKey', `duplicate record key in collection ${collUuid}`)
    : new StorageError('DuplicateKey', `duplicate key in index ${indexName} of collection ${collUuid}`, indexName);
}

/** NamespaceExists: `db.name` is taken. */
export function namespaceExists(db: string, name: string): StorageError {
  return new StorageError('NamespaceExists', `collection ${db}.${name} already exists`);
}

/** NamespaceExists: another collection already has this uuid. */
export function uuidTaken(uuid: string): StorageError {
  return new StorageError('NamespaceExists', `a collection with uuid ${uuid} already exists`);
}

/** NamespaceNotFound: no collection has this uuid. */
export function namespaceNotFound(uuid: string): StorageError {
  return new StorageError('NamespaceNotFound', `no collection with uuid ${uuid}`);
}

/** Corrupted: the document under `key` does not match its checksum. `doc`: its bytes as read. */
export function corruptDocument(collUuid: string, key: Uint8Array, doc: Uint8Array): StorageError {
  return new StorageError(
    'Corrupted',
    `the document under key ${Buffer.from(key).toString('hex')} of collection ${collUuid} does not match its checksum`,
    undefined,
    { kind: 'document', collUuid, key: copyBytes(key), doc: copyBytes(doc) },
  );
}

/** Corrupted: the oplog entry at `ts` does not match its checksum. */
export function corruptOplogEntry(ts: bigint): StorageError {
  return new StorageError('Corrupted', `the oplog entry at ${ts} does not match its checksum`, undefined, { kind: 'oplogEntry', ts });
}

/**
 * `insertDocuments` as a series of `insertDocument` calls, for a writer without a batched path: stops at the first
 * DuplicateKey and returns how many rows went in before it, as the contract says.
 */
export async function insertOneByOne(
  writer: { insertDocument(args: { coll: string; key: Uint8Array; doc: Uint8Array }): Promise<void> },
  collUuid: string,
  rows: readonly { key: Uint8Array; doc: Uint8Array }[],
): Promise<number> {
  for (let i = 0; i < rows.length; i++) {
    try {
      await writer.insertDocument({ coll: collUuid, key: rows[i]!.key, doc: rows[i]!.doc });
    } catch (err) {
      if (err instanceof StorageError && err.kind === 'DuplicateKey') return i;
      throw err;
    }
  }
  return rows.length;
}
