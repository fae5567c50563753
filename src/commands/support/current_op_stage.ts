import { hostname } from 'node:os';
import { Binary, bsonTypeOf, calculateObjectSize, documentToString, isDocument, Long, toBigInt, type Document } from '../../bson/index.js';
import type { Transaction } from '../../engine/transactions/transaction.js';
import { toTimestamp } from '../../oplog/cluster_clock.js';
import type { Operation } from '../../engine/operation.js';
import { mongoError, MongoServerError, unknownFieldError } from '../../errors/index.js';
import type { CommandContext, ConnectionState } from './context.js';
import { ownerFilter } from './authorize.js';
import { ChangeStreamCursor } from '../../changestream/change_stream_cursor.js';
import { changeStreamFigures, type HistoryBounds } from '../../changestream/stream_stats.js';
import type { ServerCursor } from '../../engine/cursor_registry.js';

/** What a `$currentOp` stage asks for (mongod's CurrentOpSpec; allUsers and localOps change nothing on one mongod). */
export interface CurrentOpOptions {
  /** Also list the connections running nothing (`active: false`). */
  idleConnections: boolean;
  /** Also list the open cursors no getMore is using (`type: 'idleCursor'`). */
  idleCursors: boolean;
  /** Also list the open transactions no command is using (`type: 'idleSession'`); on by default, as in mongod. */
  idleSessions: boolean;
  /** Shorten a command over 1000 bytes to `{$truncated: <its text>}`, as the currentOp command does. */
  truncateOps: boolean;
  /** With access control on: only the requesting user's operations, connections and cursors (allUsers false). */
  ownOnly?: boolean;
  /** The retained oplog, read before listing: change streams then carry their figures (`changeStream`). */
  history?: HistoryBounds | null;
}

const SPEC_FIELDS = new Set(['allUsers', 'idleConnections', 'idleCursors', 'idleSessions', 'localOps', 'truncateOps', 'targetAllNodes']);

/** mongod's limit on the size of a command `$currentOp` shows when truncating. */
const TRUNCATED_COMMAND_BYTES = 1000;

/**
 * Reads a leading `$currentOp` stage's specification as mongod does: first the checks of its lite parse (an object;
 * allUsers and localOps booleans; a read concern of 'local' only), then the namespace (admin, `aggregate: 1`), then
 * the spec's IDL.
 *
 * @throws MongoServerError TypeMismatch (14) for a spec that is not an object or a non-boolean option;
 *   InvalidOptions (72) for a read concern level other than local; InvalidNamespace (73) elsewhere than
 *   `{aggregate: 1}` on admin; 40415 for an unknown option; FailedToParse (9) for targetAllNodes, which only a
 *   sharded cluster has.
 */
export function parseCurrentOpSpec(spec: unknown, db: string, collectionless: boolean, readConcern?: unknown): CurrentOpOptions {
  if (!isDocument(spec)) throw mongoError('TypeMismatch', `$currentOp options must be specified in an object, but found: ${bsonTypeOf(spec)}`);
  for (const name of ['allUsers', 'localOps']) {
    const value = spec[name];
    if (value !== undefined && typeof value !== 'boolean') {
      throw mongoError('TypeMismatch', `The '${name}' parameter of the $currentOp stage must be a boolean value, but found: ${bsonTypeOf(value)}`);
    }
  }
  const level = isDocument(readConcern) ? readConcern.level : undefined;
  if (typeof level === 'string' && level !== 'local') {
    throw mongoError('InvalidOptions', `Aggregation stage $currentOp cannot run with a readConcern other than 'local'. Current readConcern: ${level}`);
  }
  if (db !== 'admin' || !collectionless) {
    throw mongoError('InvalidNamespace', "$currentOp must be run against the 'admin' database with {aggregate: 1}");
  }
  for (const [name, value] of Object.entries(spec)) {
    if (!SPEC_FIELDS.has(name)) throw unknownFieldError(`$currentOp.${name}`);
    if (value !== undefined && typeof value !== 'boolean') {
      throw mongoError('TypeMismatch', `Field '${name}' should be a boolean value, but found: ${bsonTypeOf(value)}`);
    }
  }
  if (spec.localOps === true && spec.targetAllNodes === true) {
    throw mongoError('FailedToParse', "The 'localOps' parameter of the $currentOp stage cannot be true when 'targetAllNodes' is also true");
  }
  if (spec.targetAllNodes === true) throw mongoError('FailedToParse', '$currentOp supports targetAllNodes parameter only for sharded clusters');
  return {
    idleConnections: spec.idleConnections === true,
    idleCursors: spec.idleCursors === true,
    idleSessions: spec.idleSessions !== false,
    truncateOps: spec.truncateOps === true,
    ownOnly: spec.allUsers !== true,
  };
}

