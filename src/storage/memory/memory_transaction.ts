/**
 * The reader/writer handle `MemoryStorage` passes to a `read()` or `write()` callback. Each write checks
 * everything before it mutates, then records how to undo itself, so a failed call changes nothing and a failed
 * transaction is rolled back by running the undo log backwards.
 */
import { asBuffer, checkLimit, checkOplogAppend, checkOplogTs, checkUuid, copyBytes, duplicateKey, insertOneByOne, namespaceExists, namespaceNotFound, uuidTaken, MAX_OPLOG_TS } from '../contract.js';
import { chunkedScan, indexDocumentsChunk, indexPositionAfter, keyAfter, keyRangeAfter, naturalAfter } from '../scan.js';
import type { AppendedChanges, CollArgs, CollectionRecord, IndexArgs, IndexEntry, InspectedDocument, KeyRange, NaturalDocument, ScanOptions, StorageWriter, StoredDocument, StoredOplogEntry } from '../types.js';
import { compareBytes } from './compare_bytes.js';
import { countRange, scanRange } from './memory_state.js';
import type { MemoryCollection, MemoryOplogEntry, MemoryState } from './memory_state.js';
import type { InProcessChanges, PendingChanges } from '../in_process_changes.js';

export class MemoryTransaction implements StorageWriter {
  private active = true;
  /** Set by the storage for a write transaction: its clock, and what this transaction appended. */
  changes: { log: InProcessChanges; pending: PendingChanges } | null = null;
  private readonly undo: (() => void)[] = [];

  constructor(
    private readonly state: MemoryState,
    private readonly writable: boolean,
  ) {}

  /** Invalidates the handle and keeps its writes. */
  commit(): void {
    this.active = false;
    this.undo.length = 0;
  }

  /** Invalidates the handle and reverts its writes, newest first. */
  rollback(): void {
    this.active = false;
    this.state.catalogVersion++;
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
    this.undo.length = 0;
  }

  async listCollections({ db }: { db?: string } = {}): Promise<CollectionRecord[]> {
    const s = this.check(false);
    const colls = [...s.collections.values()].filter((c) => db === undefined || c.db === db);
    // SQLite orders TEXT by UTF-8 bytes, which differs from JS string order past the BMP.
    colls.sort((a, b) => compareUtf8(a.db, b.db) || compareUtf8(a.name, b.name));
    return colls.map(toRecord);
  }

  async getCollection({ db, name }: { db: string; name: string }): Promise<CollectionRecord | null> {
    const coll = this.check(false).findCollection(db, name);
    return coll ? toRecord(coll) : null;
  }

  async getDocument({ coll, key }: CollArgs & { key: Uint8Array }): Promise<Uint8Array | null> {
    const found = this.check(false).documents.get(coll)?.get({ key: asBuffer(key), doc: EMPTY, position: 0 });
    return found ? copyBytes(found.doc) : null;
  }

  async getDocuments({ coll, keys }: CollArgs & { keys: readonly Uint8Array[] }): Promise<(Uint8Array | null)[]> {
    const list = this.check(false).documents.get(coll);
    return keys.map((key) => {
      const found = list?.get({ key: asBuffer(key), doc: EMPTY, position: 0 });
      return found ? copyBytes(found.doc) : null;
    });
  }

  scanDocuments(args: CollArgs & ScanOptions): AsyncIterable<StoredDocument> {
    return chunkedScan(args, () => keyAfter(args.after), (d: StoredDocument) => d.key, (after, limit) =>
      scanRange(this.check(false).documents.get(args.coll), { ...keyRangeAfter(args.range, after), limit }).map((d) => ({ key: copyBytes(d.key), doc: copyBytes(d.doc) })),
    );
  }

  async *inspectDocuments(args: CollArgs & ScanOptions): AsyncIterable<InspectedDocument> {
    // Nothing here can change behind the engine's back: every document is intact.
    for await (const d of this.scanDocuments(args)) yield { ...d, intact: true };
  }

  scanNatural(args: CollArgs & ScanOptions): AsyncIterable<NaturalDocument> {
    const reverse = args.range?.reverse === true;
    return chunkedScan(args, () => naturalAfter(args.after), (d: NaturalDocument) => d.position, (after, limit) => {
      const list = this.check(false).natural.get(args.coll);
      if (!list) return [];
      const out: NaturalDocument[] = [];
      const take = (d: { key: Buffer; doc: Buffer; position: number }) => out.push({ key: copyBytes(d.key), doc: copyBytes(d.doc), position: d.position });
      if (reverse) {
        const end = after === undefined ? list.size : list.firstIndex((d) => d.position >= after);
        const from = Number.isFinite(limit) ? Math.max(0, end - limit) : 0;
        for (const d of list.slice(from, end).reverse()) take(d);
      } else {
        const start = after === undefined ? 0 : list.firstIndex((d) => d.position > after);
        for (const d of list.slice(start, Number.isFinite(limit) ? start + limit : list.size)) take(d);
      }
      return out;
    });
  }

