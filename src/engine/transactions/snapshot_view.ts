import { mongoError } from '../../errors/index.js';
import { StorageError, type CollArgs, type CollectionRecord, type IndexArgs, type IndexEntry, type IndexPosition, type InspectedDocument, type KeyRange, type NaturalDocument, type ScanOptions, type StorageReader, type StorageWriter, type StoredDocument, type StoredOplogEntry } from '../../storage/types.js';
import { insertOneByOne, type LimitedRange } from '../../storage/contract.js';
import type { VersionStore } from './version_store.js';
import { chunkedScan, indexPositionAfter, keyAfter, keyRangeAfter, naturalAfter, toArray } from '../../storage/scan.js';

/**
 * A transaction's writes, buffered until it commits: the storage calls in order (replayed at commit), and their net
 * effect per document, index entry and collection (what the transaction's own reads see).
 */
export class WriteBuffer {
  readonly ops: ((writer: StorageWriter) => Promise<unknown>)[] = [];
  /** uuid → key hex → the document's bytes, or null once deleted. */
  readonly docs = new Map<string, Map<string, { key: Buffer; doc: Buffer | null }>>();
  /** `uuid\0index` → entry hex (key and record key) → whether the entry is present. */
  readonly indexEntries = new Map<string, Map<string, { key: Buffer; recordKey: Buffer; present: boolean }>>();
  /** Collections created or changed in the transaction, by uuid. */
  readonly collections = new Map<string, CollectionRecord>();

  /** Forgets everything buffered (the transaction ended: its record stays, its writes need no memory any more). */
  clear(): void {
    this.ops.length = 0;
    this.docs.clear();
    this.indexEntries.clear();
    this.collections.clear();
  }

  /** True when the transaction wrote the document `keyHex` of `uuid`. */
  wrote(uuid: string, keyHex: string): boolean {
    return this.docs.get(uuid)?.has(keyHex) ?? false;
  }

  setDocument(uuid: string, key: Buffer, doc: Buffer | null): void {
    let byKey = this.docs.get(uuid);
    if (!byKey) this.docs.set(uuid, (byKey = new Map()));
    byKey.set(key.toString('hex'), { key, doc });
  }

  setIndexEntry(uuid: string, index: string, key: Buffer, recordKey: Buffer, present: boolean): void {
    const id = `${uuid}\0${index}`;
    let entries = this.indexEntries.get(id);
    if (!entries) this.indexEntries.set(id, (entries = new Map()));
    entries.set(`${key.toString('hex')}:${recordKey.toString('hex')}`, { key, recordKey, present });
  }
}

/** Thrown inside a transaction's statement when it must abort: no statement may turn it into a write error. */
export class TransactionConflict extends Error {
  constructor(readonly code: 'WriteConflict' | 'SnapshotUnavailable', message: string) {
    super(message);
  }

  toServerError() {
    return mongoError(this.code, this.message, { labels: ['TransientTransactionError'] });
  }
}

export function writeConflict(): TransactionConflict {
  return new TransactionConflict(
    'WriteConflict',
    'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
  );
}

function inRange(key: Buffer, range: KeyRange | undefined): boolean {
  if (!range) return true;
  if (range.gte && Buffer.compare(key, range.gte) < 0) return false;
  if (range.gt && Buffer.compare(key, range.gt) <= 0) return false;
  if (range.lte && Buffer.compare(key, range.lte) > 0) return false;
  if (range.lt && Buffer.compare(key, range.lt) >= 0) return false;
  return true;
}

/** `args` with one chunk for the whole scan unless the caller asked for smaller ones. */
function whole<T extends ScanOptions>(args: T): T {
  return args.chunkRows === undefined ? { ...args, chunkRows: Number.MAX_SAFE_INTEGER } : args;
}

function ordered<T extends { key: Buffer }>(rows: T[], range: LimitedRange | undefined, tiebreak?: (a: T, b: T) => number): T[] {
  rows.sort((a, b) => Buffer.compare(a.key, b.key) || (tiebreak ? tiebreak(a, b) : 0));
  if (range?.reverse) rows.reverse();
  return range?.limit === undefined ? rows : rows.slice(0, range.limit);
}

