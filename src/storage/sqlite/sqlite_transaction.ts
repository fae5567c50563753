/**
 * The reader/writer handle `SqliteStorage` passes to a `read()` or `write()` callback. Every method runs its
 * statements synchronously; the storage's queue guarantees nobody else uses the connection meanwhile.
 */
import { asBuffer, checkLimit, rangeBounds, checkOplogAppend, checkOplogTs, checkUuid, corruptDocument, corruptOplogEntry, duplicateKey, namespaceExists, namespaceNotFound, rangeLimit, uuidTaken, MAX_OPLOG_TS, type LimitedRange } from '../contract.js';
import { chunkedScan, indexDocumentsChunk, indexPositionAfter, keyAfter, keyRangeAfter, naturalAfter } from '../scan.js';
import type { AppendedChanges, CollArgs, CollectionRecord, IndexArgs, IndexEntry, IndexPosition, InspectedDocument, KeyRange, NaturalDocument, ScanOptions, StorageWriter, StoredDocument, StoredOplogEntry } from '../types.js';
import { packBlobList, unpackBlobList } from './blob_list.js';
import { documentChecksum, oplogChecksum } from './checksum.js';
import { fromSqlTs, sqlTsAfter, toSqlTs } from '../oplog_ts.js';
import { DOCUMENT_INSERT_CHUNK, OPLOG_APPEND_CHUNK, type SqliteStatements } from './statements.js';
import type { InProcessChanges, PendingChanges } from '../in_process_changes.js';

/** State of one connection shared by its handles. */
export interface SqliteConnectionState {
  readonly stmts: SqliteStatements;
  /** Total oplog bytes when known; null forces a recount (after a truncate or a rollback). */
  oplogBytes: number | null;
  /**
   * The newest stored oplog time (null: the oplog is empty) when known; undefined forces a lookup (after a
   * truncate or a rollback). Saves a MAX(ts) query on every append.
   */
  lastOplogTs: bigint | null | undefined;
  /** See `StorageReader.catalogVersion`. */
  catalogVersion: number;
}

interface DocumentRow {
  key: Buffer;
  doc: Buffer;
  crc: number;
}

interface CollectionRow {
  uuid: string;
  db: string;
  name: string;
  options: Buffer;
  indexes: Buffer;
}

export class SqliteTransaction implements StorageWriter {
  private active = true;
  /** Set by the storage for a write transaction: its clock, and what this transaction appended. */
  changes: { log: InProcessChanges; pending: PendingChanges } | null = null;

  constructor(
    private readonly state: SqliteConnectionState,
    private readonly writable: boolean,
  ) {}

  /** Invalidates the handle: its callback has settled. */
  end(): void {
    this.active = false;
  }

  async listCollections({ db }: { db?: string } = {}): Promise<CollectionRecord[]> {
    const s = this.check(false);
    const rows = (db === undefined ? s.listCollections.all() : s.listCollectionsOfDb.all(db)) as CollectionRow[];
    return rows.map(toRecord);
  }

  async getCollection({ db, name }: { db: string; name: string }): Promise<CollectionRecord | null> {
    const row = this.check(false).getCollection.get(db, name) as CollectionRow | undefined;
    return row ? toRecord(row) : null;
  }

  async getDocument({ coll, key }: CollArgs & { key: Uint8Array }): Promise<Uint8Array | null> {
    return this.documentAt(this.check(false), coll, key);
  }

  async getDocuments({ coll, keys }: CollArgs & { keys: readonly Uint8Array[] }): Promise<(Uint8Array | null)[]> {
    const s = this.check(false);
    return keys.map((key) => this.documentAt(s, coll, key));
  }

  scanDocuments(args: CollArgs & ScanOptions): AsyncIterable<StoredDocument> {
    return chunkedScan(args, () => keyAfter(args.after), (d: StoredDocument) => d.key, (after, limit) => {
      const range: LimitedRange = { ...keyRangeAfter(args.range, after), limit };
      const rows = this.check(false).range(false, range).all(args.coll, ...rangeParams(range)) as DocumentRow[];
      const out: StoredDocument[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const { key, doc, crc } = rows[i]!;
        if (documentChecksum(key, doc) !== crc) throw corruptDocument(args.coll, key, doc);
        out[i] = { key, doc };
      }
      return out;
    });
  }