  async countDocuments({ coll }: CollArgs): Promise<number> {
    return this.check(false).documents.get(coll)?.size ?? 0;
  }

  async dataSize({ coll }: CollArgs): Promise<number> {
    let total = 0;
    for (const d of this.check(false).documents.get(coll)?.values() ?? []) total += d.doc.length;
    return total;
  }

  scanIndex(args: IndexArgs & ScanOptions): AsyncIterable<IndexEntry> {
    return chunkedScan(args, () => indexPositionAfter(args.after), (e: IndexEntry) => e, (after, limit) => {
      const list = this.check(false).indexEntries.get(args.coll)?.get(args.index);
      return scanRange(list, { ...args.range, limit }, after).map((e) => ({ key: copyBytes(e.key), recordKey: copyBytes(e.recordKey) }));
    });
  }

  scanIndexDocuments(args: IndexArgs & ScanOptions): AsyncIterable<IndexEntry & { doc: Uint8Array }> {
    // One lookup per entry: nothing here costs a round trip.
    return chunkedScan(args, () => indexPositionAfter(args.after), (e: IndexEntry) => e, (after, limit) => {
      const s = this.check(false);
      const docs = s.documents.get(args.coll);
      const list = s.indexEntries.get(args.coll)?.get(args.index);
      return indexDocumentsChunk(after, limit, (from, n) => scanRange(list, { ...args.range, limit: n }, from), (keys) => keys.map((key) => {
        const found = docs?.get({ key: asBuffer(key), doc: EMPTY, position: 0 });
        return found ? copyBytes(found.doc) : null;
      })).map((e) => ({ key: copyBytes(e.key), recordKey: copyBytes(e.recordKey), doc: e.doc }));
    });
  }

  async countIndex({ coll, index, range }: IndexArgs & { range?: KeyRange }): Promise<number> {
    const list = this.check(false).indexEntries.get(coll)?.get(index);
    return countRange(list, range && { ...range, reverse: false });
  }

  async readOplog({ after: afterTs, limit }: { after: bigint; limit: number }): Promise<StoredOplogEntry[]> {
    const s = this.check(false);
    checkLimit(limit);
    const start = s.oplogIndexAfter(afterTs);
    const end = Number.isFinite(limit) ? Math.min(s.oplog.length, start + limit) : s.oplog.length;
    return s.oplog.slice(start, end).map((e) => ({ ts: e.ts, entry: copyBytes(e.entry) }));
  }

  async readOplogBefore({ before: beforeTs, limit }: { before: bigint; limit: number }): Promise<StoredOplogEntry[]> {
    const s = this.check(false);
    checkLimit(limit);
    const out: StoredOplogEntry[] = [];
    for (let i = s.oplogIndexAfter(beforeTs - 1n) - 1; i >= 0 && out.length < limit; i--) out.push({ ts: s.oplog[i]!.ts, entry: copyBytes(s.oplog[i]!.entry) });
    return out;
  }

  async oplogEntrySizes({ after: afterTs, limit }: { after: bigint; limit: number }): Promise<{ ts: bigint; bytes: number }[]> {
    return (await this.readOplog({ after: afterTs, limit })).map((e) => ({ ts: e.ts, bytes: e.entry.byteLength }));
  }

  async getOplogEntry({ ts }: { ts: bigint }): Promise<Uint8Array | null> {
    const s = this.check(false);
    const at = s.oplogIndexAfter(ts - 1n);
    const e = s.oplog[at];
    return e !== undefined && e.ts === ts ? copyBytes(e.entry) : null;
  }

  async oplogBounds(): Promise<{ first: bigint; last: bigint } | null> {
    const { oplog } = this.check(false);
    if (oplog.length === 0) return null;
    return { first: oplog[0]!.ts, last: oplog[oplog.length - 1]!.ts };
  }

  async oplogSizeBytes(): Promise<number> {
    return this.check(false).oplogBytes;
  }

  async getMeta({ key }: { key: string }): Promise<string | null> {
    return this.check(false).meta.get(key) ?? null;
  }