/**
 * The store as a transaction sees it: documents as of its snapshot (the current store, corrected by the versions of
 * documents changed since), then its own buffered writes on top. Index entries are the current ones plus the
 * transaction's own: queries never read them for results, only to enforce unique indexes.
 */
export class SnapshotReader implements StorageReader {
  constructor(
    protected readonly inner: StorageReader,
    protected readonly versions: VersionStore,
    protected readonly snapshot: bigint,
    protected readonly buffer: WriteBuffer,
  ) {}

  /**
   * Refuses to read a collection dropped or renamed since the snapshot (its old contents are gone), or one another
   * server wrote since (its old contents are unknown here).
   */
  protected checkCollection(uuid: string): void {
    if (this.buffer.collections.has(uuid)) return;
    if (this.versions.catalogChangedSince(uuid, this.snapshot)) {
      throw new TransactionConflict('SnapshotUnavailable', 'Unable to read from a snapshot due to pending collection catalog changes; please retry the operation.');
    }
    if (this.versions.foreignChangedSince(uuid, this.snapshot)) throw writeConflict();
  }

  async listCollections({ db }: { db?: string } = {}): Promise<CollectionRecord[]> {
    const byUuid = new Map((await this.inner.listCollections({ db })).map((r) => [r.uuid, r]));
    for (const record of this.buffer.collections.values()) if (db === undefined || record.db === db) byUuid.set(record.uuid, record);
    return [...byUuid.values()].sort((a, b) => (a.db === b.db ? (a.name < b.name ? -1 : 1) : a.db < b.db ? -1 : 1));
  }

  async getCollection({ db, name }: { db: string; name: string }): Promise<CollectionRecord | null> {
    for (const record of this.buffer.collections.values()) if (record.db === db && record.name === name) return record;
    return this.inner.getCollection({ db, name });
  }

  async getDocument({ coll: collUuid, key }: CollArgs & { key: Uint8Array }): Promise<Uint8Array | null> {
    this.checkCollection(collUuid);
    const hex = Buffer.from(key).toString('hex');
    const own = this.buffer.docs.get(collUuid)?.get(hex);
    if (own) return own.doc;
    const old = this.versions.asOf(collUuid, hex, this.snapshot);
    if (old !== undefined) return old;
    return this.inner.getDocument({ coll: collUuid, key });
  }

  async getDocuments({ coll, keys }: CollArgs & { keys: readonly Uint8Array[] }): Promise<(Uint8Array | null)[]> {
    const out: (Uint8Array | null)[] = [];
    for (const key of keys) out.push(await this.getDocument({ coll, key }));
    return out;
  }

  // Each chunk of a scan here merges the store's rows with the snapshot's and the transaction's changes, so one
  // chunk holds everything unless the caller asked for smaller ones.
  scanDocuments(args: CollArgs & ScanOptions): AsyncIterable<StoredDocument> {
    return chunkedScan(whole(args), () => keyAfter(args.after), (d: StoredDocument) => d.key, (after, limit) => this.documentRows(args.coll, { ...keyRangeAfter(args.range, after), limit }));
  }

  private async documentRows(collUuid: string, range: LimitedRange): Promise<StoredDocument[]> {
    this.checkCollection(collUuid);
    // What differs from the store in range: older versions of documents changed since the snapshot, then this
    // transaction's own writes over them.
    const overlay = new Map<string, StoredDocument | null>();
    for (const { key, before } of this.versions.changedSince(collUuid, this.snapshot)) {
      if (inRange(key, range)) overlay.set(key.toString('hex'), before === null ? null : { key, doc: before });
    }
    for (const [hex, { key, doc }] of this.buffer.docs.get(collUuid) ?? []) {
      if (inRange(key, range)) overlay.set(hex, doc === null ? null : { key, doc });
    }
    // A forward scan with a limit (a chunk of a streamed scan) reads only as far as it must: each overlay key can
    // hide at most one stored row, so `limit + overlay.size` rows hold the answer up to the last of them.
    const bounded = range?.limit !== undefined && !range.reverse;
    const innerRange: LimitedRange = { ...range, limit: bounded ? range.limit! + overlay.size : undefined, reverse: false };
    const stored = await toArray(this.inner.scanDocuments({ coll: collUuid, range: innerRange, ...(innerRange.limit === undefined ? {} : { limit: innerRange.limit }) }));
    const cutoff = bounded && stored.length === innerRange.limit && stored.length > 0 ? Buffer.from(stored[stored.length - 1]!.key) : undefined;
    const rows = new Map<string, StoredDocument | null>();
    for (const row of stored) rows.set(Buffer.from(row.key).toString('hex'), row);
    for (const [hex, row] of overlay) rows.set(hex, row);
    const present = [...rows.values()]
      .filter((r): r is StoredDocument => r !== null && (cutoff === undefined || Buffer.compare(Buffer.from(r.key), cutoff) <= 0))
      .map((r) => ({ key: Buffer.from(r.key), doc: r.doc }));
    return ordered(present, range);
  }

