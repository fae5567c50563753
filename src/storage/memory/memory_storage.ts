/**
 * The reference storage engine: everything in plain JS structures, nothing persisted. The conformance suite
 * holds every other engine to its behaviour; users get it with `engine: 'memory'`.
 */
import { readTransaction, SerialQueue, writeTransaction, type TransactionSteps } from '../serial_queue.js';
import { InProcessChanges } from '../in_process_changes.js';
import type { ChangeTail, Storage, StorageReader, StorageWriter, WriteResult } from '../types.js';
import { MemoryState } from './memory_state.js';
import { MemoryTransaction } from './memory_transaction.js';

export class MemoryStorage implements Storage {
  readonly engine = 'memory';
  readonly persistent = false;
  private readonly queue = new SerialQueue();
  private state = new MemoryState();
  private readonly changes = new InProcessChanges(0n, 0n);
  readonly tail: ChangeTail = this.changes;

  constructor() {
    this.changes.readCommitted = (after, limit) => this.read((r) => r.readOplog({ after, limit }));
  }

  private readonly transactions: TransactionSteps<MemoryTransaction> = {
    begin: (writable) => {
      const handle = new MemoryTransaction(this.state, writable);
      if (writable) handle.changes = { log: this.changes, pending: this.changes.begin() };
      return handle;
    },
    endRead: (handle) => handle.commit(),
    commit: (handle) => {
      handle.commit();
      return handle.changes ? this.changes.commit(handle.changes.pending) : null;
    },
    rollback: (handle) => handle.rollback(),
  };

  read<T>(fn: (reader: StorageReader) => Promise<T>): Promise<T> {
    return readTransaction(this.queue, this.transactions, fn);
  }

  write<T>(fn: (writer: StorageWriter) => Promise<T>): Promise<WriteResult<T>> {
    return writeTransaction(this.queue, this.transactions, fn);
  }

  /** Nothing to flush; resolves once queued work is done (rejects with `Closed` after `close()`). */
  checkpoint(): Promise<void> {
    return this.queue.run(async () => {});
  }

  close(): Promise<void> {
    return this.queue.close(() => {
      this.state = new MemoryState();
    });
  }
}

/** Opens an empty in-memory storage. */
export function openMemoryStorage(): MemoryStorage {
  return new MemoryStorage();
}