  inspectDocuments(args: CollArgs & ScanOptions): AsyncIterable<InspectedDocument> {
    return chunkedScan(args, () => keyAfter(args.after), (d: InspectedDocument) => d.key, (after, limit) => {
      const range: LimitedRange = { ...keyRangeAfter(args.range, after), limit };
      const rows = this.check(false).range(false, range).all(args.coll, ...rangeParams(range)) as DocumentRow[];
      return rows.map(({ key, doc, crc }) => ({ key, doc, intact: documentChecksum(key, doc) === crc }));
    });
  }

  scanNatural(args: CollArgs & ScanOptions): AsyncIterable<NaturalDocument> {
    const reverse = args.range?.reverse === true;
    return chunkedScan(args, () => naturalAfter(args.after), (d: NaturalDocument) => d.position, (after, limit) => {
      const s = this.check(false);
      const params: unknown[] = after !== undefined ? [args.coll, after, limit] : [args.coll, limit];
      const rows = s.natural(after !== undefined, reverse).all(...params) as (DocumentRow & { id: number })[];
      const out: NaturalDocument[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const { id, key, doc, crc } = rows[i]!;
        if (documentChecksum(key, doc) !== crc) throw corruptDocument(args.coll, key, doc);
        out[i] = { key, doc, position: id };
      }
      return out;
    });
  }

  async countDocuments({ coll }: CollArgs): Promise<number> {
    return this.check(false).countDocuments.get(coll) as number;
  }

  async dataSize({ coll }: CollArgs): Promise<number> {
    return this.check(false).dataSize.get(coll) as number;
  }

  scanIndex(args: IndexArgs & ScanOptions): AsyncIterable<IndexEntry> {
    return chunkedScan(args, () => indexPositionAfter(args.after), (e: IndexEntry) => e, (after, limit) => this.indexChunk(args, after, limit));
  }

  scanIndexDocuments(args: IndexArgs & ScanOptions): AsyncIterable<IndexEntry & { doc: Uint8Array }> {
    return chunkedScan(args, () => indexPositionAfter(args.after), (e: IndexEntry) => e, (after, limit) => {
      const s = this.check(false);
      return indexDocumentsChunk(after, limit, (from, rows) => this.indexChunk(args, from, rows), (keys) => keys.map((key) => this.documentAt(s, args.coll, key)));
    });
  }

  async countIndex({ coll, index, range }: IndexArgs & { range?: KeyRange }): Promise<number> {
    const s = this.check(false);
    const params = rangeParams(range);
    params.pop(); // the limit: a count has none
    return s.countRange(range).get(coll, index, ...params) as number;
  }

  /** Up to `limit` entries of an index scan past `after`. */
  private indexChunk(args: IndexArgs & ScanOptions, after: IndexPosition | undefined, limit: number): IndexEntry[] {
    const s = this.check(false);
    const range: LimitedRange = { ...args.range, limit };
    const params = rangeParams(range);
    if (after) params.splice(params.length - 1, 0, asBuffer(after.key), asBuffer(after.recordKey));
    const rows = s.range(true, range, after !== undefined).all(args.coll, args.index, ...params) as {
      key: Buffer;
      record_key: Buffer;
    }[];
    return rows.map((row) => ({ key: row.key, recordKey: row.record_key }));
  }

  /** The checked document under `key`, or null. */
  private documentAt(s: SqliteStatements, coll: string, key: Uint8Array): Buffer | null {
    const k = asBuffer(key);
    const row = s.getDocument.get(coll, k) as { doc: Buffer; crc: number } | undefined;
    if (!row) return null;
    if (documentChecksum(k, row.doc) !== row.crc) throw corruptDocument(coll, k, row.doc);
    return row.doc;
  }