  catalogVersion(): number {
    return this.state.catalogVersion;
  }

  async createCollection({ record }: { record: CollectionRecord }): Promise<void> {
    const s = this.check(true);
    checkUuid(record.uuid);
    if (s.findCollection(record.db, record.name)) {
      throw namespaceExists(record.db, record.name);
    }
    if (s.collections.has(record.uuid)) {
      throw uuidTaken(record.uuid);
    }
    s.catalogVersion++;
    s.collections.set(record.uuid, {
      db: record.db,
      name: record.name,
      uuid: record.uuid,
      options: copyBytes(record.options),
      indexes: record.indexes.map(copyBytes),
    });
    this.undo.push(() => s.collections.delete(record.uuid));
  }

  async updateCollection({ record }: { record: CollectionRecord }): Promise<void> {
    const coll = this.collection(record.uuid);
    const { options, indexes } = coll;
    this.state.catalogVersion++;
    coll.options = copyBytes(record.options);
    coll.indexes = record.indexes.map(copyBytes);
    this.undo.push(() => {
      coll.options = options;
      coll.indexes = indexes;
    });
  }

  async dropCollection({ coll: collUuid }: CollArgs): Promise<void> {
    const s = this.state;
    const coll = this.collection(collUuid);
    const docs = s.documents.get(collUuid);
    const indexes = s.indexEntries.get(collUuid);
    const natural = s.natural.get(collUuid);
    s.catalogVersion++;
    s.collections.delete(collUuid);
    s.documents.delete(collUuid);
    s.natural.delete(collUuid);
    s.indexEntries.delete(collUuid);
    this.undo.push(() => {
      s.collections.set(collUuid, coll);
      if (docs) s.documents.set(collUuid, docs);
      else s.documents.delete(collUuid);
      if (natural) s.natural.set(collUuid, natural);
      else s.natural.delete(collUuid);
      if (indexes) s.indexEntries.set(collUuid, indexes);
      else s.indexEntries.delete(collUuid);
    });
  }

  async renameCollection({ coll: collUuid, toDb, toName }: CollArgs & { toDb: string; toName: string }): Promise<void> {
    const coll = this.collection(collUuid);
    if (coll.db === toDb && coll.name === toName) return;
    if (this.state.findCollection(toDb, toName)) {
      throw namespaceExists(toDb, toName);
    }
    const { db, name } = coll;
    this.state.catalogVersion++;
    coll.db = toDb;
    coll.name = toName;
    this.undo.push(() => {
      coll.db = db;
      coll.name = name;
    });
  }

  insertDocuments({ coll: collUuid, rows }: CollArgs & { rows: readonly StoredDocument[] }): Promise<number> {
    return insertOneByOne(this, collUuid, rows);
  }

  async insertDocument({ coll: collUuid, key, doc }: CollArgs & StoredDocument): Promise<void> {
    const s = this.check(true);
    const list = s.documentsOf(collUuid);
    const item = { key: copyBytes(key), doc: copyBytes(doc), position: s.lastPosition + 1 };
    if (!list.insert(item)) throw duplicateKey(collUuid);
    s.lastPosition = item.position;
    const natural = s.naturalOf(collUuid);
    natural.insert(item);
    this.undo.push(() => {
      list.remove(item);
      natural.remove(item);
    });
  }

  async updateDocument({ coll: collUuid, key, doc }: CollArgs & StoredDocument): Promise<void> {
    const found = this.check(true).documents.get(collUuid)?.get({ key: asBuffer(key), doc: EMPTY, position: 0 });
    if (!found) throw new Error(`updateDocument: no document under that key in collection ${collUuid}`);
    const previous = found.doc;
    found.doc = copyBytes(doc);
    this.undo.push(() => {
      found.doc = previous;
    });
  }

  async deleteDocument({ coll: collUuid, key }: CollArgs & { key: Uint8Array }): Promise<void> {
    const s = this.check(true);
    const list = s.documents.get(collUuid);
    const removed = list?.remove({ key: asBuffer(key), doc: EMPTY, position: 0 });
    if (!list || !removed) return;
    const natural = s.naturalOf(collUuid);
    natural.remove(removed);
    this.undo.push(() => {
      list.insert(removed);
      natural.insert(removed);
    });
  }

