import { BatchQueue } from './batch_queue.js';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { Long, Timestamp } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import { MongoServerError } from '../errors/index.js';
import type { CommandRunner } from './cursor.js';
import type { ClientSession } from './session.js';

/**
 * Events per getMore when the caller sets no batchSize. In process there is no round trip to save, and a stream
 * that fell behind would otherwise take up to 16 MiB of events, copied for it alone, in one reply.
 */
const DEFAULT_GETMORE_BATCH = 1000;

/**
 * How long next() and hasNext() let the server wait when the caller sets no maxAwaitTimeMS. Over a network the
 * server's 1 s default bounds how long a dead client holds a cursor; in process, waking every parked stream once a
 * second only to ask again costs 10,000 idle streams a getMore each per second. Spread over a window, so streams
 * opened together do not all come back in the same tick.
 */
function patientWaitMs(): number {
  return 10_000 + Math.floor(Math.random() * 5_000);
}

/** Options of `watch()`, as the Node driver names them. */
export interface ChangeStreamOptions {
  fullDocument?: 'default' | 'updateLookup' | 'whenAvailable' | 'required';
  fullDocumentBeforeChange?: 'off' | 'whenAvailable' | 'required';
  resumeAfter?: Document;
  startAfter?: Document;
  startAtOperationTime?: Timestamp;
  /** How long `tryNext()` (and each wait of `next()`) lets the server wait for a change. */
  maxAwaitTimeMS?: number;
  batchSize?: number;
  collation?: Document;
  session?: ClientSession;
  showExpandedEvents?: boolean;
  comment?: unknown;
}

/** A change event; fields as MongoDB shapes them (see the README). */
export type ChangeStreamDocument = Document & { _id: Document; operationType: string };

export type WatchTarget = { kind: 'cluster' } | { kind: 'database'; db: string } | { kind: 'collection'; db: string; coll: string };

/** A network-level failure (a dropped connection), which a change stream resumes from like a driver does. */
export class MongoNetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MongoNetworkError';
  }
}

/** Errors the change-streams spec resumes from: network errors, CursorNotFound, and the ResumableChangeStreamError label. */
function isResumable(err: unknown): boolean {
  if (err instanceof MongoNetworkError) return true;
  if (err instanceof MongoServerError) return err.code === 43 || err.hasErrorLabel('ResumableChangeStreamError');
  return false;
}

interface Batch {
  id: Long | number;
  ns: string;
  firstBatch?: Document[];
  nextBatch?: Document[];
  postBatchResumeToken?: Document;
}

/**
 * A change stream, as the Node driver's `ChangeStream`: `next()` waits for the next change, `tryNext()` returns one or
 * null after at most one server wait of `maxAwaitTimeMS`, `resumeToken` follows the spec's caching rules, and a
 * resumable error is retried once with the cached token. Also an EventEmitter ('change', 'error', 'close', 'end',
 * 'resumeTokenChanged') and an async iterable.
 */
export class ChangeStream<TChange extends Document = ChangeStreamDocument> extends EventEmitter implements AsyncIterable<TChange> {
  private buffer = new BatchQueue<Document>();
  private cursorId: Long | null = null;
  private ns = '';
  private postBatchResumeToken: Document | undefined;
  private cachedToken: Document | null;
  private hasReturnedDocument = false;
  private savedOperationTime: Timestamp | undefined;
  private isClosed = false;
  private exhausted = false;
  private opening: Promise<void> | null;
  private streaming = false;
  private busy: Promise<unknown> = Promise.resolve();
  /** Calls of next(), tryNext() and hasNext() started and not yet settled. */
  private inFlight = 0;

  /** @internal Use `client.watch()`, `db.watch()` or `collection.watch()`. */
  constructor(
    private readonly runner: CommandRunner,
    private readonly target: WatchTarget,
    private readonly pipeline: Document[],
    private readonly options: ChangeStreamOptions,
    startAt: Timestamp | undefined,
  ) {
    super();
    this.cachedToken = options.startAfter ?? options.resumeAfter ?? null;
    this.savedOperationTime = options.startAtOperationTime ?? (options.startAfter || options.resumeAfter ? undefined : startAt);
    // The stream starts now: the aggregate runs at once, so changes made right after watch() are seen.
    this.opening = this.open(false).catch((err) => {
      this.opening = Promise.reject(err);
      this.opening.catch(() => undefined);
      throw err;
    });
    this.opening.catch(() => undefined);
    this.on('newListener', (event) => {
      if (event === 'change' && !this.streaming) {
        this.streaming = true;
        setImmediate(() => void this.pump());
      }
    });
  }