  async readOplog({ after: afterTs, limit }: { after: bigint; limit: number }): Promise<StoredOplogEntry[]> {
    const s = this.check(false);
    checkLimit(limit);
    const from = sqlTsAfter(afterTs);
    if (from === null || limit === 0) return [];
    const rows = s.readOplog.all(from, sqlLimit(limit)) as { ts: bigint; entry: Buffer; crc: bigint }[];
    return rows.map((row) => {
      const ts = fromSqlTs(row.ts);
      if (oplogChecksum(ts, row.entry) !== Number(row.crc)) throw corruptOplogEntry(ts);
      return { ts, entry: row.entry };
    });
  }

  async readOplogBefore({ before: beforeTs, limit }: { before: bigint; limit: number }): Promise<StoredOplogEntry[]> {
    const s = this.check(false);
    checkLimit(limit);
    if (beforeTs <= 0n || limit === 0) return [];
    const rows = s.readOplogBefore.all(beforeTs > MAX_OPLOG_TS ? sqlTsAfter(MAX_OPLOG_TS - 1n) : toSqlTs(beforeTs), sqlLimit(limit)) as { ts: bigint; entry: Buffer; crc: bigint }[];
    return rows.map((row) => {
      const ts = fromSqlTs(row.ts);
      if (oplogChecksum(ts, row.entry) !== Number(row.crc)) throw corruptOplogEntry(ts);
      return { ts, entry: row.entry };
    });
  }

  async oplogEntrySizes({ after: afterTs, limit }: { after: bigint; limit: number }): Promise<{ ts: bigint; bytes: number }[]> {
    const s = this.check(false);
    checkLimit(limit);
    const from = sqlTsAfter(afterTs);
    if (from === null || limit === 0) return [];
    const rows = s.oplogEntrySizes.all(from, sqlLimit(limit)) as { ts: bigint; bytes: bigint }[];
    return rows.map((row) => ({ ts: fromSqlTs(row.ts), bytes: Number(row.bytes) }));
  }

  async getOplogEntry({ ts }: { ts: bigint }): Promise<Uint8Array | null> {
    const s = this.check(false);
    if (ts < 0n || ts > MAX_OPLOG_TS) return null;
    const row = s.getOplogEntry.get(toSqlTs(ts)) as { entry: Buffer; crc: bigint } | undefined;
    if (!row) return null;
    if (oplogChecksum(ts, row.entry) !== Number(row.crc)) throw corruptOplogEntry(ts);
    return row.entry;
  }

  async oplogBounds(): Promise<{ first: bigint; last: bigint } | null> {
    const row = this.check(false).oplogBounds.get() as { first: bigint | null; last: bigint | null };
    if (row.first === null || row.last === null) return null;
    return { first: fromSqlTs(row.first), last: fromSqlTs(row.last) };
  }

  async oplogSizeBytes(): Promise<number> {
    const s = this.check(false);
    // A full SUM walks the whole oplog; callers ask after every write to decide on truncation, so cache it.
    this.state.oplogBytes ??= Number(s.oplogSizeBytes.get() as bigint);
    return this.state.oplogBytes;
  }

  async getMeta({ key }: { key: string }): Promise<string | null> {
    return (this.check(false).getMeta.get(key) as string | undefined) ?? null;
  }

  catalogVersion(): number {
    return this.state.catalogVersion;
  }

  async createCollection({ record }: { record: CollectionRecord }): Promise<void> {
    const s = this.check(true);
    checkUuid(record.uuid);
    if (s.getCollection.get(record.db, record.name)) throw namespaceExists(record.db, record.name);
    this.state.catalogVersion++;
    try {
      s.insertCollection.run(
        record.uuid,
        record.db,
        record.name,
        asBuffer(record.options),
        packBlobList(record.indexes),
      );
    } catch (err) {
      if (isConstraint(err)) {
        throw uuidTaken(record.uuid);
      }
      throw err;
    }
  }

  async updateCollection({ record }: { record: CollectionRecord }): Promise<void> {
    const s = this.check(true);
    this.state.catalogVersion++;
    const info = s.updateCollection.run(asBuffer(record.options), packBlobList(record.indexes), record.uuid);
    if (info.changes === 0) throw namespaceNotFound(record.uuid);
  }