  /** The snapshot's documents through scanDocuments, which refuses a damaged one: what it returns is intact. */
  async *inspectDocuments(args: CollArgs & ScanOptions): AsyncIterable<InspectedDocument> {
    for await (const d of this.scanDocuments(args)) yield { ...d, intact: true };
  }

  /**
   * The snapshot's documents in natural order. A document still in the store keeps its stored position; one this
   * transaction inserted comes after them, in the order it wrote them; one deleted since the snapshot has lost its
   * position, and comes last, in key order (a transaction reading a capped collection in natural order while
   * others write to it is the only one to see the difference).
   */
  scanNatural(args: CollArgs & ScanOptions): AsyncIterable<NaturalDocument> {
    const reverse = args.range?.reverse === true;
    return chunkedScan(whole(args), () => naturalAfter(args.after), (d: NaturalDocument) => d.position, (after, limit) => this.naturalRows(args.coll, reverse, after, limit));
  }

  private async naturalRows(collUuid: string, reverse: boolean, after: number | undefined, limit: number): Promise<NaturalDocument[]> {
    const present = await this.documentRows(collUuid, {});
    const positions = new Map<string, number>();
    let next = 1;
    for (const row of await toArray(this.inner.scanNatural({ coll: collUuid }))) {
      positions.set(Buffer.from(row.key).toString('hex'), row.position);
      next = row.position + 1;
    }
    const own = [...(this.buffer.docs.get(collUuid)?.keys() ?? [])];
    for (const hex of own) if (!positions.has(hex)) positions.set(hex, next++);
    const rows = present.map((row) => {
      const hex = Buffer.from(row.key).toString('hex');
      return { ...row, position: positions.get(hex) ?? next++ };
    });
    rows.sort((a, b) => a.position - b.position);
    if (reverse) rows.reverse();
    const kept = after === undefined ? rows : rows.filter((r) => (reverse ? r.position < after : r.position > after));
    return kept.slice(0, limit);
  }

  async countDocuments({ coll }: CollArgs): Promise<number> {
    return (await this.documentRows(coll, {})).length;
  }

  async dataSize({ coll }: CollArgs): Promise<number> {
    return (await this.documentRows(coll, {})).reduce((sum, r) => sum + r.doc.byteLength, 0);
  }

  scanIndex(args: IndexArgs & ScanOptions): AsyncIterable<IndexEntry> {
    return chunkedScan(whole(args), () => indexPositionAfter(args.after), (e: IndexEntry) => e, (after, limit) => this.indexRows(args.coll, args.index, { ...args.range, limit }, after));
  }

  scanIndexDocuments(args: IndexArgs & ScanOptions): AsyncIterable<IndexEntry & { doc: Uint8Array }> {
    return chunkedScan(whole(args), () => indexPositionAfter(args.after), (e: IndexEntry) => e, async (after, limit) => {
      const out: (IndexEntry & { doc: Uint8Array })[] = [];
      let from = after;
      while (out.length < limit) {
        const want = limit - out.length;
        const entries = await this.indexRows(args.coll, args.index, { ...args.range, limit: want }, from);
        for (const e of entries) {
          const doc = await this.getDocument({ coll: args.coll, key: e.recordKey });
          if (doc) out.push({ ...e, doc });
        }
        if (entries.length < want) break;
        from = entries[entries.length - 1]!;
      }
      return out;
    });
  }

