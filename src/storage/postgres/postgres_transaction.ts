/**
 * The reader/writer handle `PostgresStorage` passes to a `read()` or `write()` callback. Each method is one statement
 * on the storage's connection (a scan one per chunk, a batch insert a few of growing size; the catalog's DDL a lookup
 * and a change); the queue guarantees nobody else uses the connection meanwhile.
 *
 * PostgreSQL aborts a transaction at its first failed statement, so no expected outcome may be a database error: a
 * taken key is found by `ON CONFLICT DO NOTHING` and a row count, a taken name or a missing row by a lookup, and bad
 * arguments are refused before anything is sent. The writes whose outcome the contract does not report are posted
 * (`PostgresConnection.post`), not waited for: an index build or a write with many index entries pays one round
 * trip for a run of them rather than one each.
 */
import { OPLOG_TRUNCATED_KEY, asBuffer, checkLimit, rangeBounds, checkOplogAppend, checkOplogTs, checkUuid, duplicateKey, namespaceExists, namespaceNotFound, rangeLimit, uuidTaken, MAX_OPLOG_TS, type LimitedRange } from '../contract.js';
import { fromSqlTs, sqlTsAfter, toSqlTs } from '../oplog_ts.js';
import { chunkedScan, indexPositionAfter, keyAfter, keyRangeAfter, naturalAfter } from '../scan.js';
import type { AppendedChanges, CollArgs, CollectionRecord, IndexArgs, IndexEntry, IndexPosition, InspectedDocument, KeyRange, NaturalDocument, ScanOptions, StorageWriter, StoredDocument, StoredOplogEntry } from '../types.js';
import type { CommitFedTail, TailPending } from '../commit_fed_tail.js';
import { abortedTransaction, type PostgresConnection } from './connection.js';
import type { PostgresStatements } from './statements.js';

/** State of the connection shared by its handles. */
export interface PostgresConnectionState {
  /** The current connection: a new one after a reconnect. */
  connection: PostgresConnection;
  readonly sql: PostgresStatements;
  /** Total oplog bytes when known; null forces a recount (after a truncate or a rollback). */
  oplogBytes: number | null;
  /** The newest stored oplog time (null: empty) when known; undefined forces a lookup (after a truncate or a rollback). */
  lastOplogTs: bigint | null | undefined;
  /** See `StorageReader.catalogVersion`. */
  catalogVersion: number;
}

/** The tail a write transaction appends to: `PostgresStorage` records the database's times there. */
export interface PostgresChanges {
  tail: CommitFedTail;
  pending: TailPending;
}

interface CollectionRow {
  uuid: string;
  db: string;
  name: string;
  options: Buffer;
  indexes: Buffer[];
}

/**
 * Rows of the first `insertDocuments` statement of a call, growing fourfold per statement up to the most one takes,
 * and about the most bytes one sends. A statement reads and probes all the rows it is sent, so a batch whose early
 * row is taken (an unordered insert of many duplicates calls once per refused row) must not ship a thousand rows
 * to insert a few, while a clean batch of thousands still goes in a few statements.
 */
const DOCUMENT_INSERT_FIRST_ROWS = 16;
const DOCUMENT_INSERT_ROWS = 1024;
const DOCUMENT_INSERT_BYTES = 16 * 1024 * 1024;

export class PostgresTransaction implements StorageWriter {
  private active = true;
  /** Set by the storage for a write transaction: its tail, and what this transaction appended. */
  changes: PostgresChanges | null = null;

  constructor(
    private readonly state: PostgresConnectionState,
    private readonly writable: boolean,
  ) {}

  /** Invalidates the handle: its callback has settled. */
  end(): void {
    this.active = false;
  }

  async listCollections({ db }: { db?: string } = {}): Promise<CollectionRecord[]> {
    const { connection, sql } = this.check(false);
    const result = db === undefined
      ? await connection.query<CollectionRow>(sql.listCollections)
      : await connection.query<CollectionRow>(sql.listCollectionsOfDb, [db]);
    return result.rows.map(toRecord);
  }

