import type { CollectionRecord, IndexPosition, KeyRange, NaturalRange, StorageWriter, StoredDocument } from '../../storage/types.js';
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
    const before = known === null ? null : await this.inner.getDocument(uuid, key);
    this.pending.add(uuid, hex, Buffer.from(key), before === null ? null : Buffer.from(before.buffer, before.byteOffset, before.byteLength));
  }

  async insertDocument(collUuid: string, key: Uint8Array, doc: Uint8Array): Promise<void> {
    await this.inner.insertDocument(collUuid, key, doc);
    await this.note(collUuid, key, null);
  }

  async insertDocuments(collUuid: string, rows: readonly StoredDocument[]): Promise<number> {
    const inserted = await this.inner.insertDocuments(collUuid, rows);
    for (let i = 0; i < inserted; i++) await this.note(collUuid, rows[i]!.key, null);
    return inserted;
  }

  async updateDocument(collUuid: string, key: Uint8Array, doc: Uint8Array): Promise<void> {
    await this.note(collUuid, key);
    await this.inner.updateDocument(collUuid, key, doc);
  }

  async deleteDocument(collUuid: string, key: Uint8Array): Promise<void> {
    await this.note(collUuid, key);
    await this.inner.deleteDocument(collUuid, key);
  }

  async dropCollection(collUuid: string): Promise<void> {
    this.pending.collections.add(collUuid);
    await this.inner.dropCollection(collUuid);
  }

  async renameCollection(collUuid: string, toDb: string, toName: string): Promise<void> {
    this.pending.collections.add(collUuid);
    await this.inner.renameCollection(collUuid, toDb, toName);
  }

  // Everything else passes straight through.
  listCollections(db?: string) { return this.inner.listCollections(db); }
  getCollection(db: string, name: string) { return this.inner.getCollection(db, name); }
  getDocument(collUuid: string, key: Uint8Array) { return this.inner.getDocument(collUuid, key); }
  scanDocuments(collUuid: string, range?: KeyRange) { return this.inner.scanDocuments(collUuid, range); }
  inspectDocuments(collUuid: string, range?: KeyRange) { return this.inner.inspectDocuments(collUuid, range); }
  scanNatural(collUuid: string, range?: NaturalRange) { return this.inner.scanNatural(collUuid, range); }
  countDocuments(collUuid: string) { return this.inner.countDocuments(collUuid); }
  dataSize(collUuid: string) { return this.inner.dataSize(collUuid); }
  scanIndex(collUuid: string, indexName: string, range?: KeyRange, after?: IndexPosition) { return this.inner.scanIndex(collUuid, indexName, range, after); }
  countIndex(collUuid: string, indexName: string, range?: KeyRange) { return this.inner.countIndex(collUuid, indexName, range); }
  readOplog(afterTs: bigint, limit: number) { return this.inner.readOplog(afterTs, limit); }
  readOplogBefore(beforeTs: bigint, limit: number) { return this.inner.readOplogBefore(beforeTs, limit); }
  oplogEntrySizes(afterTs: bigint, limit: number) { return this.inner.oplogEntrySizes(afterTs, limit); }
  getOplogEntry(ts: bigint) { return this.inner.getOplogEntry(ts); }
  oplogBounds() { return this.inner.oplogBounds(); }
  oplogSizeBytes() { return this.inner.oplogSizeBytes(); }
  getMeta(key: string) { return this.inner.getMeta(key); }
  catalogVersion() { return this.inner.catalogVersion(); }
  createCollection(record: CollectionRecord) { return this.inner.createCollection(record); }
  updateCollection(record: CollectionRecord) { return this.inner.updateCollection(record); }
  insertIndexEntry(collUuid: string, indexName: string, key: Uint8Array, recordKey: Uint8Array, unique: boolean) {
    return this.inner.insertIndexEntry(collUuid, indexName, key, recordKey, unique);
  }
  deleteIndexEntry(collUuid: string, indexName: string, key: Uint8Array, recordKey: Uint8Array) {
    return this.inner.deleteIndexEntry(collUuid, indexName, key, recordKey);
  }
  dropIndexEntries(collUuid: string, indexName: string) { return this.inner.dropIndexEntries(collUuid, indexName); }
  appendOplog(entries: Parameters<StorageWriter['appendOplog']>[0]) { return this.inner.appendOplog(entries); }
  truncateOplogBefore(ts: bigint) { return this.inner.truncateOplogBefore(ts); }
  setMeta(key: string, value: string) { return this.inner.setMeta(key, value); }
}
