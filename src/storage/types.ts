/**
 * The storage interface every engine implements (sqlite/ is the default, memory/ the reference, and later
 * postgres/). It knows nothing of MongoDB semantics beyond byte keys: the layers above encode `_id` and index
 * keys with bson/key_encoding so that byte order is MongoDB's order, and hand over documents as BSON bytes.
 *
 * Every method is asynchronous so that a networked engine can implement it; the SQLite engine runs
 * synchronously underneath. All work happens inside `read()` or `write()`, which one queue serialises: a
 * write transaction is never interleaved with another caller's statements across an `await`, and a read never
 * sees another caller's uncommitted write. Do not call `read()`/`write()`/`close()` from inside a callback: the
 * queue would wait for the callback that waits for it.
 *
 * Byte arrays handed in are copied or written out before the call resolves, so the caller may reuse them; byte
 * arrays handed out are fresh `Buffer`s owned by the caller.
 *
 * An engine that can lose bytes behind its own back (a file on a disk) stores a checksum with every document and
 * oplog entry and checks it on every read that hands the bytes out: a mismatch is `StorageError('Corrupted')`
 * with `record` naming the document (collection uuid and key) or the entry (its time), never the damaged bytes.
 * The memory engine has nothing to check. The reader/writer handle passed to a callback is
 * only valid until that callback settles; using it afterwards throws.
 */

/** One collection in the catalog. `uuid` is 32 lowercase hex digits (the collection UUID of change events). */
export interface CollectionRecord {
  db: string;
  name: string;
  uuid: string;
  /** The create options as a BSON document (capped, changeStreamPreAndPostImages, viewOn, pipeline, ...). */
  options: Uint8Array;
  /** Index specs, each a BSON document `{v, key, name, unique?, ...}`, `_id_` first. */
  indexes: Uint8Array[];
}

/** A stored document: its encoded `_id` key and its BSON bytes, field order as written. */
export interface StoredDocument {
  key: Uint8Array;
  doc: Uint8Array;
}

/** A document as `inspectDocuments` reports it: `intact` false when its bytes fail the engine's checksum. */
export interface InspectedDocument extends StoredDocument {
  intact: boolean;
}

/**
 * A stored document with its place in the collection's natural order (MongoDB's record id): the order documents
 * were inserted in. An update keeps a document's position; a position, once its document is deleted, is not handed
 * to a later insert of the same collection while a higher one exists (positions only grow within a collection).
 */
export interface NaturalDocument extends StoredDocument {
  position: number;
}

/** One oplog entry: its cluster time as a 64-bit integer (seconds << 32 | increment) and its BSON bytes. */
export interface StoredOplogEntry {
  ts: bigint;
  entry: Uint8Array;
}

/**
 * Key range for scans, on encoded keys, compared bytewise (memcmp; a proper prefix sorts first). All bounds
 * optional; when both `gte` and `gt` (or `lte` and `lt`) are given, both apply.
 */
export interface KeyRange {
  gte?: Uint8Array;
  gt?: Uint8Array;
  lte?: Uint8Array;
  lt?: Uint8Array;
  /** Highest key first (for `scanNatural`, newest first; its key bounds are ignored). */
  reverse?: boolean;
}

/** One index entry: its index key and the key of the record (document) it points to. */
export interface IndexEntry {
  key: Uint8Array;
  recordKey: Uint8Array;
}

/** A position in an index, between entries: the entry `(key, recordKey)` itself is before it going forward. */
export type IndexPosition = IndexEntry;

/**
 * What every scan accepts. A scan is an async iterable that reads `chunkRows` rows at a time and reads the next chunk
 * only once the caller has consumed the current one, so a caller that stops early reads little, and a statement the
 * caller runs between two chunks (in the same transaction) is seen by the later chunks. Like the handle, the iterable
 * is only valid inside the callback that made it.
 */
export interface ScanOptions {
  range?: KeyRange;
  /**
   * Resume after this position in the scan's direction, as if the scan had just returned it: a document key for
   * `scanDocuments`/`inspectDocuments`, an index position for `scanIndex`/`scanIndexDocuments`, a natural position for
   * `scanNatural`. It need not be stored any more.
   */
  after?: Uint8Array | IndexPosition | number;
  /** At most this many rows in all; omitted means all, 0 means none. */
  limit?: number;
  /** Rows per storage read (default `DEFAULT_CHUNK_ROWS`); the chunk is only a cost, never a different result. */
  chunkRows?: number;
}

/** Names one collection's stored data (its uuid). */
export interface CollArgs {
  coll: string;
}

/** Names one index of a collection. */
export interface IndexArgs extends CollArgs {
  index: string;
}