  async getCollection({ db, name }: { db: string; name: string }): Promise<CollectionRecord | null> {
    const { connection, sql } = this.check(false);
    const row = (await connection.query<CollectionRow>(sql.getCollection, [db, name])).rows[0];
    return row ? toRecord(row) : null;
  }

  async getDocument({ coll, key }: CollArgs & { key: Uint8Array }): Promise<Uint8Array | null> {
    const { connection, sql } = this.check(false);
    checkUuid(coll);
    const row = (await connection.query<{ doc: Buffer }>(sql.getDocument, [coll, asBuffer(key)])).rows[0];
    return row ? row.doc : null;
  }

  async getDocuments({ coll, keys }: CollArgs & { keys: readonly Uint8Array[] }): Promise<(Uint8Array | null)[]> {
    const { connection, sql } = this.check(false);
    checkUuid(coll);
    const out = new Array<Uint8Array | null>(keys.length).fill(null);
    if (keys.length === 0) return out;
    const result = await connection.query<{ ord: bigint; doc: Buffer }>(sql.getDocuments, [coll, keys.map(asBuffer)]);
    for (const row of result.rows) out[Number(row.ord) - 1] = row.doc;
    return out;
  }

  scanDocuments(args: CollArgs & ScanOptions): AsyncIterable<StoredDocument> {
    return this.documentScan(args);
  }

  /** No checksums here (PostgreSQL checks its own pages): every document is intact. */
  inspectDocuments(args: CollArgs & ScanOptions): AsyncIterable<InspectedDocument> {
    return this.documentScan(args, true);
  }

  private documentScan(args: CollArgs & ScanOptions): AsyncIterable<StoredDocument>;
  private documentScan(args: CollArgs & ScanOptions, inspect: true): AsyncIterable<InspectedDocument>;
  private documentScan(args: CollArgs & ScanOptions, inspect = false): AsyncIterable<StoredDocument | InspectedDocument> {
    return chunkedScan(args, () => keyAfter(args.after), (d: StoredDocument) => d.key, async (after, limit) => {
      const { connection, sql } = this.check(false);
      checkUuid(args.coll);
      const range: LimitedRange = { ...keyRangeAfter(args.range, after), limit };
      const rows = (await connection.query<{ key: Buffer; doc: Buffer }>(sql.range('documents', range), [args.coll, ...rangeParams(range)])).rows;
      return inspect ? rows.map(({ key, doc }) => ({ key, doc, intact: true })) : rows;
    });
  }

  scanNatural(args: CollArgs & ScanOptions): AsyncIterable<NaturalDocument> {
    const reverse = args.range?.reverse === true;
    return chunkedScan(args, () => naturalAfter(args.after), (d: NaturalDocument) => d.position, async (after, limit) => {
      const { connection, sql } = this.check(false);
      checkUuid(args.coll);
      const params: unknown[] = after !== undefined ? [args.coll, after, limit] : [args.coll, limit];
      const result = await connection.query<{ natural_pos: bigint; key: Buffer; doc: Buffer }>(sql.natural(after !== undefined, reverse), params);
      return result.rows.map(({ natural_pos, key, doc }) => ({ key, doc, position: Number(natural_pos) }));
    });
  }

  async countDocuments({ coll }: CollArgs): Promise<number> {
    const { connection, sql } = this.check(false);
    checkUuid(coll);
    return Number((await connection.query<{ n: bigint }>(sql.countDocuments, [coll])).rows[0]!.n);
  }

  async dataSize({ coll }: CollArgs): Promise<number> {
    const { connection, sql } = this.check(false);
    checkUuid(coll);
    return Number((await connection.query<{ n: bigint | string }>(sql.dataSize, [coll])).rows[0]!.n);
  }

  scanIndex(args: IndexArgs & ScanOptions): AsyncIterable<IndexEntry> {
    return chunkedScan(args, () => indexPositionAfter(args.after), (e: IndexEntry) => e, async (after, limit) => {
      const rows = await this.indexChunk<{ key: Buffer; record_key: Buffer }>('index', args, after, limit);
      return rows.map((row) => ({ key: row.key, recordKey: row.record_key }));
    });
  }

