import { Long, serialize, type Document } from '../../bson/index.js';
import { StorageError, type StorageReader } from '../../storage/types.js';
import type { OplogEntry } from '../../oplog/entry.js';
import type { Engine, PendingEntry, WriteContext } from '../engine.js';
import { getCollectionInfo, publicSpec, type CollectionInfo } from '../catalog.js';
import { BufferedWriter, SnapshotReader, writeConflict, WriteBuffer } from './snapshot_view.js';
import type { VersionStore } from './version_store.js';
import { recordCommittedTransaction } from '../retryable_writes.js';

export type TransactionState = 'inProgress' | 'committed' | 'aborted';

/**
 * One multi-document transaction (https://www.mongodb.com/docs/manual/core/transactions/): it reads the store as of
 * its snapshot plus its own writes, buffers its writes, and at commit checks them for conflicts and applies them,
 * with their change entries, in one storage transaction. Until then nobody else sees them; an abort discards them.
 * The engine keeps serving everyone else meanwhile: an open transaction holds no lock.
 */
export class Transaction {
  state: TransactionState = 'inProgress';
  readonly buffer = new WriteBuffer();
  /** Change entries in statement order, stamped only at commit. */
  private readonly entries: { pending: PendingEntry; bytes?: Uint8Array }[] = [];
  /** The engine as this transaction's commands see it: reads and writes go through the snapshot and the buffer. */
  readonly engine: Engine;
  /** When the transaction began (ms since the epoch), for its lifetime limit. */
  readonly startedAt = Date.now();
  /**
   * The indexes of each collection as its first statement here saw them (by uuid): a statement computes the index
   * entries of what it writes then, so the commit must find the same indexes (see `commit`).
   */
  private readonly indexesSeen = new Map<string, { db: string; name: string; indexes: string }>();

  constructor(
    private readonly base: Engine,
    private readonly versions: VersionStore,
    readonly session: string,
    readonly lsid: Document,
    readonly txnNumber: bigint,
    /** The committed time it reads at. */
    readonly snapshot: bigint,
    private readonly writtenByOthers: (self: Transaction, uuid: string, keyHex: string) => boolean,
  ) {
    this.engine = engineView(base, (r) => this.reader(r), (r) => this.writeContext(r));
  }

  private reader(inner: StorageReader): SnapshotReader {
    this.checkOpen();
    return new SnapshotReader(inner, this.versions, this.snapshot, this.buffer);
  }

  private writeContext(inner: StorageReader): WriteContext {
    this.checkOpen();
    const writer = new BufferedWriter(inner, this.versions, this.snapshot, this.buffer, (uuid, hex) => this.writtenByOthers(this, uuid, hex));
    return {
      writer,
      log: (pending, bytes) => {
        this.entries.push({ pending, bytes });
        // Stamped at commit; callers only need the shape.
        return { ...pending, ts: 0n, wall: new Date(0) } as OplogEntry;
      },
      collection: async (db, name) => {
        const info = await getCollectionInfo(writer, db, name);
        if (info && !this.indexesSeen.has(info.uuid)) this.indexesSeen.set(info.uuid, { db, name, indexes: indexListOf(info) });
        return info;
      },
      cachedCollection: () => undefined,
      inTransaction: true,
    };
  }

  private checkOpen(): void {
    if (this.state !== 'inProgress') throw new Error(`transaction ${this.txnNumber} is ${this.state}`);
  }

  /** True when the transaction has written the document (for the other transactions' conflict checks). */
  wrote(uuid: string, keyHex: string): boolean {
    return this.state === 'inProgress' && this.buffer.wrote(uuid, keyHex);
  }

  /**
   * Applies the buffered writes and their change entries in one storage transaction, after checking that no document
   * the transaction wrote changed since its snapshot. Throws a TransactionConflict (nothing applied) otherwise.
   */
  async commit(): Promise<void> {
    if (this.buffer.ops.length > 0 || this.entries.length > 0) {
      await this.base.write(async (ctx) => {
        for (const [uuid, byKey] of this.buffer.docs) {
          if (this.versions.foreignChangedSince(uuid, this.snapshot)) throw writeConflict();
          for (const hex of byKey.keys()) if (this.versions.conflicts(uuid, hex, this.snapshot)) throw writeConflict();
        }
        // An index added (or dropped) since a statement wrote: its buffered index entries miss it (an index build
        // started meanwhile would lack these documents). mongod's index builds wait for such transactions; here
        // the transaction conflicts instead, and the driver retries it.
        for (const [uuid, seen] of this.indexesSeen) {
          if (!this.buffer.docs.has(uuid) || this.buffer.collections.has(uuid)) continue;
          const now = await getCollectionInfo(ctx.writer, seen.db, seen.name);
          if (!now || now.uuid !== uuid || indexListOf(now) !== seen.indexes) throw writeConflict();
        }
        try {
          for (const op of this.buffer.ops) await op(ctx.writer);
        } catch (err) {
          // The store refused what the buffer allowed: someone else changed the same keys or collections meanwhile.
          if (err instanceof StorageError && (err.kind === 'DuplicateKey' || err.kind === 'NamespaceExists' || err.kind === 'NamespaceNotFound')) throw writeConflict();
          throw err;
        }
        for (const { pending, bytes } of this.entries) ctx.log({ ...pending, lsid: this.lsid, txnNumber: Long.fromBigInt(this.txnNumber) }, bytes);
        await recordCommittedTransaction(ctx, this.session, this.txnNumber);
      });
    }
    this.state = 'committed';
  }

  abort(): void {
    this.state = 'aborted';
  }

  /**
   * Drops the buffered writes once the transaction has ended: the session keeps the transaction (a retried commit
   * answers from its state) but not what it wrote, which may be large.
   */
  release(): void {
    this.buffer.clear();
    this.entries.length = 0;
  }
}

/** The collection's indexes, ready or building alike (a write maintains both), as one comparable string. */
function indexListOf(info: CollectionInfo): string {
  return info.indexes.map((spec) => Buffer.from(serialize(publicSpec(spec))).toString('hex')).join(',');
}

/**
 * The engine itself, with read() and write() going through a snapshot: every engine function a command calls (find,
 * insert, update, aggregate, ...) then runs unchanged on it. Both run inside a storage read: a transaction's writes
 * go to its buffer, never to the store.
 */
function engineView(base: Engine, reader: (inner: StorageReader) => StorageReader, writeContext: (inner: StorageReader) => WriteContext): Engine {
  const view = Object.create(base) as Engine;
  Object.defineProperties(view, {
    read: { value: <T>(fn: (reader: StorageReader) => Promise<T>) => base.read((r) => fn(reader(r))) },
    write: { value: <T>(fn: (ctx: WriteContext) => Promise<T>) => base.read((r) => fn(writeContext(r))) },
  });
  return view;
}

/** A read-only view of the engine at `ts` (a snapshot read outside a transaction). */
export function snapshotView(base: Engine, versions: VersionStore, ts: bigint): Engine {
  const empty = new WriteBuffer();
  return engineView(base, (r) => new SnapshotReader(r, versions, ts, empty), () => {
    throw new Error('a snapshot read cannot write');
  });
}