  /** The token to resume after the last change returned (or the high-water mark of an idle stream). */
  get resumeToken(): Document | null {
    return this.cachedToken;
  }

  /** False once the stream is closed or was invalidated: it can return nothing more. */
  get alive(): boolean {
    return !this.isClosed && !(this.exhausted && this.buffer.length === 0);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  private dbName(): string {
    return this.target.kind === 'cluster' ? 'admin' : this.target.db;
  }

  private aggregateCommand(resuming: boolean): Document {
    const stage: Document = {};
    const o = this.options;
    if (o.fullDocument !== undefined) stage.fullDocument = o.fullDocument;
    if (o.fullDocumentBeforeChange !== undefined) stage.fullDocumentBeforeChange = o.fullDocumentBeforeChange;
    if (o.showExpandedEvents !== undefined) stage.showExpandedEvents = o.showExpandedEvents;
    if (this.target.kind === 'cluster') stage.allChangesForCluster = true;
    if (resuming && this.cachedToken) {
      if (o.startAfter && !this.hasReturnedDocument) stage.startAfter = this.cachedToken;
      else stage.resumeAfter = this.cachedToken;
    } else if (!resuming && (o.startAfter || o.resumeAfter)) {
      if (o.startAfter) stage.startAfter = o.startAfter;
      if (o.resumeAfter) stage.resumeAfter = o.resumeAfter;
      if (o.startAtOperationTime) stage.startAtOperationTime = o.startAtOperationTime;
    } else if (this.savedOperationTime) {
      stage.startAtOperationTime = this.savedOperationTime;
    }
    const cmd: Document = {
      aggregate: this.target.kind === 'collection' ? this.target.coll : 1,
      pipeline: [{ $changeStream: stage }, ...this.pipeline],
      cursor: o.batchSize !== undefined ? { batchSize: o.batchSize } : {},
    };
    if (o.collation) cmd.collation = o.collation;
    if (o.comment !== undefined) cmd.comment = o.comment;
    return cmd;
  }

  private async open(resuming: boolean): Promise<void> {
    const reply = await this.runner.runCommand(this.dbName(), this.aggregateCommand(resuming), this.options.session);
    const cursor = reply.cursor as Batch;
    if (!resuming && !this.options.startAfter && !this.options.resumeAfter && !this.options.startAtOperationTime && reply.operationTime instanceof Timestamp && !this.savedOperationTime) {
      this.savedOperationTime = reply.operationTime;
    }
    this.absorb(cursor, cursor.firstBatch ?? []);
  }

  private absorb(cursor: Batch, batch: Document[]): void {
    this.ns = cursor.ns;
    const id = cursor.id instanceof Long ? cursor.id : Long.fromNumber(Number(cursor.id));
    this.cursorId = id.isZero() ? null : id;
    if (id.isZero()) this.exhausted = true;
    this.postBatchResumeToken = cursor.postBatchResumeToken;
    this.buffer.push(batch);
    if (batch.length === 0 && this.postBatchResumeToken) this.setToken(this.postBatchResumeToken);
  }

  private setToken(token: Document): void {
    this.cachedToken = token;
    this.emit('resumeTokenChanged', token);
  }

  /** Hands one buffered change to the caller, caching its token by the spec's rules. */
  private take(): TChange {
    const doc = this.buffer.shift()!;
    if (!doc._id) {
      void this.close();
      throw new MongoServerError(280, 'Cannot provide resume functionality when the resume token is missing.');
    }
    this.hasReturnedDocument = true;
    this.setToken(this.buffer.length === 0 && this.postBatchResumeToken ? this.postBatchResumeToken : (doc._id as Document));
    if (this.exhausted && this.buffer.length === 0) this.markClosed();
    return doc as TChange;
  }

  private markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.cursorId = null;
    this.emit('end');
    this.emit('close');
  }