  async dropCollection({ coll: collUuid }: CollArgs): Promise<void> {
    const s = this.check(true);
    if (!s.getCollectionByUuid.get(collUuid)) throw namespaceNotFound(collUuid);
    this.state.catalogVersion++;
    s.deleteCollectionIndexEntries.run(collUuid);
    s.deleteCollectionDocuments.run(collUuid);
    s.deleteCollection.run(collUuid);
  }

  async renameCollection({ coll: collUuid, toDb, toName }: CollArgs & { toDb: string; toName: string }): Promise<void> {
    const s = this.check(true);
    const current = s.getCollectionByUuid.get(collUuid) as CollectionRow | undefined;
    if (!current) throw namespaceNotFound(collUuid);
    if (current.db === toDb && current.name === toName) return;
    if (s.getCollection.get(toDb, toName)) throw namespaceExists(toDb, toName);
    this.state.catalogVersion++;
    s.renameCollection.run(toDb, toName, collUuid);
  }

  async insertDocuments({ coll: collUuid, rows }: CollArgs & { rows: readonly StoredDocument[] }): Promise<number> {
    const s = this.check(true);
    for (let start = 0; start < rows.length; start += DOCUMENT_INSERT_CHUNK) {
      const count = Math.min(DOCUMENT_INSERT_CHUNK, rows.length - start);
      const params: unknown[] = new Array(count * 4);
      for (let i = 0; i < count; i++) {
        const row = rows[start + i]!;
        params[4 * i] = collUuid;
        params[4 * i + 1] = asBuffer(row.key);
        params[4 * i + 2] = asBuffer(row.doc);
        params[4 * i + 3] = documentChecksum(row.key, row.doc);
      }
      try {
        s.insertDocumentRows(count).run(params);
      } catch (err) {
        if (!isConstraint(err)) throw err;
        // A failed statement undoes all of its rows. The refused row is the first whose key is stored or repeats an
        // earlier row's: found by lookups rather than by a second failed insert, as a refusal is the costly part
        // of a batch of duplicates.
        const refused = firstTakenKey(s, collUuid, params, count);
        if (refused > 0) s.insertDocumentRows(refused).run(params.slice(0, 4 * refused));
        return start + refused;
      }
    }
    return rows.length;
  }

  async insertDocument({ coll: collUuid, key, doc }: CollArgs & StoredDocument): Promise<void> {
    const s = this.check(true);
    try {
      s.insertDocument.run(collUuid, asBuffer(key), asBuffer(doc), documentChecksum(key, doc));
    } catch (err) {
      if (isConstraint(err)) throw duplicateKey(collUuid);
      throw err;
    }
  }

  async updateDocument({ coll: collUuid, key, doc }: CollArgs & StoredDocument): Promise<void> {
    const info = this.check(true).updateDocument.run(asBuffer(doc), documentChecksum(key, doc), collUuid, asBuffer(key));
    if (info.changes === 0) throw new Error(`updateDocument: no document under that key in collection ${collUuid}`);
  }

  async deleteDocument({ coll: collUuid, key }: CollArgs & { key: Uint8Array }): Promise<void> {
    this.check(true).deleteDocument.run(collUuid, asBuffer(key));
  }

  async insertIndexEntry({ coll: collUuid, index: indexName, key, recordKey, unique }: IndexArgs & IndexEntry & { unique: boolean }): Promise<void> {
    const s = this.check(true);
    const k = asBuffer(key);
    const r = asBuffer(recordKey);
    if (unique && s.findOtherIndexRecord.get(collUuid, indexName, k, r) !== undefined) {
      throw duplicateKey(collUuid, indexName);
    }
    s.insertIndexEntry.run(collUuid, indexName, k, r);
  }

  async deleteIndexEntry({ coll: collUuid, index: indexName, key, recordKey }: IndexArgs & IndexEntry): Promise<void> {
    this.check(true).deleteIndexEntry.run(collUuid, indexName, asBuffer(key), asBuffer(recordKey));
  }

  async dropIndexEntries({ coll: collUuid, index: indexName }: IndexArgs): Promise<void> {
    this.check(true).dropIndexEntries.run(collUuid, indexName);
  }

