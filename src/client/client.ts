import { ObjectId } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import { openStorage, StorageError, type StorageOptions } from '../storage/index.js';
import { mongoError } from '../errors/index.js';
import { Engine } from '../engine/engine.js';
import { ServerContext, type ConnectionState } from '../commands/support/context.js';
import { dispatch } from '../commands/dispatch.js';
import { CloseConnectionRequested } from '../commands/support/close_connection.js';
import { toTimestamp } from '../oplog/cluster_clock.js';
import { changeStreamStats } from '../changestream/stream_stats.js';
import { errorFromReply, toInternal, toUser } from './codec.js';
import { ClientSession } from './session.js';
import { ClusterChangeStream, MongoNetworkError, type ChangeStreamDocument, type ChangeStreamOptions } from './change_stream.js';
import type { CommandRunner } from './cursor.js';
import { Db } from './db.js';

export interface ClientOptions {
  /** SQLite's durability: 'normal' (default) or 'full' (fsync at every commit). */
  synchronous?: StorageOptions['synchronous'];
  /**
   * 'sqlite' (default), 'memory' (the reference engine; data dies with the process) or 'postgres' (the default when
   * the path is a postgresql:// URI).
   */
  engine?: StorageOptions['engine'];
  /**
   * Oplog retention in megabytes, as mongod's --oplogSizeMB. Unlimited when absent: unlike the server, an embedded
   * client does not size its oplog from the free disk space; pass a size to bound it.
   */
  oplogSizeMB?: number;
  /** Oplog entries newer than this many hours are kept whatever the size, as mongod's --oplogMinRetentionHours. */
  oplogMinRetentionHours?: number;
  /** Enables configureFailPoint, as mongod's enableTestCommands. */
  enableTestCommands?: boolean;
  /** @internal Budget in bytes of the change-stream fan-out cache (default 64 MiB); for tests. */
  oplogCacheBytes?: number;
}

/** A failure of the dispatcher as the caller sees it: a closed connection is a network error, as with a driver. */
function clientError(err: unknown): unknown {
  return err instanceof CloseConnectionRequested ? new MongoNetworkError('connection closed') : err;
}

/**
 * The embedded eddydb client: `Client.open(path?)` opens (or creates) a database folder, a memory database, or a
 * PostgreSQL database (a postgresql:// URI), and offers the Node driver's API on it. Every call goes through the same command dispatcher the wire server uses.
 */
export class Client implements CommandRunner {
  private readonly connection: ConnectionState = { id: 0, remoteAddress: 'embedded', localAddress: 'embedded', state: {} };
  private closed = false;

  private constructor(private readonly context: ServerContext) {}

  /**
   * Opens a client on a folder (file-backed SQLite, created if missing), on a PostgreSQL database (a `postgresql://`
   * URI: the postgres engine keeps its tables in schema `eddydb` there), or, with no path or ':memory:', on a memory
   * database. A folder (or PostgreSQL database) another process holds fails with DBPathInUse.
   */
  static async open(path?: string, options: ClientOptions = {}): Promise<Client> {
    let storage;
    try {
      storage = await openStorage(path, { synchronous: options.synchronous, engine: options.engine });
    } catch (err) {
      if (err instanceof StorageError && err.kind === 'DBPathInUse') throw mongoError('DBPathInUse', err.message);
      if (err instanceof StorageError && err.kind === 'Corrupted') throw mongoError('InternalError', err.message);
      throw err;
    }
    const engine = await Engine.open(storage, {
      oplogSizeBytes: options.oplogSizeMB !== undefined ? Math.floor(options.oplogSizeMB * 1024 * 1024) : undefined,
      oplogMinRetentionHours: options.oplogMinRetentionHours,
      oplogCacheBytes: options.oplogCacheBytes,
    });
    const context = new ServerContext(engine, {
      replSetName: 'rs0',
      enableTestCommands: options.enableTestCommands ?? false,
      argv: [],
      parsed: {},
    }, new ObjectId('7fffffff0000000000000001'));
    return new Client(context);
  }

  /** @internal The shared engine context (for tests and the server). */
  get serverContext(): ServerContext {
    return this.context;
  }

  /** Runs a command document against `db` and returns the reply, or throws the MongoServerError it carries. */
  async runCommand(db: string, command: Document, session?: ClientSession): Promise<Document> {
    // One await between the dispatcher and the caller: a change stream's getMore comes through here for every
    // batch, and each extra hop lets a writer in the same process run ahead of its watcher.
    let reply: Document;
    try {
      reply = await dispatch(this.context, this.internalCommand(db, command, session), this.connection);
    } catch (err) {
      throw clientError(err);
    }
    const out = toUser(reply);
    if (out.ok !== 1) throw errorFromReply(out);
    return out;
  }

  /**
   * @internal Runs a command and returns the reply as the dispatcher gave it, in the engine's internal form (Int32,
   * Long, ... not promoted), ok or not. For the client's own methods, which read a field or two of a reply and
   * would waste a copy of all of it; what they hand to the caller they convert with `toUser`.
   */
  async dispatchCommand(db: string, command: Document, session?: ClientSession): Promise<Document> {
    try {
      return await dispatch(this.context, this.internalCommand(db, command, session), this.connection);
    } catch (err) {
      throw clientError(err);
    }
  }

  /** The command as the dispatcher takes it: `$db` and the session added, in the engine's form (see codec.ts). */
  private internalCommand(db: string, command: Document, session: ClientSession | undefined): Document {
    if (this.closed) throw new MongoNetworkError('Client is closed');
    // Object.assign, not `{...command, $db}`: V8's slow path for fields after a spread. A `__proto__` field of the
    // caller's (from JSON.parse, say) must stay a field, which only the spread keeps.
    const cmd: Document = Object.prototype.hasOwnProperty.call(command, '__proto__') ? { ...command } : Object.assign({}, command);
    cmd.$db = db;
    if (session) {
      if (session.hasEnded) throw new Error('Cannot use a session that has ended');
      cmd.lsid = session.id;
      session.applyTransaction(cmd);
    }
    return toInternal(cmd);
  }

  db(name = 'test'): Db {
    return new Db(this, name);
  }

  /** Watches every database but admin, config and local. */
  watch<TChange extends Document = ChangeStreamDocument>(pipeline: Document[] = [], options: ChangeStreamOptions = {}): ClusterChangeStream<TChange> {
    return new ClusterChangeStream<TChange>(this, { kind: 'cluster' }, pipeline, options, this.startAt());
  }

  /** @internal The cluster time a stream opened now starts at (the next change), fixed before any await. */
  startAt() {
    return toTimestamp(this.context.engine.committedTs + 1n);
  }

  /**
   * The open change streams of this database, in the order they were opened, with the figures `$currentOp` shows
   * in their `changeStream` document, after the stream's `cursorId`: events returned, position, lag, history left.
   */
  async changeStreamStats(): Promise<Document[]> {
    if (this.closed) throw new MongoNetworkError('Client is closed');
    return (await changeStreamStats(this.context.engine)).map((doc) => toUser(doc));
  }

  startSession(): ClientSession {
    return new ClientSession(
      async (lsid) => {
        if (!this.closed) await this.runCommand('admin', { endSessions: [lsid] }).catch(() => undefined);
      },
      (command, session) => this.runCommand('admin', command, session),
    );
  }

  /** Ends every cursor and stream, checkpoints and releases the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.context.engine.storage.checkpoint().catch(() => undefined);
    await this.context.engine.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