  /** One getMore (waiting at most maxAwaitTimeMS on the server), resuming once on a resumable error. */
  private async getMoreOnce(patient = false): Promise<void> {
    if (this.opening) {
      const opening = this.opening;
      this.opening = null;
      await opening;
      if (this.buffer.length > 0 || this.exhausted) return;
    }
    if (!this.cursorId) return;
    const command: Document = { getMore: this.cursorId, collection: this.ns.slice(this.ns.indexOf('.') + 1) };
    command.batchSize = this.options.batchSize ?? DEFAULT_GETMORE_BATCH;
    if (this.options.maxAwaitTimeMS !== undefined) command.maxTimeMS = this.options.maxAwaitTimeMS;
    else if (patient) command.maxTimeMS = patientWaitMs();
    if (this.options.comment !== undefined) command.comment = this.options.comment;
    try {
      const reply = await this.runner.runCommand(this.dbName(), command, this.options.session);
      if (this.isClosed) return;
      const cursor = reply.cursor as Batch;
      this.absorb(cursor, cursor.nextBatch ?? []);
    } catch (err) {
      if (this.isClosed) return;
      if (!isResumable(err)) throw err;
      const old = this.cursorId;
      this.cursorId = null;
      if (old) {
        await this.runner.runCommand(this.dbName(), { killCursors: this.ns.slice(this.ns.indexOf('.') + 1), cursors: [old] }, this.options.session).catch(() => undefined);
      }
      await this.open(true);
    }
  }

  /**
   * Runs `fn` after the calls before it have settled. With none in flight it starts at once and its own promise is
   * returned: chaining it behind a settled one would cost three microtask hops per call, and every hop on a
   * watcher's path lets a writer in the same process run further ahead of it.
   */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.inFlight === 0 ? fn() : this.busy.then(fn, fn);
    this.inFlight++;
    const settled = (): void => {
      this.inFlight--;
    };
    this.busy = run.then(settled, settled);
    return run;
  }

  /** Waits for the next change. Rejects when the stream is closed or fails without being resumable. */
  next(): Promise<TChange> {
    return this.serial(async () => {
      for (;;) {
        if (this.buffer.length > 0) return this.take();
        if (this.isClosed || (this.exhausted && this.buffer.length === 0)) {
          this.markClosed();
          throw new MongoServerError(1, 'ChangeStream is closed');
        }
        // guard(), inline: one hop fewer per batch.
        try {
          await this.getMoreOnce(true);
        } catch (err) {
          await this.close();
          throw err;
        }
      }
    });
  }

  /** Returns a change if one arrives within one server wait (maxAwaitTimeMS), else null. */
  tryNext(): Promise<TChange | null> {
    return this.serial(async () => {
      if (this.buffer.length > 0) return this.take();
      if (this.isClosed || this.exhausted) {
        this.markClosed();
        return null;
      }
      await this.guard(() => this.getMoreOnce());
      return this.buffer.length > 0 ? this.take() : null;
    });
  }

  /** Waits until a change is available (true) or the stream has ended (false). */
  hasNext(): Promise<boolean> {
    return this.serial(async () => {
      for (;;) {
        if (this.buffer.length > 0) return true;
        if (this.isClosed || this.exhausted) return false;
        await this.guard(() => this.getMoreOnce(true));
      }
    });
  }

  /** A non-resumable error closes the stream, as in the drivers. */
  private async guard(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Closes the stream and frees its server cursor. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    const id = this.cursorId;
    this.buffer.clear();
    this.markClosed();
    if (id) {
      await this.runner.runCommand(this.dbName(), { killCursors: this.ns.slice(this.ns.indexOf('.') + 1), cursors: [id] }, this.options.session).catch(() => undefined);
    }
  }

  private async pump(): Promise<void> {
    while (!this.isClosed) {
      try {
        const change = await this.next();
        this.emit('change', change);
      } catch (err) {
        if (!this.isClosed || !(err instanceof MongoServerError && err.message === 'ChangeStream is closed')) this.emit('error', err);
        return;
      }
    }
  }

  /** A Readable of changes (object mode), like the driver's `stream()`; destroying it closes the stream. */
  stream(): Readable {
    const readable: Readable = new Readable({
      objectMode: true,
      read: () => {
        this.next().then(
          (change) => readable.push(change),
          (err) => (this.isClosed ? readable.push(null) : readable.destroy(err as Error)),
        );
      },
      destroy: (err, callback) => {
        this.close().then(() => callback(err), callback);
      },
    });
    return readable;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<TChange> {
    try {
      while (this.alive) {
        if (!(await this.hasNext())) return;
        yield await this.next();
      }
    } finally {
      await this.close();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

export class ClusterChangeStream<TChange extends Document = ChangeStreamDocument> extends ChangeStream<TChange> {}
export class DatabaseChangeStream<TChange extends Document = ChangeStreamDocument> extends ChangeStream<TChange> {}
export class CollectionChangeStream<TChange extends Document = ChangeStreamDocument> extends ChangeStream<TChange> {}