  /** One joined statement per chunk: an entry whose document is gone drops out of the join, and the limit counts rows handed out. */
  scanIndexDocuments(args: IndexArgs & ScanOptions): AsyncIterable<IndexEntry & { doc: Uint8Array }> {
    return chunkedScan(args, () => indexPositionAfter(args.after), (e: IndexEntry) => e, async (after, limit) => {
      const rows = await this.indexChunk<{ key: Buffer; record_key: Buffer; doc: Buffer }>('indexDocuments', args, after, limit);
      return rows.map((row) => ({ key: row.key, recordKey: row.record_key, doc: row.doc }));
    });
  }

  async countIndex({ coll, index, range }: IndexArgs & { range?: KeyRange }): Promise<number> {
    const { connection, sql } = this.check(false);
    checkUuid(coll);
    const params = rangeParams(range);
    params.pop(); // the limit: a count has none
    return Number((await connection.query<{ n: bigint }>(sql.countRange(range), [coll, index, ...params])).rows[0]!.n);
  }

  /** Up to `limit` rows of an index scan past `after`. */
  private async indexChunk<R extends object>(kind: 'index' | 'indexDocuments', args: IndexArgs & ScanOptions, after: IndexPosition | undefined, limit: number): Promise<R[]> {
    const { connection, sql } = this.check(false);
    checkUuid(args.coll);
    const range: LimitedRange = { ...args.range, limit };
    const params = rangeParams(range);
    if (after) params.splice(params.length - 1, 0, asBuffer(after.key), asBuffer(after.recordKey));
    return (await connection.query<R & object>(sql.range(kind, range, after !== undefined), [args.coll, args.index, ...params])).rows;
  }

  async readOplog({ after: afterTs, limit }: { after: bigint; limit: number }): Promise<StoredOplogEntry[]> {
    const { connection, sql } = this.check(false);
    checkLimit(limit);
    const from = sqlTsAfter(afterTs);
    if (from === null || limit === 0) return [];
    const rows = (await connection.query<{ ts: bigint; entry: Buffer }>(sql.readOplog, [from, sqlLimit(limit)])).rows;
    return rows.map((row) => ({ ts: fromSqlTs(row.ts), entry: row.entry }));
  }

  /**
   * The catalog epoch and up to `limit` change entries after `afterTs`, in one statement and so one snapshot (see
   * `PostgresStorage.drain`).
   */
  async readChangesPast(afterTs: bigint, limit: number): Promise<{ epoch: bigint; truncatedThrough: bigint | null; rows: StoredOplogEntry[] }> {
    const { connection, sql } = this.check(false);
    const from = sqlTsAfter(afterTs);
    // Past the last time there is, nothing can be: the statement still reads the epoch.
    const params = [from ?? toSqlTs(MAX_OPLOG_TS), from === null ? 0 : limit, OPLOG_TRUNCATED_KEY];
    const result = (await connection.query<{ epoch: bigint; cut: string | null; ts: bigint | null; entry: Buffer | null }>(sql.drain, params)).rows;
    const rows: StoredOplogEntry[] = [];
    for (const row of result) if (row.ts !== null) rows.push({ ts: fromSqlTs(row.ts), entry: row.entry! });
    const cut = result[0]!.cut;
    return { epoch: result[0]!.epoch, truncatedThrough: cut === null ? null : BigInt(cut), rows };
  }

  async readOplogBefore({ before: beforeTs, limit }: { before: bigint; limit: number }): Promise<StoredOplogEntry[]> {
    const { connection, sql } = this.check(false);
    checkLimit(limit);
    if (beforeTs <= 0n || limit === 0) return [];
    const below = beforeTs > MAX_OPLOG_TS ? sqlTsAfter(MAX_OPLOG_TS - 1n) : toSqlTs(beforeTs);
    const rows = (await connection.query<{ ts: bigint; entry: Buffer }>(sql.readOplogBefore, [below, sqlLimit(limit)])).rows;
    return rows.map((row) => ({ ts: fromSqlTs(row.ts), entry: row.entry }));
  }

