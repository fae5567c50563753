import { randomBytes } from 'node:crypto';
import type { Document } from '../bson/types.js';
import type { Operation } from './operation.js';

/** One batch of a cursor. `exhausted` means the cursor has nothing more and is gone (reply id 0). */
export interface CursorBatch {
  docs: Document[];
  exhausted: boolean;
  postBatchResumeToken?: Document;
}

/** A server-side cursor: a find/aggregate result being paged out, or a change stream. */
export interface ServerCursor {
  readonly ns: string;
  readonly kind: 'find' | 'changeStream';
  /** The aggregate/find that created it, for error labelling ('aggregate' | 'find'). */
  readonly originatingCommand: string;
  /** Whatever the creating command wants to remember (lsid, comment). */
  readonly lsid?: Document;
  /** A tailable awaitData find cursor: its getMore's `maxTimeMS` is how long it waits for new documents. */
  readonly awaitData?: boolean;
  /**
   * The next batch; `signal` aborts a waiting change-stream getMore when the cursor is killed, and a kill of `op`
   * (the getMore's operation: killOp, a closed connection) ends the wait with the kill's error.
   */
  next(batchSize: number, maxTimeMS: number | undefined, signal: AbortSignal, op?: Operation): Promise<CursorBatch>;
  close(): void;
}

interface Entry {
  cursor: ServerCursor;
  createdAt: number;
  lastUsed: number;
  busy: boolean;
  abort: AbortController;
  /** Who opened it and what it needs, when access control is on (opaque to the engine; see commands/support). */
  owner?: unknown;
}

/** An open cursor no getMore is using, as `$currentOp` reports it with `idleCursors: true`. */
export interface IdleCursor {
  id: bigint;
  cursor: ServerCursor;
  createdAt: Date;
  lastUsed: Date;
}

/** Idle cursors are reaped after this long, as mongod's cursorTimeoutMillis default. */
export const CURSOR_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Cursor ids (positive Int64, never 0) to live cursors. A killed cursor is gone at once: the next getMore gets
 * CursorNotFound, and a getMore waiting on it is aborted (and answers CursorKilled).
 */
export class CursorRegistry {
  private readonly cursors = new Map<bigint, Entry>();
  private reaper: NodeJS.Timeout | undefined;

  register(cursor: ServerCursor): bigint {
    let id = 0n;
    while (id === 0n || this.cursors.has(id)) id = randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn;
    const now = Date.now();
    this.cursors.set(id, { cursor, createdAt: now, lastUsed: now, busy: false, abort: new AbortController() });
    this.startReaper();
    return id;
  }

  /** Looks a cursor up for a getMore; marks it busy. Returns null when unknown. */
  checkOut(id: bigint): { cursor: ServerCursor; signal: AbortSignal; busy: boolean } | null {
    const entry = this.cursors.get(id);
    if (!entry) return null;
    const wasBusy = entry.busy;
    entry.busy = true;
    entry.lastUsed = Date.now();
    return { cursor: entry.cursor, signal: entry.abort.signal, busy: wasBusy };
  }

  /** Ends a getMore: keeps the cursor, or removes it when exhausted. */
  checkIn(id: bigint, exhausted: boolean): void {
    const entry = this.cursors.get(id);
    if (!entry) return;
    entry.busy = false;
    entry.lastUsed = Date.now();
    if (exhausted) {
      this.cursors.delete(id);
      entry.cursor.close();
    }
  }

  has(id: bigint): boolean {
    return this.cursors.has(id);
  }

  peek(id: bigint): ServerCursor | undefined {
    return this.cursors.get(id)?.cursor;
  }

  /** Records who opened the cursor, for the getMore and killCursors checks of access control. */
  setOwner(id: bigint, owner: unknown): void {
    const entry = this.cursors.get(id);
    if (entry) entry.owner = owner;
  }

  ownerOf(id: bigint): unknown {
    return this.cursors.get(id)?.owner;
  }

  /** Frees a cursor; a getMore waiting on it is aborted. Returns false when it did not exist. */
  kill(id: bigint): boolean {
    const entry = this.cursors.get(id);
    if (!entry) return false;
    this.cursors.delete(id);
    entry.abort.abort();
    entry.cursor.close();
    return true;
  }

  /** Kills every cursor of a session (endSessions / killAllSessions). */
  killWhere(predicate: (cursor: ServerCursor) => boolean): number {
    let n = 0;
    for (const [id, entry] of [...this.cursors]) {
      if (predicate(entry.cursor)) {
        this.kill(id);
        n++;
      }
    }
    return n;
  }

  killAll(): void {
    for (const id of [...this.cursors.keys()]) this.kill(id);
    if (this.reaper) clearInterval(this.reaper);
    this.reaper = undefined;
  }

  get size(): number {
    return this.cursors.size;
  }

  /** The open cursors not serving a getMore right now, in the order they were opened. */
  idle(): IdleCursor[] {
    const out: IdleCursor[] = [];
    for (const [id, entry] of this.cursors) {
      if (!entry.busy) out.push({ id, cursor: entry.cursor, createdAt: new Date(entry.createdAt), lastUsed: new Date(entry.lastUsed) });
    }
    return out;
  }

  /** Every open cursor of `kind`, busy or not, in the order they were opened. */
  ofKind(kind: ServerCursor['kind']): { id: bigint; cursor: ServerCursor; busy: boolean }[] {
    const out: { id: bigint; cursor: ServerCursor; busy: boolean }[] = [];
    for (const [id, entry] of this.cursors) if (entry.cursor.kind === kind) out.push({ id, cursor: entry.cursor, busy: entry.busy });
    return out;
  }

  /** Reaps cursors idle longer than `timeoutMs` (not ones serving a getMore). */
  reap(now = Date.now(), timeoutMs = CURSOR_TIMEOUT_MS): number {
    let n = 0;
    for (const [id, entry] of [...this.cursors]) {
      if (!entry.busy && now - entry.lastUsed > timeoutMs) {
        this.kill(id);
        n++;
      }
    }
    return n;
  }

  private startReaper(): void {
    if (this.reaper) return;
    this.reaper = setInterval(() => this.reap(), 60_000);
    this.reaper.unref();
  }
}
