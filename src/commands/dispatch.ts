import { isDocument, toBigInt, type Document } from '../bson/types.js';
import { opType } from './support/op_type.js';
import { isOverMemoryBudget, memoryBudgetExceeded } from '../engine/memory_budget.js';
import type { OperationInfo } from '../engine/operation.js';
import { asServerError, mongoError, MongoServerError } from '../errors/index.js';
import { errorLabels } from './support/error_labels.js';
import { journaled, unsatisfiableWriteConcern } from './support/write_concern.js';
import type { Transaction } from '../engine/transactions/transaction.js';
import { TransactionConflict } from '../engine/transactions/snapshot_view.js';
import type { CommandContext, CommandDefinition, ConnectionState, ServerContext } from './support/context.js';
import { addClusterTimeFields } from './support/reply.js';
import { findCommand } from './registry.js';
import { CloseConnectionRequested } from './support/close_connection.js';
import { FailedBeforeCommit } from './support/retryable_write.js';
import { enterTransaction, isInTransaction } from './support/transaction.js';
import { enterSnapshotRead, isSnapshotRead, withAtClusterTime } from './support/snapshot_read.js';
import { checkClusterTime } from './support/cluster_time.js';
import { sessionOfCommand } from './support/session_args.js';
import { maxTimeMSArg } from './support/generic_arguments.js';
import { decide, profileEntry, PROFILING_OFF, slowQueryAttributes, type DatabaseProfile, type FinishedCommand } from './support/profiler.js';
import { appendProfileEntry } from '../engine/profile_collection.js';
import type { LatencyKind } from '../engine/top.js';
import { authenticatedUsers, authorizeCommand, recordCursorOwner } from './support/authorize.js';
import { commandForLogging } from './support/redact.js';

export { CloseConnectionRequested };

function isChangeStreamAggregate(cmd: Document): boolean {
  const pipeline = cmd.pipeline;
  return Array.isArray(pipeline) && isDocument(pipeline[0]) && Object.keys(pipeline[0])[0] === '$changeStream';
}

function isChangeStreamGetMore(server: ServerContext, cmd: Document): boolean {
  const id = toBigInt(cmd.getMore);
  return id !== null && server.engine.cursors.peek(id)?.kind === 'changeStream';
}

/**
 * The commands still answered when the heap is over its budget: the handshake and ping, so that clients keep their
 * connections and see the server alive, and the commands that end work and free memory.
 */
const ANSWERED_OVER_MEMORY_BUDGET: ReadonlySet<string> = new Set([
  'abortTransaction', 'currentOp', 'endSessions', 'getParameter', 'hello', 'killAllSessions', 'killAllSessionsByPattern',
  'killCursors', 'killOp', 'killSessions', 'ping', 'serverStatus',
]);

/**
 * What `failCommand` does to one command: an error to answer with, or a writeConcernError. `labels`: the fail
 * point's `errorLabels`, which replace the server's own; absent, the server labels the reply as it would.
 */
interface InjectedFailure {
  error?: MongoServerError;
  writeConcernError?: Document;
  labels?: string[];
}

/** Applies `failCommand` to this command if it is configured for it. */
async function applyFailCommand(server: ServerContext, name: string, cmd: Document, ctx: CommandContext): Promise<InjectedFailure | null> {
  if (!server.options.enableTestCommands) return null;
  const data = server.failPoints.trigger('failCommand', (d) => {
    const names = Array.isArray(d.failCommands) ? d.failCommands : [];
    if (!names.includes(name)) return false;
    if (typeof d.appName === 'string' && d.appName !== ctx.connection.state.appName) return false;
    if (typeof d.namespace === 'string') {
      const coll = typeof cmd[name] === 'string' ? cmd[name] : undefined;
      if (`${ctx.db}.${coll}` !== d.namespace && ctx.db !== d.namespace) return false;
    }
    return true;
  });
  if (!data) return null;
  // Interruptible, as mongod's: killOp, a closed connection or maxTimeMS ends the block with their error.
  if (data.blockConnection === true) await ctx.op.sleep(Number(data.blockTimeMS ?? 0));
  if (data.closeConnection === true) throw new CloseConnectionRequested();
  const labels = Array.isArray(data.errorLabels) ? data.errorLabels.map(String) : undefined;
  if (data.errorCode !== undefined) {
    const err = new MongoServerError(Number(data.errorCode), typeof data.errmsg === 'string' ? data.errmsg : `Failing command via 'failCommand' failpoint`);
    err.errorLabels = labels ?? [];
    return { error: err, labels };
  }
  return isDocument(data.writeConcernError) ? { writeConcernError: data.writeConcernError, labels } : null;
}

