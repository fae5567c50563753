import type { CollArgs, CollectionRecord, IndexArgs, IndexEntry, KeyRange, ScanOptions, StorageWriter, StoredDocument, StoredOplogEntry } from '../../storage/types.js';
import type { PendingVersions } from './version_store.js';

/**
 * A storage writer that notes the before-image of every document it changes (and every collection it drops or
 * renames) into `pending`, for the transactions open while it writes. Used only while a transaction is open: a
 * plain write pays nothing.
 */
export class CapturingWriter implements StorageWriter {
  constructor(private readonly inner: StorageWriter, private readonly pending: PendingVersions) {}

  private async note(uuid: string, key: Uint8Array, known?: null): Promise<void> {
    const hex = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
    if (this.pending.has(uuid, hex)) return;
    // The store hands out fresh buffers the caller owns: kept as they are.
    const before = known === null ? null : await this.inner.getDocument({ coll: uuid, key });
    this.pending.add(uuid, hex, Buffer.from(key), before === null ? null : Buffer.from(before.buffer, before.byteOffset, before.byteLength));
  }

  async insertDocument(args: CollArgs & StoredDocument): Promise<void> {
    await this.inner.insertDocument(args);
    await this.note(args.coll, args.key, null);
  }

  async insertDocuments(args: CollArgs & { rows: readonly StoredDocument[] }): Promise<number> {
    const inserted = await this.inner.insertDocuments(args);
    for (let i = 0; i < inserted; i++) await this.note(args.coll, args.rows[i]!.key, null);
    return inserted;
  }

  async updateDocument(args: CollArgs & StoredDocument): Promise<void> {
    await this.note(args.coll, args.key);
    await this.inner.updateDocument(args);
  }

  async deleteDocument(args: CollArgs & { key: Uint8Array }): Promise<void> {
    await this.note(args.coll, args.key);
    await this.inner.deleteDocument(args);
  }

  async dropCollection(args: CollArgs): Promise<void> {
    this.pending.collections.add(args.coll);
    await this.inner.dropCollection(args);
  }

  async renameCollection(args: CollArgs & { toDb: string; toName: string }): Promise<void> {
    this.pending.collections.add(args.coll);
    await this.inner.renameCollection(args);
  }

  // Everything else passes straight through.
  listCollections(args?: { db?: string }) { return this.inner.listCollections(args); }
  getCollection(args: { db: string; name: string }) { return this.inner.getCollection(args); }
  getDocument(args: CollArgs & { key: Uint8Array }) { return this.inner.getDocument(args); }
  getDocuments(args: CollArgs & { keys: readonly Uint8Array[] }) { return this.inner.getDocuments(args); }
  scanDocuments(args: CollArgs & ScanOptions) { return this.inner.scanDocuments(args); }
  inspectDocuments(args: CollArgs & ScanOptions) { return this.inner.inspectDocuments(args); }
  scanNatural(args: CollArgs & ScanOptions) { return this.inner.scanNatural(args); }
  countDocuments(args: CollArgs) { return this.inner.countDocuments(args); }
  dataSize(args: CollArgs) { return this.inner.dataSize(args); }
  scanIndex(args: IndexArgs & ScanOptions) { return this.inner.scanIndex(args); }
  scanIndexDocuments(args: IndexArgs & ScanOptions) { return this.inner.scanIndexDocuments(args); }
  countIndex(args: IndexArgs & { range?: KeyRange }) { return this.inner.countIndex(args); }
  readOplog(args: { after: bigint; limit: number }) { return this.inner.readOplog(args); }
  readOplogBefore(args: { before: bigint; limit: number }) { return this.inner.readOplogBefore(args); }
  oplogEntrySizes(args: { after: bigint; limit: number }) { return this.inner.oplogEntrySizes(args); }
  getOplogEntry(args: { ts: bigint }) { return this.inner.getOplogEntry(args); }
  oplogBounds() { return this.inner.oplogBounds(); }
  oplogSizeBytes() { return this.inner.oplogSizeBytes(); }
  getMeta(args: { key: string }) { return this.inner.getMeta(args); }
  catalogVersion() { return this.inner.catalogVersion(); }
  createCollection(args: { record: CollectionRecord }) { return this.inner.createCollection(args); }
  updateCollection(args: { record: CollectionRecord }) { return this.inner.updateCollection(args); }
  insertIndexEntry(args: IndexArgs & IndexEntry & { unique: boolean }) { return this.inner.insertIndexEntry(args); }
  deleteIndexEntry(args: IndexArgs & IndexEntry) { return this.inner.deleteIndexEntry(args); }
  dropIndexEntries(args: IndexArgs) { return this.inner.dropIndexEntries(args); }
  appendOplog(args: { entries: StoredOplogEntry[] }) { return this.inner.appendOplog(args); }
  appendChanges(args: { entries: Uint8Array[]; local?: unknown }) { return this.inner.appendChanges(args); }
  truncateOplogBefore(args: { ts: bigint }) { return this.inner.truncateOplogBefore(args); }
  setMeta(args: { key: string; value: string }) { return this.inner.setMeta(args); }
}
