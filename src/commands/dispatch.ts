import { isDocument, toBigInt, type Document } from '../bson/types.js';
import { asServerError, mongoError, MongoServerError, nonResumableChangeStreamCodes, resumableChangeStreamCodes, retryableErrorCodes } from '../errors/index.js';
import type { CommandContext, CommandDefinition, ConnectionState, ServerContext } from './support/context.js';
import { addClusterTimeFields } from './support/reply.js';
import { findCommand } from './registry.js';
import { CloseConnectionRequested } from './support/close_connection.js';
import { FailedBeforeCommit, isRetryableWrite } from './support/retryable_write.js';
import { checkClusterTime } from './support/cluster_time.js';
import { sessionOfCommand } from './support/session_args.js';

export { CloseConnectionRequested };

function isChangeStreamAggregate(cmd: Document): boolean {
  const pipeline = cmd.pipeline;
  return Array.isArray(pipeline) && isDocument(pipeline[0]) && Object.keys(pipeline[0])[0] === '$changeStream';
}

function isChangeStreamGetMore(server: ServerContext, cmd: Document): boolean {
  const id = toBigInt(cmd.getMore);
  return id !== null && server.engine.cursors.peek(id)?.kind === 'changeStream';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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
  if (data.blockConnection === true) await sleep(Number(data.blockTimeMS ?? 0));
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
  const ctx: CommandContext = { server, connection, db, lsid: isDocument(cmd.lsid) ? cmd.lsid : undefined, ...extras };
  // The clock is read only when someone logs slow commands.
  const started = server.options.log ? Date.now() : 0;
  const changeStream = (name === 'aggregate' && isChangeStreamAggregate(cmd)) || (name === 'getMore' && isChangeStreamGetMore(server, cmd));
  let reply: Document;
  let injected: InjectedFailure | null = null;
  try {
    if (server.engine.isClosed) throw mongoError('ShutdownInProgress', 'The server is in quiesce mode and will shut down');
    const command: CommandDefinition | undefined = findCommand(name, server.options.enableTestCommands);
    if (!command) throw mongoError('CommandNotFound', `no such command: '${name}'`);
    const session = sessionOfCommand(cmd);
    checkClusterTime(cmd, server.engine.options.now?.() ?? Date.now());
    if (session && !command.ignoresSession) server.engine.sessions.vivify(session);
    if (command.adminOnly && db !== 'admin') throw mongoError('Unauthorized', `${name} may only be run against the admin database.`);
    // Refused before anything runs: a write applied inside a "transaction" that can never be rolled back would be
    // worse than an error. No TransientTransactionError label, so withTransaction() gives up instead of retrying.
    if (cmd.startTransaction !== undefined || cmd.autocommit !== undefined) {
      throw mongoError('NotImplemented', `Multi-document transactions are not supported by eddydb yet; '${name}' was not run`);
    }
    // Fail points exist only with test commands enabled; without them, no await.
    if (server.options.enableTestCommands) injected = await applyFailCommand(server, command.name, cmd, ctx);
    if (injected?.error) throw injected.error;
    const result = await command.run(cmd, ctx);
    if (ctx.closeConnection) throw new CloseConnectionRequested();
    reply = withOk(result);
    if (injected?.writeConcernError) {
      reply.writeConcernError = injected.writeConcernError;
      const code = Number(injected.writeConcernError.code);
      const labels = injected.labels ?? (isRetryableWrite(name, cmd) && retryableErrorCodes.has(code) ? ['RetryableWriteError'] : []);
      if (labels.length > 0) reply.errorLabels = labels;
    }
  } catch (err) {
    if (err instanceof CloseConnectionRequested) throw err;
    if (err instanceof FailedBeforeCommit && ctx.closeConnection) throw new CloseConnectionRequested();
    const error = err instanceof FailedBeforeCommit ? err.toServerError() : asServerError(err);
    const fromFailCommand = injected !== null && error === injected.error;
    if (!fromFailCommand) {
      if (changeStream && resumableChangeStreamCodes.has(error.code)) error.addErrorLabel('ResumableChangeStreamError');
      if (nonResumableChangeStreamCodes.has(error.code)) error.addErrorLabel('NonResumableChangeStreamError');
    }
    if ((!fromFailCommand || injected?.labels === undefined) && retryableErrorCodes.has(error.code) && isRetryableWrite(name, cmd)) {
      error.addErrorLabel('RetryableWriteError');
    }
    reply = error.toReply();
    if (error.code === 1 && server.options.log) {
      server.options.log({ msg: 'Command failed with an internal error', command: name, error: String((err as Error)?.stack ?? err) });
    }
  }
  if (server.options.log) {
    const elapsed = Date.now() - started;
    const slowMs = server.options.slowMs ?? 100;
    if (elapsed > slowMs && name !== 'getMore' && name !== 'hello' && name !== 'isMaster' && name !== 'ismaster') {
      server.options.log({ msg: 'Slow query', command: name, db, durationMillis: elapsed, ok: reply.ok });
    }
  }
  // `reply` is this call's own object (a copy of the result, or the error's fresh reply).
  return addClusterTimeFields(reply, server.engine);
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