  protected async indexRows(collUuid: string, indexName: string, range: LimitedRange, after: IndexPosition | undefined): Promise<IndexEntry[]> {
    this.checkCollection(collUuid);
    const entries = new Map<string, { key: Buffer; recordKey: Buffer } | null>();
    const unlimited: LimitedRange = { ...range, reverse: false };
    delete unlimited.limit;
    for (const e of await toArray(this.inner.scanIndex({ coll: collUuid, index: indexName, range: unlimited }))) {
      const key = Buffer.from(e.key);
      const recordKey = Buffer.from(e.recordKey);
      entries.set(`${key.toString('hex')}:${recordKey.toString('hex')}`, { key, recordKey });
    }
    for (const [id, e] of this.buffer.indexEntries.get(`${collUuid}\0${indexName}`) ?? []) {
      if (inRange(e.key, range)) entries.set(id, e.present ? { key: e.key, recordKey: e.recordKey } : null);
    }
    let present = [...entries.values()].filter((e): e is { key: Buffer; recordKey: Buffer } => e !== null);
    if (after) {
      const past = (e: { key: Buffer; recordKey: Buffer }) => Buffer.compare(e.key, after.key) || Buffer.compare(e.recordKey, after.recordKey);
      present = present.filter((e) => (range?.reverse ? past(e) < 0 : past(e) > 0));
    }
    return ordered(present, range, (a, b) => Buffer.compare(a.recordKey, b.recordKey));
  }

  async countIndex({ coll, index, range }: IndexArgs & { range?: KeyRange }): Promise<number> {
    return (await this.indexRows(coll, index, { ...range, reverse: false }, undefined)).length;
  }

  readOplog({ after: afterTs, limit }: { after: bigint; limit: number }): Promise<StoredOplogEntry[]> {
    return this.inner.readOplog({ after: afterTs, limit });
  }

  readOplogBefore({ before: beforeTs, limit }: { before: bigint; limit: number }): Promise<StoredOplogEntry[]> {
    return this.inner.readOplogBefore({ before: beforeTs, limit });
  }

  oplogEntrySizes({ after: afterTs, limit }: { after: bigint; limit: number }): Promise<{ ts: bigint; bytes: number }[]> {
    return this.inner.oplogEntrySizes({ after: afterTs, limit });
  }

  getOplogEntry({ ts }: { ts: bigint }): Promise<Uint8Array | null> {
    return this.inner.getOplogEntry({ ts });
  }

  oplogBounds(): Promise<{ first: bigint; last: bigint } | null> {
    return this.inner.oplogBounds();
  }

  oplogSizeBytes(): Promise<number> {
    return this.inner.oplogSizeBytes();
  }

  getMeta({ key }: { key: string }): Promise<string | null> {
    return this.inner.getMeta({ key });
  }

  catalogVersion(): number {
    return this.inner.catalogVersion();
  }
}

/**
 * A transaction's writer: every change goes to its buffer (replayed at commit), after the checks the store would
 * make (duplicate keys) and a write-conflict check: a document changed since the snapshot, or written by another
 * open transaction, cannot be written (first writer wins, as in MongoDB).
 */
export class BufferedWriter extends SnapshotReader implements StorageWriter {
  constructor(
    inner: StorageReader,
    versions: VersionStore,
    snapshot: bigint,
    buffer: WriteBuffer,
    private readonly writtenByOthers: (uuid: string, keyHex: string) => boolean,
  ) {
    super(inner, versions, snapshot, buffer);
  }

  private claim(uuid: string, key: Buffer): void {
    this.checkCollection(uuid);
    const hex = key.toString('hex');
    if (this.buffer.wrote(uuid, hex)) return;
    if (this.versions.conflicts(uuid, hex, this.snapshot) || this.writtenByOthers(uuid, hex)) throw writeConflict();
  }

  async createCollection({ record }: { record: CollectionRecord }): Promise<void> {
    if (await this.getCollection({ db: record.db, name: record.name })) throw new StorageError('NamespaceExists', `collection ${record.db}.${record.name} already exists`);
    this.buffer.collections.set(record.uuid, record);
    this.buffer.ops.push((w) => w.createCollection({ record }));
  }

