import type { StorageReader } from '../storage/types.js';
import { getCollectionInfo, type CollectionInfo } from './catalog.js';

/** Beyond this many cached namespaces the cache starts over, so a workload over many collections stays bounded. */
const MAX_ENTRIES = 1024;

/**
 * The decoded catalog entries that CRUD writes look up on every statement, kept while the storage's
 * `catalogVersion()` says the catalog has not changed (no DDL, no rolled-back transaction since). Reading and
 * decoding the entry was a SQL query and two BSON decodes per inserted document.
 *
 * What it hands out is shared and frozen (the info, its options and its index list): callers only read it. DDL,
 * which edits an info before storing it, reads the catalog with `getCollectionInfo` instead.
 */
export class CatalogCache {
  private version = -1;
  private readonly infos = new Map<string, Readonly<CollectionInfo> | null>();

  /** What `get` would answer when the cache holds it (null: known absent), else undefined. Synchronous. */
  peek(reader: StorageReader, db: string, name: string): Readonly<CollectionInfo> | null | undefined {
    const version = reader.catalogVersion();
    if (version !== this.version) {
      this.infos.clear();
      this.version = version;
      return undefined;
    }
    // Database names cannot contain NUL, so this key is unambiguous.
    return this.infos.get(`${db}\0${name}`);
  }

  /** The collection `db.name` as `reader` sees it (null when absent), from the cache when still valid. */
  async get(reader: StorageReader, db: string, name: string): Promise<Readonly<CollectionInfo> | null> {
    const cached = this.peek(reader, db, name);
    if (cached !== undefined) return cached;
    const version = this.version;
    const info = await getCollectionInfo(reader, db, name);
    const frozen = info && freezeInfo(info);
    // A read that raced nothing (the queue serialises transactions) still checks: the version is the contract.
    if (reader.catalogVersion() === version) {
      if (this.infos.size >= MAX_ENTRIES) this.infos.clear();
      this.infos.set(`${db}\0${name}`, frozen);
    }
    return frozen;
  }
}

function freezeInfo(info: CollectionInfo): Readonly<CollectionInfo> {
  Object.freeze(info.options);
  Object.freeze(info.indexes);
  return Object.freeze(info);
}