  async oplogEntrySizes({ after: afterTs, limit }: { after: bigint; limit: number }): Promise<{ ts: bigint; bytes: number }[]> {
    const { connection, sql } = this.check(false);
    checkLimit(limit);
    const from = sqlTsAfter(afterTs);
    if (from === null || limit === 0) return [];
    const rows = (await connection.query<{ ts: bigint; bytes: number }>(sql.oplogEntrySizes, [from, sqlLimit(limit)])).rows;
    return rows.map((row) => ({ ts: fromSqlTs(row.ts), bytes: row.bytes }));
  }

  async getOplogEntry({ ts }: { ts: bigint }): Promise<Uint8Array | null> {
    const { connection, sql } = this.check(false);
    if (ts < 0n || ts > MAX_OPLOG_TS) return null;
    const row = (await connection.query<{ entry: Buffer }>(sql.getOplogEntry, [toSqlTs(ts)])).rows[0];
    return row ? row.entry : null;
  }

  async oplogBounds(): Promise<{ first: bigint; last: bigint } | null> {
    const { connection, sql } = this.check(false);
    const row = (await connection.query<{ first: bigint | null; last: bigint | null }>(sql.oplogBounds)).rows[0]!;
    if (row.first === null || row.last === null) return null;
    return { first: fromSqlTs(row.first), last: fromSqlTs(row.last) };
  }

  async oplogSizeBytes(): Promise<number> {
    const { connection, sql } = this.check(false);
    // A full SUM walks the whole change table; callers ask after every write to decide on truncation, so cache it.
    this.state.oplogBytes ??= Number((await connection.query<{ n: bigint }>(sql.oplogSizeBytes)).rows[0]!.n);
    return this.state.oplogBytes;
  }

  async getMeta({ key }: { key: string }): Promise<string | null> {
    const { connection, sql } = this.check(false);
    return (await connection.query<{ value: string }>(sql.getMeta, [key])).rows[0]?.value ?? null;
  }

  catalogVersion(): number {
    return this.state.catalogVersion;
  }

  async createCollection({ record }: { record: CollectionRecord }): Promise<void> {
    const { connection, sql } = this.check(true);
    checkUuid(record.uuid);
    if ((await connection.query(sql.getCollection, [record.db, record.name])).rowCount) throw namespaceExists(record.db, record.name);
    this.catalogChanged();
    const params = [record.uuid, record.db, record.name, asBuffer(record.options), record.indexes.map(asBuffer)];
    // The name is free (checked above, and nobody else writes meanwhile): a refused row is a taken uuid.
    if ((await connection.query(sql.insertCollection, params)).rowCount === 0) throw uuidTaken(record.uuid);
  }

  async updateCollection({ record }: { record: CollectionRecord }): Promise<void> {
    const { connection, sql } = this.check(true);
    checkUuid(record.uuid);
    this.catalogChanged();
    const result = await connection.query(sql.updateCollection, [record.uuid, asBuffer(record.options), record.indexes.map(asBuffer)]);
    if (result.rowCount === 0) throw namespaceNotFound(record.uuid);
  }

  async dropCollection({ coll: collUuid }: CollArgs): Promise<void> {
    const { connection, sql } = this.check(true);
    checkUuid(collUuid);
    if ((await connection.query(sql.getCollectionByUuid, [collUuid])).rowCount === 0) throw namespaceNotFound(collUuid);
    this.catalogChanged();
    await connection.query(sql.deleteCollectionIndexEntries, [collUuid]);
    await connection.query(sql.deleteCollectionDocuments, [collUuid]);
    await connection.query(sql.deleteCollection, [collUuid]);
  }

  async renameCollection({ coll: collUuid, toDb, toName }: CollArgs & { toDb: string; toName: string }): Promise<void> {
    const { connection, sql } = this.check(true);
    checkUuid(collUuid);
    const current = (await connection.query<CollectionRow>(sql.getCollectionByUuid, [collUuid])).rows[0];
    if (!current) throw namespaceNotFound(collUuid);
    if (current.db === toDb && current.name === toName) return;
    if ((await connection.query(sql.getCollection, [toDb, toName])).rowCount) throw namespaceExists(toDb, toName);
    this.catalogChanged();
    await connection.query(sql.renameCollection, [collUuid, toDb, toName]);
  }