  async updateCollection({ record }: { record: CollectionRecord }): Promise<void> {
    this.buffer.collections.set(record.uuid, record);
    this.buffer.ops.push((w) => w.updateCollection({ record }));
  }

  async dropCollection(): Promise<void> {
    throw mongoError('OperationNotSupportedInTransaction', 'Cannot drop a collection in a multi-document transaction.');
  }

  async renameCollection(): Promise<void> {
    throw mongoError('OperationNotSupportedInTransaction', 'Cannot rename a collection in a multi-document transaction.');
  }

  async insertDocument({ coll: collUuid, key, doc }: CollArgs & StoredDocument): Promise<void> {
    const k = Buffer.from(key);
    this.claim(collUuid, k);
    if ((await this.getDocument({ coll: collUuid, key: k })) !== null) throw new StorageError('DuplicateKey', `duplicate record key in collection ${collUuid}`);
    const d = Buffer.from(doc);
    this.buffer.setDocument(collUuid, k, d);
    this.buffer.ops.push((w) => w.insertDocument({ coll: collUuid, key: k, doc: d }));
  }

  insertDocuments({ coll: collUuid, rows }: CollArgs & { rows: readonly StoredDocument[] }): Promise<number> {
    return insertOneByOne(this, collUuid, rows);
  }

  async updateDocument({ coll: collUuid, key, doc }: CollArgs & StoredDocument): Promise<void> {
    const k = Buffer.from(key);
    this.claim(collUuid, k);
    if ((await this.getDocument({ coll: collUuid, key: k })) === null) throw new Error(`updateDocument: no document under that key in ${collUuid}`);
    const d = Buffer.from(doc);
    this.buffer.setDocument(collUuid, k, d);
    this.buffer.ops.push((w) => w.updateDocument({ coll: collUuid, key: k, doc: d }));
  }

  async deleteDocument({ coll: collUuid, key }: CollArgs & { key: Uint8Array }): Promise<void> {
    const k = Buffer.from(key);
    this.claim(collUuid, k);
    this.buffer.setDocument(collUuid, k, null);
    this.buffer.ops.push((w) => w.deleteDocument({ coll: collUuid, key: k }));
  }

  async insertIndexEntry({ coll: collUuid, index: indexName, key, recordKey, unique }: IndexArgs & IndexEntry & { unique: boolean }): Promise<void> {
    const k = Buffer.from(key);
    const r = Buffer.from(recordKey);
    if (unique) {
      const holders = await this.indexRows(collUuid, indexName, { gte: k, lte: k }, undefined);
      if (holders.some((e) => !Buffer.from(e.recordKey).equals(r))) {
        throw new StorageError('DuplicateKey', `duplicate key in index ${indexName} of collection ${collUuid}`, indexName);
      }
    }
    this.buffer.setIndexEntry(collUuid, indexName, k, r, true);
    this.buffer.ops.push((w) => w.insertIndexEntry({ coll: collUuid, index: indexName, key: k, recordKey: r, unique }));
  }

  async deleteIndexEntry({ coll: collUuid, index: indexName, key, recordKey }: IndexArgs & IndexEntry): Promise<void> {
    const k = Buffer.from(key);
    const r = Buffer.from(recordKey);
    this.buffer.setIndexEntry(collUuid, indexName, k, r, false);
    this.buffer.ops.push((w) => w.deleteIndexEntry({ coll: collUuid, index: indexName, key: k, recordKey: r }));
  }

  async dropIndexEntries(): Promise<void> {
    throw mongoError('OperationNotSupportedInTransaction', 'Cannot drop an index in a multi-document transaction.');
  }

  async appendOplog(): Promise<void> {
    throw new Error('a transaction logs its changes through its write context, not appendOplog');
  }

  async appendChanges(): Promise<null> {
    throw new Error('a transaction logs its changes through its write context, not appendChanges');
  }

  async truncateOplogBefore(): Promise<void> {
    throw new Error('oplog truncation does not run inside a transaction');
  }

  /** Only idempotent rows (an index's multikey flag) are written inside a transaction: replayed at commit. */
  async setMeta({ key, value }: { key: string; value: string }): Promise<void> {
    this.buffer.ops.push((w) => w.setMeta({ key, value }));
  }
}