/**
 * Runs one command document and returns its reply, never throwing a MongoDB error: failures become
 * `{ok: 0, errmsg, code, codeName, errorLabels?}`. Every reply carries operationTime and $clusterTime.
 * The in-process client and the wire server both come through here.
 */
export async function dispatch(server: ServerContext, cmd: Document, connection: ConnectionState, extras?: Partial<CommandContext>): Promise<Document> {
  const name = firstKey(cmd);
  const db = typeof cmd.$db === 'string' ? cmd.$db : 'admin';
  const lsid = isDocument(cmd.lsid) ? cmd.lsid : undefined;
  const op = server.operations.start(operationInfo(name, db, commandForLogging(name, cmd), connection, lsid));
  try {
    return await runCommand(server, cmd, name, { server, engine: server.engine, connection, op, db, lsid, ...extras });
  } finally {
    server.operations.finish(op);
  }
}

/** The `recoveryToken` of a router's replies inside a transaction: every server shares the one store. */
const RECOVERY_TOKEN = Object.freeze({ recoveryShardId: 'eddydb' });

async function runCommand(server: ServerContext, cmd: Document, name: string, ctx: CommandContext): Promise<Document> {
  const db = ctx.db;
  const profileAtStart = server.profiler.idle ? PROFILING_OFF : server.profiler.of(db);
  const changeStream = (name === 'aggregate' && isChangeStreamAggregate(cmd)) || (name === 'getMore' && isChangeStreamGetMore(server, cmd));
  let reply: Document;
  let injected: InjectedFailure | null = null;
  let txn: Transaction | undefined;
  try {
    if (server.engine.isClosed) throw mongoError('ShutdownInProgress', 'The server is in quiesce mode and will shut down');
    const command: CommandDefinition | undefined = findCommand(name, server.options.enableTestCommands);
    if (!command) throw mongoError('CommandNotFound', `no such command: '${name}'`);
    if (!ANSWERED_OVER_MEMORY_BUDGET.has(command.name) && isOverMemoryBudget()) throw memoryBudgetExceeded();
    const session = sessionOfCommand(cmd);
    // The clock is read only for a command that gossips a cluster time (drivers over the wire; never in process).
    if (cmd.$clusterTime !== undefined) checkClusterTime(cmd, server.engine.options.now?.() ?? Date.now());
    if (session && !command.ignoresSession) server.engine.sessions.vivify(session);
    if (command.adminOnly && db !== 'admin') throw mongoError('Unauthorized', `${name} may only be run against the admin database.`);
    if (server.options.auth) await authorizeCommand(command.name, cmd, ctx);
    applyTimeLimit(server, command.name, cmd, ctx);
    // Fail points exist only with test commands enabled; without them, no await.
    if (server.options.enableTestCommands) injected = await applyFailCommand(server, command.name, cmd, ctx);
    if (injected?.error) throw injected.error;
    // After failCommand: a failed first command must not have started the transaction, and an injected failure
    // leaves an open one as it was (the driver may retry the operation inside it).
    if (isInTransaction(cmd)) txn = await enterTransaction(command.name, cmd, ctx);
    const snapshotTs = isSnapshotRead(cmd) ? await enterSnapshotRead(command.name, cmd, ctx) : undefined;
    // A write waits out the fsync lock under its own operation, so maxTimeMS or a kill ends the wait.
    if (server.engine.fsyncLock.locked && WAITS_FOR_FSYNC_LOCK.has(command.name)) await server.engine.fsyncLock.writesAllowed(ctx.op);
    const result = await command.run(cmd, ctx);
    if (ctx.closeConnection) throw new CloseConnectionRequested();
    if (snapshotTs !== undefined && command.name !== 'getMore' && command.name !== 'killCursors') withAtClusterTime(result, snapshotTs);
    // A statement that failed inside a transaction aborts it, as in mongod.
    if (txn && Array.isArray(result.writeErrors) && result.writeErrors.length > 0) server.engine.transactions.abort(txn);
    reply = withOk(result);
    // A mongos hands drivers a token to finish a transaction through another router; any server here can.
    if (server.options.router && isInTransaction(cmd)) reply.recoveryToken = RECOVERY_TOKEN;
    if (ctx.authz) recordCursorOwner(command.name, cmd, ctx, reply);
    // j: true asks that the write be on disk before it is acknowledged: SQLite in WAL mode with synchronous=normal
    // syncs at checkpoints, so one is taken now (a no-op for the memory engine).
    if (journaled(cmd) && (command.name === 'commitTransaction' || !isInTransaction(cmd))) await server.engine.storage.checkpoint();
    const writeConcernError = injected?.writeConcernError ?? unsatisfiableWriteConcern(cmd.writeConcern);
    if (writeConcernError) {
      reply.writeConcernError = writeConcernError;
      const labels = injected?.labels ?? errorLabels(command.name, cmd, undefined, Number(writeConcernError.code), false);
      if (labels.length > 0) reply.errorLabels = labels;
    }
  } catch (err) {
    if (txn) server.engine.transactions.abort(txn);
    if (err instanceof CloseConnectionRequested) throw err;
    if (err instanceof FailedBeforeCommit && ctx.closeConnection) throw new CloseConnectionRequested();
    const error = err instanceof FailedBeforeCommit || err instanceof TransactionConflict ? err.toServerError() : asServerError(err);
    // failCommand's errorLabels replace the server's own; without them the error is labelled as any other, except
    // that a failCommand error never counts as a change stream's (mongod fails the command before it has parsed it).
    const fromFailCommand = injected !== null && error === injected.error;
    if (!fromFailCommand || injected?.labels === undefined) {
      for (const label of errorLabels(name, cmd, error.code, undefined, changeStream && !fromFailCommand)) error.addErrorLabel(label);
    }
    reply = error.toReply();
    if (error.code === 1 && server.options.log) {
      server.options.log({ msg: 'Command failed with an internal error', command: name, error: String((err as Error)?.stack ?? err) });
    }
  }
  // Users and roles are documents in admin: any write there may have changed someone's privileges.
  if (db === 'admin' && WAITS_FOR_FSYNC_LOCK.has(name)) server.accessControl.invalidate();
  finishCommand(server, name, commandForLogging(name, cmd), ctx, reply, profileAtStart);
  // `reply` is this call's own object (a copy of the result, or the error's fresh reply).
  return addClusterTimeFields(reply, server.engine);
}

