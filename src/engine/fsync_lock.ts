import { mongoError } from '../errors/index.js';
import type { Operation } from './operation.js';

/**
 * mongod's fsync lock: while it is held (`fsync` with `lock: true`, counted, until as many `fsyncUnlock`s), writes
 * wait and reads go on. A write command waits under its operation, so `maxTimeMS`, killOp or a closed connection end
 * the wait as they end any other; every storage write (`Engine.write`) waits too, so nothing else writes either.
 */
export class FsyncLock {
  private count = 0;
  private readonly waiters = new Set<() => void>();

  get lockCount(): number {
    return this.count;
  }

  get locked(): boolean {
    return this.count > 0;
  }

  /** Takes the lock once more; returns the new count. */
  lock(): number {
    return ++this.count;
  }

  /** Releases one hold; writes resume when none is left. Returns the new count. */
  unlock(): number {
    if (this.count === 0) return 0;
    this.count--;
    if (this.count === 0) this.wake();
    return this.count;
  }

  /** Releases every hold (shutdown). */
  unlockAll(): void {
    this.count = 0;
    this.wake();
  }

  /**
   * Resolves when writes may run. With `op`, the wait ends early with the operation's error when it is killed or
   * reaches its deadline (MaxTimeMSExpired), as a write waiting for mongod's global lock.
   */
  async writesAllowed(op?: Operation): Promise<void> {
    op?.check();
    while (this.count > 0) {
      const remaining = op?.remainingMS;
      let timedOut = false;
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const done = (): void => {
          if (timer !== undefined) clearTimeout(timer);
          op?.signal.removeEventListener('abort', done);
          this.waiters.delete(done);
          resolve();
        };
        if (remaining !== undefined) {
          timer = setTimeout(() => {
            timedOut = true;
            done();
          }, remaining);
        }
        op?.signal.addEventListener('abort', done);
        this.waiters.add(done);
      });
      // A timer may fire a fraction of a millisecond before the deadline by the monotonic clock.
      if (timedOut && this.count > 0) op?.kill(mongoError('MaxTimeMSExpired', 'operation exceeded time limit'));
      op?.check();
    }
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