/** Read operations; available inside both `read()` and `write()`. */
export interface StorageReader {
  listCollections(args?: { db?: string }): Promise<CollectionRecord[]>;
  getCollection(args: { db: string; name: string }): Promise<CollectionRecord | null>;

  getDocument(args: CollArgs & { key: Uint8Array }): Promise<Uint8Array | null>;
  /** The documents under `keys`, in the same order, null where there is none: one storage read for many keys. */
  getDocuments(args: CollArgs & { keys: readonly Uint8Array[] }): Promise<(Uint8Array | null)[]>;
  /** Documents in key order within `range`; `after` is a document key. */
  scanDocuments(args: CollArgs & ScanOptions): AsyncIterable<StoredDocument>;
  /**
   * `scanDocuments` for a check of the store (validate): a document failing its checksum is reported with
   * `intact: false` and its bytes as stored, instead of failing the read. An engine without checksums reports every
   * document intact.
   */
  inspectDocuments(args: CollArgs & ScanOptions): AsyncIterable<InspectedDocument>;
  /**
   * Documents in natural (insertion) order, each with its position; `range.reverse` for newest first, `after` a
   * position: resuming a scan after the last position it returned continues where it stopped, whatever was
   * inserted, updated or deleted meanwhile.
   */
  scanNatural(args: CollArgs & ScanOptions): AsyncIterable<NaturalDocument>;
  countDocuments(args: CollArgs): Promise<number>;
  /** Approximate data size of a collection in bytes (sum of document sizes). */
  dataSize(args: CollArgs): Promise<number>;

  /**
   * Entries stored under `index` whose index key lies in `range`, in index-key order and, within one index key, in
   * record-key order (both descending with `reverse`). With `after` (an `IndexPosition`), only the entries past that
   * position in the scan's direction: a long scan resumes where its previous chunk ended, even among many entries
   * sharing one index key.
   */
  scanIndex(args: IndexArgs & ScanOptions): AsyncIterable<IndexEntry>;
  /**
   * `scanIndex` joined to the documents its entries point to (the fetch of an index plan): one storage read per
   * chunk, not one per entry. An entry whose document is gone is skipped; `limit` counts the rows handed out.
   */
  scanIndexDocuments(args: IndexArgs & ScanOptions): AsyncIterable<IndexEntry & { doc: Uint8Array }>;
  /** How many entries `scanIndex` would return for `range` (its `reverse` ignored), without reading them. */
  countIndex(args: IndexArgs & { range?: KeyRange }): Promise<number>;

  /** Entries with `ts > after`, oldest first, at most `limit` (0 means none). `after` below 0 means all. */
  readOplog(args: { after: bigint; limit: number }): Promise<StoredOplogEntry[]>;
  /** Entries with `ts < before`, newest first, at most `limit` (0 means none): the oplog read backwards. */
  readOplogBefore(args: { before: bigint; limit: number }): Promise<StoredOplogEntry[]>;
  /**
   * The times and byte sizes of the entries `readOplog` would return, without their bytes, so without checking
   * them: for oplog retention, which removes old entries whatever they hold.
   */
  oplogEntrySizes(args: { after: bigint; limit: number }): Promise<{ ts: bigint; bytes: number }[]>;
  /** The entry whose time is exactly `ts`, or null (used to check that a resume point is still in the oplog). */
  getOplogEntry(args: { ts: bigint }): Promise<Uint8Array | null>;
  /** The oldest and newest retained entry times, or null when the oplog is empty. */
  oplogBounds(): Promise<{ first: bigint; last: bigint } | null>;
  /** Total size in bytes of the retained entries. */
  oplogSizeBytes(): Promise<number>;

  getMeta(args: { key: string }): Promise<string | null>;

  /**
   * A number that changes whenever the catalog may have changed: at every createCollection, updateCollection,
   * dropCollection and renameCollection, and whenever a write transaction rolls back. While it is unchanged,
   * `getCollection` and `listCollections` answer as they did before, so a caller may cache what they returned.
   * Synchronous and free, unlike the reads it guards.
   */
  catalogVersion(): number;
}

/** Write operations; only inside `write()`. A thrown error rolls every one of them back. */
export interface StorageWriter extends StorageReader {
  /** Throws `StorageError('NamespaceExists')` if db.name exists. */
  createCollection(args: { record: CollectionRecord }): Promise<void>;
  /**
   * Replaces options and indexes of an existing collection (matched by uuid; `db` and `name` of `record` are
   * ignored). Throws `StorageError('NamespaceNotFound')` if no collection has that uuid.
   */
  updateCollection(args: { record: CollectionRecord }): Promise<void>;
  /**
   * Removes the collection, its documents and its index entries. Throws `StorageError('NamespaceNotFound')` if
   * no collection has that uuid.
   */
  dropCollection(args: CollArgs): Promise<void>;
  /**
   * Moves a collection to a new db/name; its uuid, documents and indexes stay. Throws
   * `StorageError('NamespaceNotFound')` for an unknown uuid and `StorageError('NamespaceExists')` when another
   * collection already has the target name (renaming onto its own name is a no-op).
   */
  renameCollection(args: CollArgs & { toDb: string; toName: string }): Promise<void>;