  async insertIndexEntry({ coll: collUuid, index: indexName, key, recordKey, unique }: IndexArgs & IndexEntry & { unique: boolean }): Promise<void> {
    const list = this.check(true).indexOf(collUuid, indexName);
    const k = asBuffer(key);
    const r = asBuffer(recordKey);
    if (unique) {
      // Entries with this key are contiguous; any whose record differs is a violation.
      for (let at = list.firstIndex((e) => compareBytes(e.key, k) >= 0); at < list.size; at++) {
        const e = list.at(at)!;
        if (!e.key.equals(k)) break;
        if (!e.recordKey.equals(r)) {
          throw duplicateKey(collUuid, indexName);
        }
      }
    }
    const item = { key: copyBytes(k), recordKey: copyBytes(r) };
    if (list.insert(item)) this.undo.push(() => list.remove(item));
  }

  async deleteIndexEntry({ coll: collUuid, index: indexName, key, recordKey }: IndexArgs & IndexEntry): Promise<void> {
    const list = this.check(true).indexEntries.get(collUuid)?.get(indexName);
    const removed = list?.remove({ key: asBuffer(key), recordKey: asBuffer(recordKey) });
    if (list && removed) this.undo.push(() => list.insert(removed));
  }

  async dropIndexEntries({ coll: collUuid, index: indexName }: IndexArgs): Promise<void> {
    const byName = this.check(true).indexEntries.get(collUuid);
    const list = byName?.get(indexName);
    if (!byName || !list) return;
    byName.delete(indexName);
    this.undo.push(() => byName.set(indexName, list));
  }

  async appendOplog({ entries }: { entries: StoredOplogEntry[] }): Promise<void> {
    const s = this.check(true);
    checkOplogAppend(entries, s.oplog.length ? s.oplog[s.oplog.length - 1]!.ts : null);
    const added: MemoryOplogEntry[] = entries.map((e) => ({ ts: e.ts, entry: copyBytes(e.entry) }));
    const bytes = added.reduce((sum, e) => sum + e.entry.length, 0);
    const before = s.oplog.length;
    for (const e of added) s.oplog.push(e);
    if (added.length > 0) this.changes?.log.planted(added[added.length - 1]!.ts);
    s.oplogBytes += bytes;
    this.undo.push(() => {
      s.oplog.length = before;
      s.oplogBytes -= bytes;
    });
  }

  async appendChanges({ entries, local }: { entries: Uint8Array[]; local?: unknown }): Promise<AppendedChanges | null> {
    this.check(true);
    if (!this.changes) throw new Error('appendChanges outside a storage write');
    return this.changes.log.append(this, this.changes.pending, entries, local);
  }

  async truncateOplogBefore({ ts }: { ts: bigint }): Promise<void> {
    const s = this.check(true);
    if (typeof ts !== 'bigint') checkOplogTs(ts);
    const count = ts > MAX_OPLOG_TS ? s.oplog.length : s.oplogIndexAfter(ts - 1n);
    if (count === 0) return;
    const removed = s.oplog.splice(0, count);
    const bytes = removed.reduce((sum, e) => sum + e.entry.length, 0);
    s.oplogBytes -= bytes;
    this.undo.push(() => {
      // A loop, not unshift(...removed): spreading a long oplog would overflow the argument stack.
      const kept = s.oplog.splice(0, s.oplog.length);
      for (const e of removed) s.oplog.push(e);
      for (const e of kept) s.oplog.push(e);
      s.oplogBytes += bytes;
    });
  }

  async setMeta({ key, value }: { key: string; value: string }): Promise<void> {
    const s = this.check(true);
    const had = s.meta.has(key);
    const previous = s.meta.get(key);
    s.meta.set(key, String(value));
    this.undo.push(() => {
      if (had) s.meta.set(key, previous!);
      else s.meta.delete(key);
    });
  }

  /** The state, once the handle is known to be live (and writable when `write`). */
  private check(write: boolean): MemoryState {
    if (!this.active) throw new Error('storage handle used after its read()/write() callback settled');
    if (write && !this.writable) throw new Error('storage write attempted inside read()');
    return this.state;
  }

  /** The catalog entry of `uuid` for a write, or `NamespaceNotFound`. */
  private collection(uuid: string): MemoryCollection {
    const coll = this.check(true).collections.get(uuid);
    if (!coll) throw namespaceNotFound(uuid);
    return coll;
  }
}

const EMPTY = Buffer.alloc(0);

function toRecord(c: MemoryCollection): CollectionRecord {
  return { db: c.db, name: c.name, uuid: c.uuid, options: copyBytes(c.options), indexes: c.indexes.map(copyBytes) };
}

function compareUtf8(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
