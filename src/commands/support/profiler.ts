import { calculateObjectSize, Double, Long, type Document } from '../../bson/index.js';
import { opType } from './op_type.js';
import { isDocument } from '../../bson/types.js';
import type { CompiledFilter } from '../../query/filter/index.js';
import { compileCommandFilter } from '../../engine/expr_filter.js';
import type { Operation } from '../../engine/operation.js';
import type { ConnectionState } from './context.js';

/** mongod's default slowms. */
export const DEFAULT_SLOW_MS = 100;

/** One database's profiling settings (mongod's ProfileSettings). */
export interface DatabaseProfile {
  /** 0: off; 1: slow operations (or those the filter passes); 2: every operation. */
  level: number;
  /** The `filter` as given, and compiled: it replaces slowms and sampleRate for this database. */
  filter?: { spec: Document; compiled: CompiledFilter };
}

export const PROFILING_OFF: DatabaseProfile = { level: 0 };

/** Commands neither profiled nor logged as slow: the handshake and monitoring traffic of every driver. */
const UNPROFILED: ReadonlySet<string> = new Set(['hello', 'isMaster', 'ismaster']);

/** mongod truncates a command larger than this in its profile entry (and slow-query log line). */
const MAX_COMMAND_BYTES = 50 * 1024;

/**
 * The profiler's settings, as mongod keeps them: `slowms` and `sampleRate` for the whole server (they govern the
 * slow-query log lines too), and per database a level and an optional filter. Set by the `profile` command.
 */
export class ProfilerSettings {
  slowMs: number;
  sampleRate = 1;
  private readonly databases = new Map<string, DatabaseProfile>();

  constructor(slowMs?: number) {
    this.slowMs = slowMs ?? DEFAULT_SLOW_MS;
  }

  of(db: string): DatabaseProfile {
    return this.databases.get(db) ?? PROFILING_OFF;
  }

  set(db: string, profile: DatabaseProfile): void {
    if (profile.level === 0 && !profile.filter) this.databases.delete(db);
    else this.databases.set(db, profile);
  }

  /** True when no database profiles and none has a filter: the common case, decided with one map lookup. */
  get idle(): boolean {
    return this.databases.size === 0;
  }
}

/** What a finished command leaves for the profiler and the slow-query log. */
export interface FinishedCommand {
  name: string;
  db: string;
  command: Document;
  reply: Document;
  op: Operation;
  connection: ConnectionState;
  micros: number;
}

/** What to do with a finished command: log it as slow, write a profile entry, or both. */
export interface ProfileDecision {
  log: boolean;
  profile: boolean;
  /** The entry, when a filter needed it to decide (so it is built once). */
  entry?: Document;
}

/**
 * Decides as mongod's CurOp::completeAndLogOperation does: with a filter on the database, the filter alone decides
 * both the log line and, at level 1, the profile entry; without one, an operation slower than slowms and sampled
 * by sampleRate is logged and, at level 1, profiled. Level 2 profiles everything. `profile` is the database's
 * settings when the command started, as mongod's CurOp takes them when the operation enters the database.
 */
export function decide(settings: ProfilerSettings, done: FinishedCommand, profile: DatabaseProfile): ProfileDecision {
  if (UNPROFILED.has(done.name)) return { log: false, profile: false };
  if (profile.filter) {
    const entry = profileEntry(done);
    const passes = safeMatches(profile.filter.compiled, entry);
    return { log: passes, profile: profile.level >= 2 || (profile.level === 1 && passes), entry };
  }
  const millis = Math.floor(done.micros / 1000);
  const slow = millis > settings.slowMs && (settings.sampleRate >= 1 || Math.random() < settings.sampleRate);
  return { log: slow, profile: profile.level >= 2 || (profile.level === 1 && slow) };
}

/** A filter that throws on some entry (a runtime `$expr` error) passes nothing rather than fail the command. */
function safeMatches(filter: CompiledFilter, entry: Document): boolean {
  try {
    return filter.matches(entry);
  } catch {
    return false;
  }
}