/**
 * The commands that write, which wait while `fsync` holds its lock, as they wait for mongod's global lock. Any other
 * storage write (a `$merge`, a commit) waits in `Engine.write` all the same.
 */
const WAITS_FOR_FSYNC_LOCK = new Set([
  'insert', 'update', 'delete', 'findAndModify', 'bulkWrite', 'create', 'drop', 'dropDatabase', 'createIndexes',
  'dropIndexes', 'collMod', 'renameCollection', 'commitTransaction',
]);

/** The kind of latency a command counts as, per collection (mongod's Command::ReadWriteType). */
function latencyKind(name: string): LatencyKind {
  switch (name) {
    case 'find':
    case 'getMore':
    case 'count':
    case 'distinct':
    case 'aggregate':
      return 'reads';
    case 'insert':
    case 'update':
    case 'delete':
    case 'findAndModify':
      return 'writes';
    default:
      return 'commands';
  }
}

/**
 * What follows every command: its latency goes to its collection's figures (`$collStats: {latencyStats}`), and as
 * the profiler settings decide, a slow-query log line and a `system.profile` entry. Never throws: profiling must
 * not make a command fail, and the entry is written behind the reply (queued before any later command's work).
 */
function finishCommand(server: ServerContext, name: string, cmd: Document, ctx: CommandContext, reply: Document, profile: DatabaseProfile): void {
  try {
    const micros = ctx.op.elapsedMicros;
    const target = name === 'getMore' ? cmd.collection : cmd[name];
    if (typeof target === 'string' && target.length > 0) server.engine.top.record(`${ctx.db}.${target}`, latencyKind(name), micros);
    const log = server.options.log;
    if (profile === PROFILING_OFF && !log) return;
    const done: FinishedCommand = { name, db: ctx.db, command: cmd, reply, op: ctx.op, connection: ctx.connection, micros };
    const decision = decide(server.profiler, done, profile);
    let entry = decision.entry;
    if (decision.log && log && name !== 'getMore') {
      entry ??= profileEntry(done);
      log({ msg: 'Slow query', id: ctx.connection.id, attr: slowQueryAttributes(entry, done) });
    }
    // A dropped database is not brought back by the entry of the command that dropped it.
    if (decision.profile && !server.engine.isClosed && !(name === 'dropDatabase' && reply.ok === 1)) {
      appendProfileEntry(server.engine, ctx.db, entry ?? profileEntry(done)).catch((err: unknown) => {
        log?.({ msg: 'Failed to write a profile entry', db: ctx.db, error: String((err as Error)?.message ?? err) });
      });
    }
  } catch (err) {
    server.options.log?.({ msg: 'Failed to profile a command', command: name, error: String((err as Error)?.message ?? err) });
  }
}