  async insertDocuments({ coll: collUuid, rows }: CollArgs & { rows: readonly StoredDocument[] }): Promise<number> {
    const { connection, sql } = this.check(true);
    checkUuid(collUuid);
    let most = DOCUMENT_INSERT_FIRST_ROWS;
    for (let start = 0; start < rows.length; most = Math.min(most * 4, DOCUMENT_INSERT_ROWS)) {
      let end = start;
      let bytes = 0;
      while (end < rows.length && end - start < most && (end === start || bytes < DOCUMENT_INSERT_BYTES)) {
        bytes += rows[end]!.key.byteLength + rows[end]!.doc.byteLength;
        end++;
      }
      const keys = new Array<Buffer>(end - start);
      const docs = new Array<Buffer>(end - start);
      for (let i = start; i < end; i++) {
        keys[i - start] = asBuffer(rows[i]!.key);
        docs[i - start] = asBuffer(rows[i]!.doc);
      }
      const row = (await connection.query<{ stop: bigint | null; added: bigint }>(sql.insertDocuments, [collUuid, keys, docs])).rows[0]!;
      // `stop` counts from 1: the rows before the refused one went in.
      const expected = row.stop === null ? keys.length : Number(row.stop) - 1;
      if (Number(row.added) !== expected) {
        throw new Error(`insertDocuments: ${row.added} of ${expected} rows of collection ${collUuid} went in, yet no other key is taken`);
      }
      if (row.stop !== null) return start + expected;
      start = end;
    }
    return rows.length;
  }

  async insertDocument({ coll: collUuid, key, doc }: CollArgs & StoredDocument): Promise<void> {
    const { connection, sql } = this.check(true);
    checkUuid(collUuid);
    const result = await connection.query(sql.insertDocument, [collUuid, asBuffer(key), asBuffer(doc)]);
    if (result.rowCount === 0) throw duplicateKey(collUuid);
  }

  async updateDocument({ coll: collUuid, key, doc }: CollArgs & StoredDocument): Promise<void> {
    const { connection, sql } = this.check(true);
    checkUuid(collUuid);
    const result = await connection.query(sql.updateDocument, [collUuid, asBuffer(key), asBuffer(doc)]);
    if (result.rowCount === 0) throw new Error(`updateDocument: no document under that key in collection ${collUuid}`);
  }

  async deleteDocument({ coll: collUuid, key }: CollArgs & { key: Uint8Array }): Promise<void> {
    const { connection, sql } = this.check(true);
    checkUuid(collUuid);
    connection.post(sql.deleteDocument, [collUuid, asBuffer(key)]);
  }

  async insertIndexEntry({ coll: collUuid, index: indexName, key, recordKey, unique }: IndexArgs & IndexEntry & { unique: boolean }): Promise<void> {
    const { connection, sql } = this.check(true);
    checkUuid(collUuid);
    const params = [collUuid, indexName, asBuffer(key), asBuffer(recordKey)];
    if (!unique) {
      connection.post(sql.insertIndexEntry, params);
      return;
    }
    const result = await connection.query<{ taken: boolean }>(sql.insertUniqueIndexEntry, params);
    if (result.rows[0]!.taken) throw duplicateKey(collUuid, indexName);
  }

  async deleteIndexEntry({ coll: collUuid, index: indexName, key, recordKey }: IndexArgs & IndexEntry): Promise<void> {
    const { connection, sql } = this.check(true);
    checkUuid(collUuid);
    connection.post(sql.deleteIndexEntry, [collUuid, indexName, asBuffer(key), asBuffer(recordKey)]);
  }

  async dropIndexEntries({ coll: collUuid, index: indexName }: IndexArgs): Promise<void> {
    const { connection, sql } = this.check(true);
    checkUuid(collUuid);
    connection.post(sql.dropIndexEntries, [collUuid, indexName]);
  }

