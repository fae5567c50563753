import { isDocument, Long, MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE_BYTES, MAX_WRITE_BATCH_SIZE, type Document } from '../bson/index.js';
import { mongoError } from '../errors/index.js';
import { toTimestamp } from '../oplog/cluster_clock.js';
import { LOGICAL_SESSION_TIMEOUT_MINUTES } from '../engine/session_cache.js';
import { MAX_WIRE_VERSION, type CommandContext, type CommandDefinition } from './support/context.js';
import { authenticateX509, saslStart } from './support/authentication.js';
import { SCRAM_MECHANISMS } from '../auth/scram.js';

/**
 * Compressors this server negotiates. The wire layer can also decompress 'noop', but mongod never announces it,
 * and commands must not import wire (it is the layer above), so the list lives here too.
 */
const NEGOTIABLE_COMPRESSORS: readonly string[] = ['snappy', 'zlib'];

/**
 * The compressors of a hello `compression` array this server supports, in the client's order (the client lists
 * them by preference). Throws BadValue, as mongod does, when the field is not an array.
 */
export function negotiateCompression(requested: unknown): string[] {
  if (!Array.isArray(requested)) throw mongoError('BadValue', "'compression' is not an array");
  const out: string[] = [];
  for (const name of requested) {
    if (typeof name === 'string' && NEGOTIABLE_COMPRESSORS.includes(name) && !out.includes(name)) out.push(name);
  }
  return out;
}

/** Remembers the handshake's client metadata; mongod refuses it on any hello but a connection's first. */
function recordClientMetadata(cmd: Document, ctx: CommandContext): void {
  const client = cmd.client;
  if (client === undefined) return;
  const state = ctx.connection.state;
  if (state.clientMetadata !== undefined) {
    throw mongoError('ClientMetadataCannotBeMutated', 'The client metadata document may only be sent in the first hello');
  }
  if (!isDocument(client)) throw mongoError('TypeMismatch', "'client' field is wrong type, expected object");
  state.clientMetadata = client;
  // failCommand's `appName` matches on this (see dispatch).
  const application = client.application;
  if (isDocument(application) && typeof application.name === 'string') state.appName = application.name;
  ctx.server.options.log?.({
    msg: 'client metadata',
    component: 'NETWORK',
    id: ctx.connection.id,
    attr: { remote: ctx.connection.remoteAddress, client: `conn${ctx.connection.id}`, doc: client },
  });
}

/**
 * hello / isMaster: the handshake. eddydb answers as the primary of a one-member replica set, because drivers and
 * test runners only run change streams against a replica set or a sharded cluster (the manual:
 * https://www.mongodb.com/docs/manual/changeStreams/), or, as one of several servers on shared storage, as a
 * `mongos` (`msg: 'isdbgrid'`). topologyVersion is left out on purpose: with it, drivers switch to awaitable hello,
 * which this server does not implement.
 */
async function runHello(cmd: Document, ctx: CommandContext, legacy: boolean): Promise<Document> {
  recordClientMetadata(cmd, ctx);
  const me = ctx.connection.localAddress;
  const engine = ctx.engine;
  const opTime = { ts: toTimestamp(engine.committedTs), t: Long.fromNumber(1) };
  const lastWriteDate = new Date(Number(engine.committedTs >> 32n) * 1000);
  const router = ctx.server.options.router === true;
  const reply: Document = router ? {} : { hosts: [me], setName: ctx.server.options.replSetName, setVersion: 1 };
  if (legacy) reply.ismaster = true;
  else reply.isWritablePrimary = true;
  // A router names no replica set, no members and no election: drivers then take every listed server as a mongos.
  if (router) reply.msg = 'isdbgrid';
  else {
    Object.assign(reply, {
      secondary: false,
      primary: me,
      me,
      electionId: ctx.server.electionId,
      lastWrite: { opTime, lastWriteDate, majorityOpTime: opTime, majorityWriteDate: lastWriteDate },
    });
  }
  Object.assign(reply, {
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
    maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: LOGICAL_SESSION_TIMEOUT_MINUTES,
    connectionId: ctx.connection.id,
    minWireVersion: 0,
    maxWireVersion: MAX_WIRE_VERSION,
    readOnly: false,
  });
  if (cmd.helloOk !== undefined && cmd.helloOk !== false && cmd.helloOk !== 0) reply.helloOk = true;
  if (typeof cmd.saslSupportedMechs === 'string') {
    const mechanisms = await supportedMechanisms(ctx, cmd.saslSupportedMechs);
    if (mechanisms) reply.saslSupportedMechs = mechanisms;
  }
  if (isDocument(cmd.speculativeAuthenticate)) {
    const answer = await speculativeAuthenticate(ctx, cmd.speculativeAuthenticate);
    if (answer) reply.speculativeAuthenticate = answer;
  }
  if (cmd.compression !== undefined) {
    const negotiated = negotiateCompression(cmd.compression);
    ctx.setCompressors?.(negotiated);
    // mongod only answers the field when something was agreed on.
    if (negotiated.length > 0) reply.compression = negotiated;
  }
  return reply;
}

/**
 * The SCRAM mechanisms the user `<db>.<user>` has credentials for (drivers pick SCRAM-SHA-256 when it is listed);
 * nothing for a user that does not exist or a malformed name.
 */
async function supportedMechanisms(ctx: CommandContext, qualified: string): Promise<string[] | undefined> {
  const dot = qualified.indexOf('.');
  if (dot <= 0 || dot === qualified.length - 1) return undefined;
  const user = await ctx.server.accessControl.lookupUser({ db: qualified.slice(0, dot), user: qualified.slice(dot + 1) });
  if (!user || !isDocument(user.credentials)) return undefined;
  return SCRAM_MECHANISMS.filter((m) => isDocument(user.credentials[m]));
}

/**
 * The first authentication step carried in the handshake, saving a round trip: a saslStart or an X.509
 * authenticate. A failure leaves the field out of the reply, and the driver authenticates the usual way (and sees
 * the error then).
 */
async function speculativeAuthenticate(ctx: CommandContext, request: Document): Promise<Document | undefined> {
  const db = typeof request.db === 'string' ? request.db : ctx.db;
  try {
    if (request.saslStart !== undefined) return await saslStart(ctx, db, request.mechanism, request.payload, true);
    if (request.authenticate !== undefined && request.mechanism === 'MONGODB-X509') return await authenticateX509(ctx, db, request.user, true);
  } catch {
    return undefined;
  }
  return undefined;
}

/** hello, and its legacy spellings isMaster/ismaster, which answer `ismaster` instead of `isWritablePrimary`. */
export const hello: CommandDefinition = {
  name: 'hello',
  run: (cmd, ctx) => runHello(cmd, ctx, Object.keys(cmd)[0] !== 'hello'),
};
