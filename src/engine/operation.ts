import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Document } from '../bson/types.js';
import { mongoError, MongoServerError } from '../errors/index.js';
import { checkMemoryBudget } from './memory_budget.js';

/**
 * How long work may hold the event loop before it lets other connections in. Every long loop (a scan, a sort, an
 * aggregation, an index build, a catch-up) calls `Operation.yieldIfDue()` between chunks, so a request can delay
 * another client by about this much, whatever it does.
 */
export const YIELD_EVERY_MS = 10;

/** What `$currentOp` shows of an operation beyond its timing: the command, its namespace and its client. */
export interface OperationInfo {
  /** mongod's `op`: 'command', 'query', 'getmore', 'insert', 'update', 'remove'. */
  op: string;
  ns: string;
  command: Document;
  connectionId: number;
  client: string;
  appName?: string;
  /** The client metadata document of the connection's handshake, when it sent one. */
  clientMetadata?: Document;
  lsid?: Document;
  /** The authenticated user running it (`$currentOp`'s effectiveUsers), as `{user, db}`; none without one. */
  effectiveUsers?: Document[];
}

/**
 * One running command, as mongod's OperationContext: its id in `$currentOp`, its deadline (`maxTimeMS`) and
 * whether it was killed. Work checks it at its yield points; a check after the deadline throws MaxTimeMSExpired (50),
 * after a kill the kill's error (Interrupted 11601, ClientDisconnect 279, InterruptedAtShutdown 11600).
 */
export class Operation {
  readonly startedAt = Date.now();
  private readonly startedTick = performance.now();
  private lastYield = this.startedTick;
  private deadline = Infinity;
  private killedWith: MongoServerError | null = null;
  /** Made on first use: most commands never wait on anything a kill must wake. */
  private abortController: AbortController | undefined;
  /** How many times it let other work run (`numYields` in `$currentOp`). */
  numYields = 0;
  /**
   * What its plans read, for its profile entry and slow-query log line: index keys and documents examined, and the
   * plan's summary (`COLLSCAN`, `IXSCAN { a: 1 }`). The query planner adds to them as its plans run.
   */
  keysExamined = 0;
  docsExamined = 0;
  planSummary: string | undefined;
  /**
   * Ends the wait the operation is parked in, if any (a change stream's getMore): a kill calls it. A plain hook, not
   * a listener on `signal`, because parking happens once per getMore and a listener costs more than the park.
   */
  interruptWait: (() => void) | null = null;

  constructor(readonly opid: number, readonly info: OperationInfo, maxTimeMS?: number) {
    if (maxTimeMS !== undefined) this.limitTime(maxTimeMS);
  }

  /** Sets the `maxTimeMS` deadline, counted from the start; 0 means none, as in mongod. */
  limitTime(maxTimeMS: number): void {
    this.deadline = maxTimeMS > 0 ? this.startedTick + maxTimeMS : Infinity;
  }

  /** Aborted when the operation is killed: waits (a parked change stream, a lock) listen to it. */
  private abort(): AbortController {
    if (!this.abortController) {
      this.abortController = new AbortController();
      if (this.killedWith) this.abortController.abort(this.killedWith);
    }
    return this.abortController;
  }

  get signal(): AbortSignal {
    return this.abort().signal;
  }

  get elapsedMicros(): number {
    return Math.round((performance.now() - this.startedTick) * 1000);
  }

  /** Milliseconds left before `maxTimeMS` runs out, or undefined without one. */
  get remainingMS(): number | undefined {
    return this.deadline === Infinity ? undefined : Math.max(0, this.deadline - performance.now());
  }

  /** Sets a time limit of `ms` from now (a getMore inherits what its cursor's command had left). */
  limitTo(ms: number): void {
    this.deadline = performance.now() + ms;
  }

  get killed(): boolean {
    return this.killedWith !== null;
  }

  /** Interrupts the operation at its next check; the first kill's error is the one reported. */
  kill(error: MongoServerError = mongoError('Interrupted', 'operation was interrupted')): void {
    if (this.killedWith) return;
    this.killedWith = error;
    this.abortController?.abort(error);
    this.interruptWait?.();
  }

  /** Throws when the operation was killed or ran past its time limit. */
  check(): void {
    if (this.killedWith) throw this.killedWith;
    if (this.deadline !== Infinity && performance.now() >= this.deadline) {
      this.kill(mongoError('MaxTimeMSExpired', 'operation exceeded time limit'));
      throw this.killedWith!;
    }
  }

  /**
   * Waits `ms` milliseconds, or less when the operation is killed or reaches its deadline first, then checks it: a
   * kill ends the wait with the kill's error, the deadline with MaxTimeMSExpired, as mongod's interruptible sleep.
   */
  async sleep(ms: number): Promise<void> {
    this.check();
    const remaining = this.remainingMS;
    const hitsDeadline = remaining !== undefined && remaining <= ms;
    const wait = hitsDeadline ? remaining : ms;
    if (wait > 0) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.abort().signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, wait);
        this.abort().signal.addEventListener('abort', done);
      });
    }
    // A timer may fire a fraction of a millisecond before the deadline by the monotonic clock.
    if (hitsDeadline) this.kill(mongoError('MaxTimeMSExpired', 'operation exceeded time limit'));
    this.check();
  }

  /**
   * Lets other connections run when this one has held the event loop for YIELD_EVERY_MS, then checks for a kill or
   * the deadline, and that the process's heap is within its budget (a command over it fails with
   * ExceededMemoryLimit rather than take the process down; background work, opid 0, goes on). Cheap when not due:
   * one clock read and a decrement.
   */
  async yieldIfDue(): Promise<void> {
    const now = performance.now();
    if (now - this.lastYield >= YIELD_EVERY_MS) {
      await nextMacrotask();
      this.numYields++;
      this.lastYield = performance.now();
    }
    this.check();
    if (this.opid !== 0) checkMemoryBudget();
  }
}

/** Work outside any command (background jobs, internal reads): never killed, no deadline, yields all the same. */
export function backgroundOperation(desc: string): Operation {
  return new Operation(0, { op: 'none', ns: '', command: { desc }, connectionId: 0, client: '' });
}

/** The operations in progress, by opid: what `$currentOp` lists and `killOp` kills. One per server. */
export class OperationRegistry {
  private readonly running = new Map<number, Operation>();
  private nextOpid = 1;

  start(info: OperationInfo, maxTimeMS?: number): Operation {
    const op = new Operation(this.nextOpid++, info, maxTimeMS);
    this.running.set(op.opid, op);
    return op;
  }

  finish(op: Operation): void {
    this.running.delete(op.opid);
  }

  list(): Operation[] {
    return [...this.running.values()];
  }

  get(opid: number): Operation | undefined {
    return this.running.get(opid);
  }

  /** Kills every operation of a connection (the client went away: ClientDisconnect, as mongod). */
  killConnection(connectionId: number): void {
    for (const op of this.running.values()) {
      if (op.info.connectionId === connectionId) op.kill(mongoError('ClientDisconnect', 'operation was interrupted because a client disconnected'));
    }
  }

  /** Kills the operations `which` selects with `error` (Interrupted by default); returns how many. */
  killWhere(which: (op: Operation) => boolean, error?: MongoServerError): number {
    let n = 0;
    for (const op of this.running.values()) {
      if (which(op)) {
        op.kill(error);
        n++;
      }
    }
    return n;
  }

  /** Kills every operation, as at shutdown. */
  killAll(error: MongoServerError): void {
    for (const op of this.running.values()) op.kill(error);
  }
}