  async appendOplog({ entries }: { entries: StoredOplogEntry[] }): Promise<void> {
    const { connection, sql } = this.check(true);
    checkOplogAppend(entries, await this.lastOplogTs());
    if (entries.length === 0) return;
    let bytes = 0;
    const times = new Array<bigint>(entries.length);
    const blobs = new Array<Buffer>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      times[i] = toSqlTs(entries[i]!.ts);
      blobs[i] = asBuffer(entries[i]!.entry);
      bytes += blobs[i]!.byteLength;
    }
    await connection.query(sql.plantChanges, [times, blobs]);
    this.appended(entries[entries.length - 1]!.ts, bytes);
  }

  /**
   * Runs `append_changes` now, not at COMMIT: the engine fills the times into its entries (and the tail batch carries
   * them) before the callback returns. The clock lock it takes is held until COMMIT all the same, so time order stays
   * commit order; within one server nothing else waits for it.
   */
  async appendChanges({ entries, local }: { entries: Uint8Array[]; local?: unknown }): Promise<AppendedChanges | null> {
    const { connection, sql } = this.check(true);
    if (!this.changes) throw new Error('appendChanges outside a storage write');
    if (entries.length === 0) return null;
    const blobs = entries.map(asBuffer);
    const first = fromSqlTs((await connection.query<{ first: bigint }>(sql.appendChanges, [blobs])).rows[0]!.first);
    let bytes = 0;
    const rows = new Array<StoredOplogEntry>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      rows[i] = { ts: first + BigInt(i), entry: entries[i]! };
      bytes += blobs[i]!.byteLength;
    }
    this.appended(rows[rows.length - 1]!.ts, bytes);
    return this.changes.tail.record(this.changes.pending, rows, local);
  }

  async truncateOplogBefore({ ts }: { ts: bigint }): Promise<void> {
    const { connection, sql } = this.check(true);
    if (typeof ts !== 'bigint') checkOplogTs(ts);
    if (ts <= 0n) return;
    if (ts > MAX_OPLOG_TS) await connection.query(sql.truncateOplogAll);
    else await connection.query(sql.truncateOplogBefore, [toSqlTs(ts)]);
    this.state.oplogBytes = null;
    this.state.lastOplogTs = undefined;
  }

  async setMeta({ key, value }: { key: string; value: string }): Promise<void> {
    const { connection, sql } = this.check(true);
    connection.post(sql.setMeta, [key, value]);
  }

  /**
   * Notes a change of the catalog: this server's cached entries are stale now, and, once this transaction commits,
   * every other server's too (the epoch row tells them; posted, so it costs no round trip).
   */
  private catalogChanged(): void {
    this.state.catalogVersion++;
    this.state.connection.post(this.state.sql.bumpCatalogEpoch, []);
  }

  /** The newest stored time (null when the change table is empty), cached for the appends that follow. */
  private async lastOplogTs(): Promise<bigint | null> {
    if (this.state.lastOplogTs === undefined) {
      const { connection, sql } = this.state;
      const last = (await connection.query<{ last: bigint | null }>(sql.lastOplogTs)).rows[0]!.last;
      this.state.lastOplogTs = last === null ? null : fromSqlTs(last);
    }
    return this.state.lastOplogTs;
  }

  /** Keeps the cached newest time and total size right after an append. */
  private appended(last: bigint, bytes: number): void {
    this.state.lastOplogTs = last;
    if (this.state.oplogBytes !== null) this.state.oplogBytes += bytes;
  }

  /** The connection state, once the handle is known to be live (and writable when `write`). */
  private check(write: boolean): PostgresConnectionState {
    if (!this.active) throw new Error('storage handle used after its read()/write() callback settled');
    if (write && !this.writable) throw new Error('storage write attempted inside read()');
    // Every later statement would fail with "current transaction is aborted", saying less than this.
    const failure = this.state.connection.failure;
    if (failure) throw abortedTransaction(failure);
    return this.state;
  }
}

function toRecord(row: CollectionRow): CollectionRecord {
  return { db: row.db, name: row.name, uuid: row.uuid, options: row.options, indexes: row.indexes };
}

/** Bound values for `PostgresStatements.range`: present bounds in gte, gt, lte, lt order, then the limit. */
function rangeParams(range: LimitedRange | undefined): unknown[] {
  const params: unknown[] = rangeBounds(range);
  params.push(sqlLimit(rangeLimit(range)));
  return params;
}

/** A limit as a statement parameter: NULL is none (LIMIT ALL). */
function sqlLimit(limit: number): number | null {
  return Number.isFinite(limit) ? limit : null;
}
