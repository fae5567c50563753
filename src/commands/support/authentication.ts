/**
 * Authentication as mongod runs it: SASL conversations (SCRAM-SHA-1, SCRAM-SHA-256, PLAIN) through saslStart and
 * saslContinue or hello's speculativeAuthenticate, and MONGODB-X509 through authenticate. A failure answers
 * AuthenticationFailed (18) whatever the reason (a missing user and a wrong password look alike), logs the reason
 * with the remote address, and is answered more slowly after repeated failures from one host.
 */
import { Binary, isDocument, type Document } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { AuthorizationSession } from '../../auth/authorization_session.js';
import { isLoopbackRemote, remoteHost } from '../../auth/access_control.js';
import { restrictionsMet } from '../../auth/address_restrictions.js';
import { credentialMatches, parseClientFirst, ScramServer, SCRAM_MECHANISMS, type ScramCredential, type ScramMechanism } from '../../auth/scram.js';
import type { UserName } from '../../auth/privilege.js';
import type { CommandContext } from './context.js';

/** The mechanisms mongod enables by default; PLAIN only when `authenticationMechanisms` lists it. */
export const DEFAULT_AUTHENTICATION_MECHANISMS: readonly string[] = ['MONGODB-X509', 'SCRAM-SHA-1', 'SCRAM-SHA-256'];
const KNOWN_MECHANISMS: readonly string[] = ['MONGODB-X509', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'PLAIN'];

/** The connection's authorization session, made at its first use. */
export function authorizationSession(ctx: CommandContext): AuthorizationSession {
  const state = ctx.connection.state;
  let session = state.authorization as AuthorizationSession | undefined;
  if (!session) {
    session = new AuthorizationSession(ctx.server.accessControl, isLoopbackRemote(ctx.connection.remoteAddress));
    state.authorization = session;
  }
  return session;
}

/** A SASL conversation in progress on a connection (one at a time; a new saslStart replaces it). */
interface Conversation {
  mechanism: ScramMechanism;
  name: UserName;
  scram: ScramServer;
  speculative: boolean;
}

const CONVERSATION_ID = 1;

function payloadBytes(payload: unknown): Uint8Array {
  if (payload instanceof Binary) return payload.value();
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  throw mongoError('TypeMismatch', "BSON field 'payload' is the wrong type, expected type 'binData'");
}

function checkMechanism(ctx: CommandContext, mechanism: unknown): string {
  if (typeof mechanism !== 'string') throw mongoError('TypeMismatch', "BSON field 'mechanism' is the wrong type 'missing', expected type 'string'");
  const enabled = ctx.server.options.authenticationMechanisms ?? DEFAULT_AUTHENTICATION_MECHANISMS;
  if (!enabled.includes(mechanism)) {
    const what = KNOWN_MECHANISMS.includes(mechanism) ? 'which is not enabled' : 'which is unknown or not enabled';
    throw mongoError('MechanismUnavailable', `Received authentication for mechanism ${mechanism} ${what}`);
  }
  return mechanism;
}

/** Why an attempt failed, for the log only: the client always sees "Authentication failed.". */
class AttemptFailed extends Error {}

interface Attempt {
  mechanism: string;
  name: UserName | undefined;
  db: string;
  speculative: boolean;
}

async function failed(ctx: CommandContext, attempt: Attempt, reason: unknown): Promise<never> {
  const access = ctx.server.accessControl;
  const remote = ctx.connection.remoteAddress;
  const message = reason instanceof Error ? reason.message : String(reason);
  ctx.server.options.log?.({
    msg: 'Authentication failed',
    component: 'ACCESS',
    id: ctx.connection.id,
    attr: { mechanism: attempt.mechanism, speculative: attempt.speculative, principalName: attempt.name?.user ?? '', authenticationDatabase: attempt.db, remote, error: message },
  });
  const delay = access.failureDelay(remoteHost(remote));
  if (delay > 0) await ctx.op.sleep(delay);
  // A client authenticating against a server with no users at all learns why, instead of a bare failure.
  if (reason instanceof AttemptFailed && !(await access.anyUserExists())) {
    throw mongoError('AuthenticationFailed', 'Authentication failed: this server has no users (create one with createUser; see --auth)');
  }
  // Protocol errors (a malformed message) are the client's bug, not a secret: mongod reports them as they are.
  if (reason instanceof MongoServerError && reason.code !== 18) throw reason;
  throw mongoError('AuthenticationFailed', 'Authentication failed.');
}

async function succeeded(ctx: CommandContext, attempt: Attempt, name: UserName): Promise<void> {
  const access = ctx.server.accessControl;
  const user = await access.acquire(name);
  if (!user) throw new AttemptFailed(`Could not find user "${name.user}" for db "${name.db}"`);
  const client = ctx.connection.remoteAddress;
  const server = ctx.connection.localAddress;
  if (!restrictionsMet(user.doc.authenticationRestrictions, client, server) || !user.resolved.restrictions.every((r) => restrictionsMet(r, client, server))) {
    throw new AttemptFailed('Failed to acquire user because of unmet authentication restrictions');
  }
  authorizationSession(ctx).authenticated(user);
  access.succeeded(remoteHost(ctx.connection.remoteAddress));
  ctx.server.options.log?.({
    msg: 'Successfully authenticated',
    component: 'ACCESS',
    id: ctx.connection.id,
    attr: { mechanism: attempt.mechanism, speculative: attempt.speculative, user: name.user, db: name.db, remote: ctx.connection.remoteAddress },
  });
}