  /**
   * Throws `StorageError('DuplicateKey')` (with `indexName` undefined: the record key) if the key exists.
   * Documents and index entries are not checked against the catalog; the caller names a collection it holds.
   */
  insertDocument(args: CollArgs & StoredDocument): Promise<void>;
  /**
   * Inserts `rows` in order as `insertDocument` would one by one, stopping at the first whose key is already taken
   * (by a stored document or an earlier row): returns how many were inserted, the rows before that one, or
   * `rows.length`. The refused row and those after it are not inserted. An engine may insert many rows per
   * statement; the result is the same.
   */
  insertDocuments(args: CollArgs & { rows: readonly StoredDocument[] }): Promise<number>;
  /** Overwrites an existing document; throws a plain `Error` (a caller bug) if there is none under `key`. */
  updateDocument(args: CollArgs & StoredDocument): Promise<void>;
  /** Removes the document under `key`; a no-op if there is none. */
  deleteDocument(args: CollArgs & { key: Uint8Array }): Promise<void>;

  /**
   * Adds an index entry. With `unique`, throws `StorageError('DuplicateKey')` (its `indexName` set) when
   * another record already holds `key` in that index; the same record holding the same key twice (an array
   * with repeated values) is allowed, and adding an existing (key, recordKey) pair is a no-op.
   */
  insertIndexEntry(args: IndexArgs & IndexEntry & { unique: boolean }): Promise<void>;
  /** Removes one (key, recordKey) pair; a no-op if absent. */
  deleteIndexEntry(args: IndexArgs & IndexEntry): Promise<void>;
  /** Removes every entry of one index (dropIndexes). */
  dropIndexEntries(args: IndexArgs): Promise<void>;

  /**
   * Entries must have strictly increasing `ts` in [0, 2^64), all greater than any stored one; otherwise throws
   * a `RangeError` (a caller bug) and stores none of them.
   */
  appendOplog(args: { entries: StoredOplogEntry[] }): Promise<void>;
  /**
   * Appends change entries (encoded without their time) and gives them consecutive times from the storage's clock,
   * above every time committed before this transaction commits. Null when `entries` is empty. `local`, when given,
   * comes back as the `local` of the tail batch that delivers these entries in this process (the writer's own
   * objects for them, so it need not decode its own entries); other processes never see it.
   */
  appendChanges(args: { entries: Uint8Array[]; local?: unknown }): Promise<AppendedChanges | null>;
  /** Deletes entries with a time below `ts`. */
  truncateOplogBefore(args: { ts: bigint }): Promise<void>;

  setMeta(args: { key: string; value: string }): Promise<void>;
}

/** The times a storage gave a transaction's change entries, first and last. */
export interface AppendedChanges {
  first: bigint;
  last: bigint;
}

/** What `Storage.write` resolves to. */
export interface WriteResult<T> {
  value: T;
  /** The times the storage gave this transaction's change entries, or null when it appended none. */
  changes: AppendedChanges | null;
}

/** A batch of committed entries, in time order, and the time through which this process has seen everything. */
export interface ChangeBatch {
  entries: StoredOplogEntry[];
  through: bigint;
  /** What the writer passed to `appendChanges`, when this process appended these entries itself. */
  local?: unknown;
  /**
   * Set when entries between the tail's previous position and this batch may have been removed before this process
   * read them (another process trimmed the log while this one was cut off): every entry up to this time may be gone,
   * so a reader behind it has lost its history. Every entry after it that still exists is in this batch or later.
   */
  truncatedThrough?: bigint;
}

/** The committed change log as this process receives it. */
export interface ChangeTail {
  /**
   * The committed entries after `after`, as they commit, in time order, with no gap and no repeat: first those
   * already committed, read from storage, then each batch as it arrives.
   */
  from(after: bigint): AsyncIterable<ChangeBatch>;
  /**
   * Calls `listener` with every batch from now on, in time order. The single-writer engines call it synchronously
   * inside the commit's queue turn, before any other queued work starts, so whatever it feeds sees commits in commit
   * order and before the writer's next one. Returns a function that stops the calls.
   */
  listen(listener: (batch: ChangeBatch) => void): () => void;
  /** The highest time through which this process has seen every committed entry: the server's committedTs. */
  readonly through: bigint;
  /** Reads now instead of at the next wake-up; a no-op where commits feed the tail directly. */
  kick(): void;
  /** Resolves once `through` reaches `ts`, or rejects at the deadline (`deadlineMs`, in ms since the epoch). */
  reach(ts: bigint, deadlineMs: number): Promise<void>;
}