  async appendOplog({ entries }: { entries: StoredOplogEntry[] }): Promise<void> {
    const s = this.check(true);
    if (this.state.lastOplogTs === undefined) {
      const last = s.lastOplogTs.get() as bigint | null;
      this.state.lastOplogTs = last === null ? null : fromSqlTs(last);
    }
    checkOplogAppend(entries, this.state.lastOplogTs);
    if (entries.length === 0) return;
    let bytes = 0;
    for (let start = 0; start < entries.length; start += OPLOG_APPEND_CHUNK) {
      const rows = Math.min(OPLOG_APPEND_CHUNK, entries.length - start);
      const params: unknown[] = new Array(rows * 3);
      for (let i = 0; i < rows; i++) {
        const { ts, entry } = entries[start + i]!;
        params[3 * i] = toSqlTs(ts);
        params[3 * i + 1] = asBuffer(entry);
        params[3 * i + 2] = oplogChecksum(ts, entry);
        bytes += entry.byteLength;
      }
      s.appendOplogRows(rows).run(params);
    }
    this.state.lastOplogTs = entries[entries.length - 1]!.ts;
    this.changes?.log.planted(this.state.lastOplogTs);
    if (this.state.oplogBytes !== null) this.state.oplogBytes += bytes;
  }

  async appendChanges({ entries, local }: { entries: Uint8Array[]; local?: unknown }): Promise<AppendedChanges | null> {
    this.check(true);
    if (!this.changes) throw new Error('appendChanges outside a storage write');
    return this.changes.log.append(this, this.changes.pending, entries, local);
  }

  async truncateOplogBefore({ ts }: { ts: bigint }): Promise<void> {
    const s = this.check(true);
    if (typeof ts !== 'bigint') checkOplogTs(ts);
    if (ts <= 0n) return;
    if (ts > MAX_OPLOG_TS) s.truncateOplogAll.run();
    else s.truncateOplogBefore.run(toSqlTs(ts));
    this.state.oplogBytes = null;
    this.state.lastOplogTs = undefined;
  }

  async setMeta({ key, value }: { key: string; value: string }): Promise<void> {
    this.check(true).setMeta.run(key, value);
  }

  /** The statements, once the handle is known to be live (and writable when `write`). */
  private check(write: boolean): SqliteStatements {
    if (!this.active) throw new Error('storage handle used after its read()/write() callback settled');
    if (write && !this.writable) throw new Error('storage write attempted inside read()');
    // Statements after SQLite rolled the transaction back would each commit on their own.
    if (this.writable && !this.state.stmts.inTransaction) throw new Error('the write transaction was rolled back by SQLite after an earlier failure');
    return this.state.stmts;
  }
}

function toRecord(row: CollectionRow): CollectionRecord {
  return { db: row.db, name: row.name, uuid: row.uuid, options: row.options, indexes: unpackBlobList(row.indexes) };
}

/** Bound values for `SqliteStatements.range`: present bounds in gte, gt, lte, lt order, then the limit. */
function rangeParams(range: LimitedRange | undefined): unknown[] {
  const params: unknown[] = rangeBounds(range);
  params.push(sqlLimit(rangeLimit(range)));
  return params;
}

/** SQLite reads a negative LIMIT as "no limit". */
function sqlLimit(limit: number): number {
  return Number.isFinite(limit) ? limit : -1;
}

/** The index in a chunk of insert parameters (coll, key, doc, crc per row) of the first row whose key is taken. */
function firstTakenKey(s: SqliteStatements, collUuid: string, params: unknown[], count: number): number {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const key = params[4 * i + 1] as Buffer;
    const hex = key.toString('hex');
    if (seen.has(hex) || s.documentExists.get(collUuid, key) !== undefined) return i;
    seen.add(hex);
  }
  // Not a key after all (no other constraint exists on documents): report the statement's failure as a caller bug.
  throw new Error(`insertDocuments: a row of collection ${collUuid} was refused, yet no key is taken`);
}

function isConstraint(err: unknown): boolean {
  return typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('SQLITE_CONSTRAINT');
}