/**
 * The namespace `$currentOp` shows: the collection (a getMore's cursor's), `<db>.$cmd.aggregate` for a database
 * aggregate, else `<db>.$cmd`.
 */
function operationNamespace(name: string, db: string, cmd: Document): string {
  const target = name === 'getMore' ? cmd.collection : cmd[name];
  if (typeof target === 'string' && target.length > 0) return `${db}.${target}`;
  return name === 'aggregate' ? `${db}.$cmd.aggregate` : `${db}.$cmd`;
}

function operationInfo(name: string, db: string, cmd: Document, connection: ConnectionState, lsid: Document | undefined): OperationInfo {
  const info: OperationInfo = { op: opType(name), ns: operationNamespace(name, db, cmd), command: cmd, connectionId: connection.id, client: connection.remoteAddress };
  const appName = connection.state.appName;
  if (typeof appName === 'string') info.appName = appName;
  if (isDocument(connection.state.clientMetadata)) info.clientMetadata = connection.state.clientMetadata;
  if (lsid) info.lsid = lsid;
  const users = authenticatedUsers(connection);
  if (users) info.effectiveUsers = users;
  return info;
}

/**
 * Checks `maxTimeMS` and makes it the operation's deadline, except on a getMore, where it is how long an awaitData
 * cursor waits for results, not a limit (mongod gives a getMore no deadline of its own). With the
 * `maxTimeAlwaysTimeOut` fail point on, a command with a limit fails at once, as if it had run out of time.
 */
function applyTimeLimit(server: ServerContext, name: string, cmd: Document, ctx: CommandContext): void {
  const limit = maxTimeMSArg(cmd);
  if (limit === undefined || limit === 0 || name === 'getMore') return;
  ctx.op.limitTime(limit);
  if (server.options.enableTestCommands && server.failPoints.trigger('maxTimeAlwaysTimeOut', () => true)) {
    ctx.op.kill(mongoError('MaxTimeMSExpired', 'operation exceeded time limit'));
    ctx.op.check();
  }
}

/**
 * `{...result, ok: 1}`, built without that literal: V8 takes a slow path for an object literal with fields after a
 * spread, and the properties added after it (operationTime, $clusterTime) then cost a microsecond per reply.
 */
function withOk(result: Document): Document {
  if (Object.prototype.hasOwnProperty.call(result, '__proto__')) return { ...result, ok: 1 };
  const reply = Object.assign({}, result);
  reply.ok = 1;
  return reply;
}

function firstKey(doc: Document): string {
  for (const key in doc) return key;
  return '';
}