export interface Storage {
  /** Which engine: 'sqlite', 'memory' or 'postgres'. */
  readonly engine: string;
  /** True when data outlives the process. */
  readonly persistent: boolean;
  /** The committed change log as this process receives it. */
  readonly tail: ChangeTail;
  /**
   * False when other processes had the store open as this one opened it (several servers on one PostgreSQL
   * database): work that assumes nobody else is running, such as removing the index builds a crash interrupted, is
   * then left alone. Absent or true: this process has the store to itself.
   */
  readonly alone?: boolean;
  /**
   * Whether this process runs the background job `job` (the TTL monitor, the oplog trimmer) now, where several
   * processes share the store: exactly one of them does, and another takes over once it is gone. Absent: this
   * process is the only one, so it always does.
   */
  lead?(job: string): Promise<boolean>;
  read<T>(fn: (reader: StorageReader) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one transaction: all of its writes commit together, or none do. The change entries it appended
   * reach this process's `tail` in commit order (on the single-writer engines, inside the commit's turn). A write that fails for lack of disk space (or past `maxSizeBytes`)
   * is rolled back and rejects with `StorageError('OutOfDiskSpace')`; a file engine then frees its reserved space so
   * that deletes and drops can still run.
   */
  write<T>(fn: (writer: StorageWriter) => Promise<T>): Promise<WriteResult<T>>;
  /**
   * Flushes the write-ahead log into the main file (SQLite checkpoint); a no-op where meaningless. Once it succeeds,
   * a file engine that gave up its reserved space tries to reserve it again.
   */
  checkpoint(): Promise<void>;
  /** Waits for queued work, then releases files and locks. Later calls reject. */
  close(): Promise<void>;
}

/** Receives the storage's notable events (`{msg, component, attr}`), for the server's log. */
export type StorageEventLog = (event: Record<string, unknown>) => void;

export interface StorageOptions {
  /** 'normal' (default) or 'full': SQLite's `synchronous` setting. Ignored by the memory engine. */
  synchronous?: 'normal' | 'full';
  /**
   * Which engine `openStorage` builds: 'sqlite' (default), 'memory' (non-persistent, any path is ignored) or
   * 'postgres' (the path is a postgresql:// URI; the default when it is one).
   */
  engine?: 'sqlite' | 'memory' | 'postgres';
  /**
   * The most the SQLite database may hold, in bytes (SQLite's `max_page_count`): a quota. A write past it fails as
   * one on a full disk does (`OutOfDiskSpace`). Unlimited when absent.
   */
  maxSizeBytes?: number;
  /** Where the storage reports notable events (the reserved disk space released or made again). */
  log?: StorageEventLog;
}

/**
 * The small closed set of failures storage reports; the engine maps them to MongoDB errors. Anything else a
 * storage call throws is a bug or an I/O failure (the engine reports it as InternalError).
 */
export type StorageErrorKind =
  | 'DuplicateKey'
  | 'NamespaceExists'
  | 'NamespaceNotFound'
  | 'DBPathInUse'
  | 'Closed'
  | 'Corrupted'
  | 'OutOfDiskSpace'
  /**
   * A networked engine cannot reach its database (refused, lost, restarting). The operation did not happen, except a
   * write whose COMMIT was under way: its outcome is unknown. The engine reconnects at a later operation.
   */
  | 'Unavailable';

/**
 * The stored record a `Corrupted` failure is about, when it is one record (its checksum does not match its bytes)
 * rather than the whole file: a document, with the bytes as read (which may still name its `_id`), or an oplog entry.
 */
export type CorruptRecord =
  | { kind: 'document'; collUuid: string; key: Uint8Array; doc: Uint8Array }
  | { kind: 'oplogEntry'; ts: bigint };

/**
 * A failure of the closed set; `indexName` is set for a DuplicateKey raised by `insertIndexEntry`, `record` for a
 * Corrupted one about a single record.
 */
export class StorageError extends Error {
  readonly kind: StorageErrorKind;
  readonly indexName: string | undefined;
  readonly record: CorruptRecord | undefined;
  constructor(kind: StorageErrorKind, message: string, indexName?: string, record?: CorruptRecord) {
    super(message);
    this.name = 'StorageError';
    this.kind = kind;
    this.indexName = indexName;
    this.record = record;
  }
}