/** The namespace of a profile entry: the collection the command names, else `<db>.$cmd`. */
function namespaceOf(name: string, db: string, cmd: Document): string {
  const target = name === 'getMore' ? cmd.collection : cmd[name];
  return typeof target === 'string' && target.length > 0 ? `${db}.${target}` : `${db}.$cmd`;
}

/** The client's address without its port, as mongod's profile entries show it. */
function clientHost(remote: string): string {
  const bracketed = /^\[(.*)\]:\d+$/.exec(remote);
  if (bracketed) return bracketed[1]!;
  const colon = remote.lastIndexOf(':');
  return colon > 0 && remote.indexOf(':') === colon ? remote.slice(0, colon) : remote;
}

/** The command as the entry shows it: whole, or mongod's `$truncated` stand-in past 50 KB. */
function commandForEntry(cmd: Document): Document {
  if (calculateObjectSize(cmd) <= MAX_COMMAND_BYTES) return cmd;
  const text = JSON.stringify(cmd, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '';
  const out: Document = { $truncated: `${text.slice(0, MAX_COMMAND_BYTES)}...` };
  if (cmd.comment !== undefined) out.comment = cmd.comment;
  return out;
}

/**
 * The command as mongod's write entries show it: an insert without its documents; an update or delete of one
 * statement as that statement (`{q, u, multi, upsert}`, `{q, limit}`), as mongod profiles each statement; with
 * several statements, the command without them (one entry carries their totals).
 */
function writeCommand(name: string, cmd: Document): Document {
  const field = name === 'insert' ? 'documents' : name === 'update' ? 'updates' : 'deletes';
  const statements = cmd[field];
  if (name !== 'insert' && Array.isArray(statements) && statements.length === 1 && isDocument(statements[0])) {
    const statement = statements[0];
    return name === 'update' ? { ...statement, multi: statement.multi ?? false, upsert: statement.upsert ?? false } : statement;
  }
  const { [field]: _statements, ...rest } = cmd;
  return rest;
}

/** The documents a cursor reply returned in this batch. */
function batchLength(reply: Document): number | undefined {
  const cursor = reply.cursor;
  if (!isDocument(cursor)) return undefined;
  const batch = Array.isArray(cursor.firstBatch) ? cursor.firstBatch : Array.isArray(cursor.nextBatch) ? cursor.nextBatch : undefined;
  return batch?.length;
}

function cursorIdOf(reply: Document): unknown {
  const cursor = reply.cursor;
  return isDocument(cursor) ? cursor.id : undefined;
}

function isZero(id: unknown): boolean {
  if (id === undefined || id === null) return true;
  if (typeof id === 'bigint') return id === 0n;
  if (typeof id === 'number') return id === 0;
  return Long.isLong(id) ? id.isZero() : String(id) === '0';
}

/**
 * The `system.profile` document of one command, with mongod's fields in mongod's order: op, ns, command, the
 * cursor and counters of its kind, numYield, the outcome (errors included), responseLength, protocol, millis,
 * planSummary once a plan ran, ts, client, appName, allUsers, user.
 */
export function profileEntry(done: FinishedCommand): Document {
  const { name, db, command, reply, op } = done;
  const kind = opType(name);
  const shown = kind === 'insert' || kind === 'update' || kind === 'remove' ? writeCommand(name, command) : command;
  const entry: Document = { op: kind, ns: namespaceOf(name, db, command), command: commandForEntry(shown) };
  const cursorId = cursorIdOf(reply);
  const isRead = kind === 'query' || kind === 'getmore' || name === 'aggregate' || name === 'count' || name === 'distinct' || name === 'findAndModify';
  if (kind === 'getmore' && cursorId !== undefined) entry.cursorid = cursorId;
  if (isRead || kind === 'update' || kind === 'remove') {
    entry.keysExamined = Long.fromNumber(op.keysExamined);
    entry.docsExamined = Long.fromNumber(op.docsExamined);
  }
  if (cursorId !== undefined && isZero(cursorId)) entry.cursorExhausted = true;
  if (kind === 'insert' && typeof reply.n === 'number') entry.ninserted = Long.fromNumber(reply.n);
  if (kind === 'update' && typeof reply.n === 'number') {
    const upserted = Array.isArray(reply.upserted) ? reply.upserted.length : 0;
    entry.nMatched = Long.fromNumber(reply.n - upserted);
    entry.nModified = Long.fromNumber(Number(reply.nModified ?? 0));
    entry.nUpserted = Long.fromNumber(upserted);
  }
  if (kind === 'remove' && typeof reply.n === 'number') entry.ndeleted = Long.fromNumber(reply.n);
  entry.numYield = op.numYields;
  const returned = batchLength(reply);
  if (returned !== undefined) entry.nreturned = Long.fromNumber(returned);
  if (reply.ok !== 1) {
    entry.ok = 0;
    if (typeof reply.errmsg === 'string') entry.errMsg = reply.errmsg;
    if (typeof reply.codeName === 'string') entry.errName = reply.codeName;
    if (reply.code !== undefined) entry.errCode = reply.code;
  }
  entry.responseLength = Long.fromNumber(calculateObjectSize(reply));
  entry.protocol = 'op_msg';
  entry.millis = Long.fromNumber(Math.floor(done.micros / 1000));
  if (op.planSummary !== undefined) entry.planSummary = op.planSummary;
  entry.ts = new Date();
  entry.client = clientHost(done.connection.remoteAddress);
  const appName = done.connection.state.appName;
  if (typeof appName === 'string') entry.appName = appName;
  entry.allUsers = [];
  entry.user = '';
  return entry;
}

/** Profile entry fields the slow-query log line carries under the same name. */
const LOGGED_FIELDS = ['planSummary', 'keysExamined', 'docsExamined', 'cursorExhausted', 'ninserted', 'nMatched', 'nModified', 'nUpserted', 'ndeleted'];

/**
 * The attributes of mongod's "Slow query" log line, from the operation's profile entry: `type`, `ns`, `appName`,
 * `command`, the plan and counters, `numYields`, `nreturned`, the error of a failed command, `reslen`, `remote`,
 * `protocol` and `durationMillis`.
 */
export function slowQueryAttributes(entry: Document, done: FinishedCommand): Document {
  // Log lines show counters as plain JSON numbers, as mongod's do.
  const plain = (v: unknown): unknown => (Long.isLong(v) ? v.toNumber() : v);
  const attr: Document = { type: entry.op === 'update' || entry.op === 'remove' ? entry.op : 'command', ns: entry.ns };
  if (entry.appName !== undefined) attr.appName = entry.appName;
  attr.command = entry.command;
  for (const field of LOGGED_FIELDS) if (entry[field] !== undefined) attr[field] = plain(entry[field]);
  attr.numYields = entry.numYield;
  if (entry.nreturned !== undefined) attr.nreturned = plain(entry.nreturned);
  if (entry.ok === 0) {
    attr.ok = 0;
    for (const field of ['errMsg', 'errName', 'errCode']) if (entry[field] !== undefined) attr[field] = entry[field];
  }
  attr.reslen = plain(entry.responseLength);
  attr.remote = done.connection.remoteAddress;
  attr.protocol = entry.protocol;
  attr.durationMillis = plain(entry.millis);
  return attr;
}

/** The `profile` command's reply fields for the previous settings. */
export function previousSettingsReply(settings: ProfilerSettings, previous: DatabaseProfile, filterGiven: boolean): Document {
  const reply: Document = { was: previous.level, slowms: settings.slowMs, sampleRate: new Double(settings.sampleRate) };
  if (previous.filter) reply.filter = previous.filter.spec;
  if (previous.filter || filterGiven) {
    reply.note = 'When a filter expression is set, slowms and sampleRate are not used for profiling and slow-query log lines.';
  }
  return reply;
}

/** Compiles a profile filter as mongod does (a match expression over the entry's fields). */
export function compileProfileFilter(spec: Document): { spec: Document; compiled: CompiledFilter } {
  return { spec, compiled: compileCommandFilter(spec, null) };
}