/** mongod's `host` of a `$currentOp` entry: the machine name and the port. */
function currentOpHost(localAddress: string): string {
  const port = /:(\d+)$/.exec(localAddress)?.[1];
  return port === undefined ? hostname() : `${hostname()}:${port}`;
}

/** A date as mongod's `currentOpTime` writes it: ISO 8601 with the zone offset. */
function opTime(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

/** The command as `$currentOp` shows it: whole, or over 1000 bytes when truncating, its text cut to 1000 characters. */
function shownCommand(command: Document, truncate: boolean): Document {
  if (!truncate || calculateObjectSize(command) <= TRUNCATED_COMMAND_BYTES) return command;
  const text = documentToString(command);
  const shown: Document = { $truncated: text.length <= TRUNCATED_COMMAND_BYTES ? text : `${text.slice(0, TRUNCATED_COMMAND_BYTES - 3)}...` };
  if (command.comment !== undefined) shown.comment = command.comment;
  return shown;
}

/** The fields mongod reports of a client: who it is, whatever it runs. */
function clientFields(host: string, connectionId: number, client: string, appName: string | undefined, clientMetadata: Document | undefined): Document {
  const doc: Document = { type: 'op', host, desc: `conn${connectionId}` };
  if (connectionId > 0) {
    doc.connectionId = connectionId;
    doc.client = client;
  }
  if (appName !== undefined) doc.appName = appName;
  if (clientMetadata !== undefined) doc.clientMetadata = clientMetadata;
  return doc;
}

/** One running operation, with mongod's fields in mongod's order; eddydb takes no locks, so they are empty. */
function operationEntry(op: Operation, host: string, now: Date, truncate: boolean, streamOf?: (command: Document) => Document | null): Document {
  const info = op.info;
  const doc = clientFields(host, info.connectionId, info.client, info.appName, info.clientMetadata);
  doc.active = true;
  doc.currentOpTime = opTime(now);
  doc.threaded = true;
  doc.opid = op.opid;
  if (op.killed) doc.killPending = true;
  if (info.lsid) doc.lsid = info.lsid;
  const micros = op.elapsedMicros;
  doc.secs_running = Long.fromNumber(Math.floor(micros / 1_000_000));
  doc.microsecs_running = Long.fromNumber(micros);
  doc.op = info.op;
  doc.ns = info.ns;
  if (info.effectiveUsers) doc.effectiveUsers = info.effectiveUsers;
  doc.redacted = false;
  doc.command = shownCommand(info.command, truncate);
  const stream = streamOf?.(info.command);
  if (stream) Object.assign(doc, stream);
  doc.numYields = op.numYields;
  doc.locks = {};
  doc.waitingForLock = false;
  doc.lockStats = {};
  doc.waitingForFlowControl = false;
  doc.flowControlStats = {};
  return doc;
}

/** A connection between commands, as mongod lists it with `idleConnections: true`. */
function idleConnectionEntry(connection: ConnectionState, host: string, now: Date): Document {
  const state = connection.state;
  const appName = typeof state.appName === 'string' ? state.appName : undefined;
  const doc = clientFields(host, connection.id, connection.remoteAddress, appName, isDocument(state.clientMetadata) ? state.clientMetadata : undefined);
  doc.active = false;
  doc.currentOpTime = opTime(now);
  doc.threaded = true;
  return doc;
}

/** A cursor as mongod's `$currentOp` shows it (its GenericCursor fields); a change stream adds what it returned. */
function cursorFields(id: bigint, cursor: ServerCursor, createdAt: Date, lastUsed: Date): Document {
  const waits = cursor.kind === 'changeStream';
  const doc: Document = { cursorId: Long.fromBigInt(id), lastAccessDate: lastUsed, createdDate: createdAt };
  if (cursor instanceof ChangeStreamCursor) {
    doc.nDocsReturned = Long.fromNumber(cursor.counters.eventsReturned);
    doc.nBatchesReturned = Long.fromNumber(cursor.counters.batchesReturned);
  }
  doc.noCursorTimeout = false;
  doc.tailable = waits;
  doc.awaitData = waits;
  return doc;
}

/** The hex of a session id, to tell whether a command runs in a transaction's session. */
function sessionKey(lsid: unknown): string | undefined {
  return isDocument(lsid) && lsid.id instanceof Binary ? lsid.id.toString('hex') : undefined;
}

/** An open transaction between its statements, as mongod reports a session's stashed transaction. */
function idleSessionEntry(txn: Transaction, host: string, now: Date, lifetimeSeconds: number): Document {
  const openMicros = Math.max(0, (now.getTime() - txn.startedAt) * 1000);
  return {
    type: 'idleSession',
    host,
    desc: 'inactive transaction',
    lsid: txn.lsid,
    transaction: {
      parameters: { txnNumber: Long.fromBigInt(txn.txnNumber), autocommit: false },
      readTimestamp: toTimestamp(txn.snapshot),
      startWallClockTime: opTime(new Date(txn.startedAt)),
      timeOpenMicros: Long.fromNumber(openMicros),
      expiryTime: opTime(new Date(txn.startedAt + lifetimeSeconds * 1000)),
    },
    waitingForLock: false,
    active: false,
    locks: {},
    lockStats: {},
  };
}

/**
 * What `$currentOp` lists: every running operation (this one included), then with `idleConnections` the
 * connections running nothing, with `idleCursors` the open cursors no getMore is using, and unless `idleSessions`
 * is false the open transactions between statements.
 */
export function currentOpDocuments(ctx: CommandContext, options: CurrentOpOptions): Document[] {
  const host = currentOpHost(ctx.connection.localAddress);
  const now = new Date();
  const own = ownerFilter(ctx, options.ownOnly === true);
  const running = ctx.server.operations.list().filter((op) => op.opid > 0 && (!own || own.ownsUsers(op.info.effectiveUsers)));
  const engine = ctx.server.engine;
  const history = options.history ?? null;
  // A getMore serving a change stream shows the stream as mongod shows a getMore's cursor, with its figures.
  const streamOf = history === null ? undefined : (command: Document): Document | null => {
    const type = bsonTypeOf(command.getMore);
    if (type !== 'long' && type !== 'int') return null;
    const cursorId = toBigInt(command.getMore)!;
    const cursor = engine.cursors.peek(cursorId);
    if (!(cursor instanceof ChangeStreamCursor)) return null;
    const counters = cursor.counters;
    return {
      cursor: cursorFields(cursorId, cursor, new Date(counters.openedAt), new Date(counters.lastActivity)),
      changeStream: changeStreamFigures(engine, cursor, history, now.getTime()),
    };
  };
  const out = running.map((op) => operationEntry(op, host, now, options.truncateOps, streamOf));
  if (options.idleConnections) {
    const busy = new Set(running.map((op) => op.info.connectionId));
    for (const connection of ctx.server.connections.values()) {
      if (!busy.has(connection.id) && (!own || own.owns(connection))) out.push(idleConnectionEntry(connection, host, now));
    }
  }
  if (options.idleCursors) {
    for (const idle of ctx.server.engine.cursors.idle()) {
      if (own && !own.ownsCursor(idle.id)) continue;
      const cursor = idle.cursor;
      const entry: Document = { type: 'idleCursor', host, ns: cursor.ns };
      if (cursor.lsid) entry.lsid = cursor.lsid;
      entry.cursor = cursorFields(idle.id, cursor, idle.createdAt, idle.lastUsed);
      if (history && cursor instanceof ChangeStreamCursor) entry.changeStream = changeStreamFigures(engine, cursor, history, now.getTime());
      out.push(entry);
    }
  }
  // Transactions between statements carry no user: a user restricted to its own operations sees none.
  if (options.idleSessions && !own) {
    const transactions = ctx.server.engine.transactions;
    const busy = new Set(running.map((op) => sessionKey(op.info.lsid)));
    for (const txn of transactions.inProgress()) {
      if (!busy.has(sessionKey(txn.lsid))) out.push(idleSessionEntry(txn, host, now, transactions.lifetimeLimitSeconds));
    }
  }
  return out;
}

/** The `$currentOp` source of an aggregate (`cmd`): parses the stage, then lists. */
export function currentOpStage(ctx: CommandContext, cmd: Document, collectionless: boolean, history: HistoryBounds | null): (spec: unknown) => Document[] {
  return (spec) => currentOpDocuments(ctx, { ...parseCurrentOpSpec(spec, ctx.db, collectionless, cmd.readConcern), history });
}

/** `$currentOp` anywhere but first: mongod's error for a stage that must lead. */
export function currentOpNotFirst(): MongoServerError {
  return new MongoServerError(40602, '$currentOp is only valid as the first stage in a pipeline');
}
