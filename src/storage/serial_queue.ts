import { StorageError } from './types.js';

/**
 * The one queue every `read()`, `write()` and `checkpoint()` of a storage goes through, so that a transaction's
 * statements are never interleaved with another caller's across an `await`. Once `close()` is called, new work
 * is refused with `StorageError('Closed')`; work queued before it still runs.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.closing !== null;
  }

  /** Runs `fn` after everything queued before it has settled; rejects with `Closed` after `close()`. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new StorageError('Closed', 'storage is closed'));
    const result = this.tail.then(fn);
    // The next caller waits for this one to settle, whatever its outcome.
    this.tail = result.then(ignore, ignore);
    return result;
  }

  /**
   * Refuses new work, waits for queued work, then runs `release` once. Every call returns the same promise, so
   * closing twice is harmless.
   */
  close(release: () => void | Promise<void>): Promise<void> {
    if (!this.closing) this.closing = this.tail.then(release);
    return this.closing;
  }
}

function ignore(): void {}
