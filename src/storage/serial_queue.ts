import { StorageError } from './types.js';
import type { AppendedChanges, WriteResult } from './types.js';

/**
 * The one queue every `read()`, `write()` and `checkpoint()` of a storage goes through, so that a transaction's
 * statements are never interleaved with another caller's across an `await`. Once `close()` is called, new work
 * is refused with `StorageError('Closed')`; work queued before it still runs.
 *
 * Work given to an idle queue starts at once, inside `run()`, rather than a microtask later: an embedded client's
 * write is one short synchronous SQLite transaction, and the hop (two promises per task) was a measurable part of
 * it. Work given to a busy queue starts, in order, as soon as the work before it has settled.
 */
export class SerialQueue {
  private busy = false;
  private readonly waiting: (() => void)[] = [];
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.closing !== null;
  }

  /** Runs `fn` after everything queued before it has settled; rejects with `Closed` after `close()`. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new StorageError('Closed', 'storage is closed'));
    if (!this.busy) {
      this.busy = true;
      return this.start(fn);
    }
    return new Promise<T>((resolve, reject) => {
      this.waiting.push(() => this.start(fn).then(resolve, reject));
    });
  }

  /**
   * Refuses new work, waits for queued work, then runs `release` once. Every call returns the same promise, so
   * closing twice is harmless.
   */
  close(release: () => void | Promise<void>): Promise<void> {
    if (!this.closing) {
      const idle = this.busy ? new Promise<void>((resolve) => (this.drained = resolve)) : Promise.resolve();
      this.closing = idle.then(release);
    }
    return this.closing;
  }

  /** Starts `fn` now (the queue is marked busy); the next waiting task starts once its promise settles. */
  private start<T>(fn: () => Promise<T>): Promise<T> {
    let result: Promise<T>;
    try {
      result = fn();
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(this.next, this.next);
    return result;
  }

  private readonly next = (): void => {
    const task = this.waiting.shift();
    if (task) {
      task();
      return;
    }
    this.busy = false;
    const drained = this.drained;
    this.drained = null;
    drained?.();
  };
}

/** How an engine opens and ends the transactions that {@link readTransaction} and {@link writeTransaction} run. */
export interface TransactionSteps<H> {
  /** Opens a transaction and returns the handle its callback gets. */
  begin(writable: boolean): H;
  /** Ends a read transaction once its callback has settled, whichever way. */
  endRead(handle: H): void;
  /**
   * Keeps a write transaction's changes and returns the times its change entries got; when that fails it discards
   * them and throws. A networked engine's commit is a round trip, so it may return a promise; the queue then waits
   * for it inside the write's turn (an in-process engine returns at once and pays no extra await).
   */
  commit(handle: H): AppendedChanges | null | Promise<AppendedChanges | null>;
  /** Discards a write transaction's changes. */
  rollback(handle: H): void;
}

/** `Storage.read()`: `fn` runs in a read transaction, in its turn on `queue`. */
export function readTransaction<H, T>(queue: Pick<SerialQueue, 'run'>, steps: TransactionSteps<H>, fn: (handle: H) => Promise<T>): Promise<T> {
  return queue.run(async () => {
    const handle = steps.begin(false);
    try {
      return await fn(handle);
    } finally {
      steps.endRead(handle);
    }
  });
}

/**
 * `Storage.write()`: `fn` runs in a write transaction, in its turn on `queue`; if it throws, the transaction rolls
 * back. Otherwise it commits; the commit step feeds the storage's tail before the queue starts other work.
 */
export function writeTransaction<H, T>(
  queue: Pick<SerialQueue, 'run'>,
  steps: TransactionSteps<H>,
  fn: (handle: H) => Promise<T>,
): Promise<WriteResult<T>> {
  return queue.run(async () => {
    const handle = steps.begin(true);
    let result: T;
    try {
      result = await fn(handle);
    } catch (err) {
      steps.rollback(handle);
      throw err;
    }
    const committed = steps.commit(handle);
    const changes = committed instanceof Promise ? await committed : committed;
    return { value: result, changes };
  });
}