/** saslStart (or hello's speculative form): the first step of a SASL conversation. */
export async function saslStart(ctx: CommandContext, db: string, mechanismArg: unknown, payloadArg: unknown, speculative: boolean): Promise<Document> {
  const mechanism = checkMechanism(ctx, mechanismArg);
  const attempt: Attempt = { mechanism, name: undefined, db, speculative };
  ctx.connection.state.saslConversation = undefined;
  try {
    const payload = payloadBytes(payloadArg);
    if (mechanism === 'PLAIN') return await plain(ctx, attempt, payload);
    if (mechanism === 'MONGODB-X509') throw mongoError('BadValue', 'MONGODB-X509 authenticates with the authenticate command, not saslStart');
    const scramMechanism = mechanism as ScramMechanism;
    const first = parseClientFirst(payload);
    const name: UserName = { user: first.user, db };
    attempt.name = name;
    const user = await ctx.server.accessControl.lookupUser(name);
    if (!user) throw new AttemptFailed(`Could not find user "${name.user}" for db "${name.db}"`);
    const credential = user.credentials?.[scramMechanism] as ScramCredential | undefined;
    if (!isDocument(credential)) throw new AttemptFailed(`Unable to use ${scramMechanism} based authentication for user without any ${scramMechanism} credentials registered`);
    const scram = new ScramServer(scramMechanism, first, credential);
    const serverFirst = scram.start();
    const conversation: Conversation = { mechanism: scramMechanism, name, scram, speculative };
    ctx.connection.state.saslConversation = conversation;
    return { conversationId: CONVERSATION_ID, done: false, payload: new Binary(serverFirst) };
  } catch (err) {
    return failed(ctx, attempt, err);
  }
}

/** saslContinue: the client's proof; done once it verifies (drivers ask to skip the empty last exchange). */
export async function saslContinue(ctx: CommandContext, cmd: Document): Promise<Document> {
  const conversation = ctx.connection.state.saslConversation as Conversation | undefined;
  if (!conversation) throw mongoError('ProtocolError', 'No SASL session state found');
  if (Number(cmd.conversationId) !== CONVERSATION_ID) throw mongoError('ProtocolError', 'sasl: Mismatched conversation id');
  ctx.connection.state.saslConversation = undefined;
  const attempt: Attempt = { mechanism: conversation.mechanism, name: conversation.name, db: conversation.name.db, speculative: conversation.speculative };
  try {
    const serverFinal = conversation.scram.finish(payloadBytes(cmd.payload));
    if (!serverFinal) throw new AttemptFailed('SCRAM authentication failed, storedKey mismatch');
    await succeeded(ctx, attempt, conversation.name);
    return { conversationId: CONVERSATION_ID, done: true, payload: new Binary(serverFinal) };
  } catch (err) {
    return failed(ctx, attempt, err);
  }
}

/** PLAIN: `[authzid] NUL user NUL password`, checked against the user's SCRAM credential. */
async function plain(ctx: CommandContext, attempt: Attempt, payload: Uint8Array): Promise<Document> {
  const parts = Buffer.from(payload).toString('utf8').split('\0');
  if (parts.length !== 3) throw mongoError('BadValue', 'Incorrectly formatted PLAIN client message');
  const [authzid, user, password] = parts as [string, string, string];
  if (authzid !== '' && authzid !== user) throw mongoError('BadValue', 'SASL authorization identity must match authentication identity');
  const name: UserName = { user, db: attempt.db };
  attempt.name = name;
  const doc = await ctx.server.accessControl.lookupUser(name);
  if (!doc) throw new AttemptFailed(`Could not find user "${user}" for db "${attempt.db}"`);
  const mechanism = SCRAM_MECHANISMS.slice().reverse().find((m) => isDocument(doc.credentials?.[m]));
  if (!mechanism || !credentialMatches(mechanism, doc.credentials[mechanism] as ScramCredential, user, password)) {
    throw new AttemptFailed('Incorrect user name or password');
  }
  await succeeded(ctx, attempt, name);
  return { conversationId: CONVERSATION_ID, done: true, payload: new Binary(Buffer.alloc(0)) };
}

/** MONGODB-X509: the client certificate's subject names a user of `$external`. */
export async function authenticateX509(ctx: CommandContext, db: string, userArg: unknown, speculative: boolean): Promise<Document> {
  const attempt: Attempt = { mechanism: 'MONGODB-X509', name: undefined, db, speculative };
  checkMechanism(ctx, 'MONGODB-X509');
  try {
    if (db !== '$external') throw mongoError('ProtocolError', 'X.509 authentication must always use the $external database.');
    const subject = ctx.connection.tls?.peerSubject;
    if (subject === undefined) throw new AttemptFailed('No verified subject name available from client');
    if (userArg !== undefined && userArg !== subject) throw new AttemptFailed('There is no x.509 client certificate matching the user.');
    const name: UserName = { user: subject, db };
    attempt.name = name;
    await succeeded(ctx, attempt, name);
    return { dbname: db, user: subject };
  } catch (err) {
    return failed(ctx, attempt, err);
  }
}
