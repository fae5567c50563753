/**
 * Access control around each command, when the server runs with --auth: the connection's privileges brought up to
 * date, the command's required privileges checked, and cursors tied to the user who opened them. A getMore must
 * come from that user and still hold what opening the cursor needed, so revoking a privilege ends a change stream
 * at its next getMore.
 */
import { isDocument, toBigInt, type Document } from '../../bson/types.js';
import { mongoError } from '../../errors/index.js';
import type { Privilege } from '../../auth/privilege.js';
import type { AuthorizationSession } from '../../auth/authorization_session.js';
import { authorizationSession } from './authentication.js';
import { checkCommandAuthorization, requiredPrivilegesOf } from './command_privileges.js';
import type { CommandContext, ConnectionState } from './context.js';

interface CursorOwner {
  /** `<db>.<user>`, or null when the localhost exception opened it. */
  user: string | null;
  privileges: readonly Privilege[];
}

function userKey(session: AuthorizationSession | undefined): string | null {
  const name = session?.userNames[0];
  return name ? `${name.db}.${name.user}` : null;
}

function sessionOf(connection: ConnectionState): AuthorizationSession | undefined {
  return connection.state.authorization as AuthorizationSession | undefined;
}

/** The connection's user as `$currentOp` shows it (`effectiveUsers`), or undefined when nobody authenticated. */
export function authenticatedUsers(connection: ConnectionState): Document[] | undefined {
  const names = sessionOf(connection)?.userNames;
  return names && names.length > 0 ? names.map((n) => ({ user: n.user, db: n.db })) : undefined;
}

/**
 * Who may see or kill what: with access control on, the key (`<db>.<user>`) of the user a `$currentOp` without
 * `allUsers` (or the currentOp command with `$ownOps`) restricts itself to; undefined to show everything.
 */
export function ownerFilter(ctx: CommandContext, ownOnly: boolean): { user: string | null; owns(connection: ConnectionState): boolean; ownsUsers(users: Document[] | undefined): boolean; ownsCursor(id: bigint): boolean } | undefined {
  if (!ctx.authz || !ownOnly) return undefined;
  const mine = userKey(ctx.authz as AuthorizationSession);
  const keyOf = (users: Document[] | undefined): string | null => (users && users[0] ? `${String(users[0].db)}.${String(users[0].user)}` : null);
  return {
    user: mine,
    owns: (connection) => userKey(sessionOf(connection)) === mine,
    ownsUsers: (users) => keyOf(users) === mine,
    ownsCursor: (id) => (ctx.server.engine.cursors.ownerOf(id) as CursorOwner | undefined)?.user === mine,
  };
}

/** Throws Unauthorized (13) unless the connection may run this command. */
export async function authorizeCommand(name: string, cmd: Document, ctx: CommandContext): Promise<void> {
  const session = authorizationSession(ctx);
  await session.refresh();
  ctx.authz = session;
  if (name === 'getMore') authorizeGetMore(cmd, ctx, session);
  else if (name === 'killCursors') authorizeKillCursors(cmd, ctx, session);
  else checkCommandAuthorization(name, cmd, ctx.db, session);
}

function authorizeGetMore(cmd: Document, ctx: CommandContext, session: AuthorizationSession): void {
  const id = toBigInt(cmd.getMore);
  if (id === null) return; // the command reports its own argument error
  const owner = ctx.server.engine.cursors.ownerOf(id) as CursorOwner | undefined;
  if (!owner) return;
  if (owner.user !== userKey(session)) throw mongoError('Unauthorized', `cursor id ${id} was not created by the authenticated user`);
  if (!session.isAuthorizedFor(owner.privileges)) {
    // The user lost what the cursor needs: the cursor ends with this getMore.
    ctx.server.engine.cursors.kill(id);
    throw mongoError('Unauthorized', `not authorized for getMore with cursor id ${id}`);
  }
}

/** killCursors: one's own cursors, or any with killAnyCursor on the namespace. */
function authorizeKillCursors(cmd: Document, ctx: CommandContext, session: AuthorizationSession): void {
  if (!session.isAuthenticated && !session.usingLocalhostBypass) throw mongoError('Unauthorized', 'Command killCursors requires authentication');
  if (!Array.isArray(cmd.cursors) || typeof cmd.killCursors !== 'string') return;
  const mine = userKey(session);
  const resource = { db: ctx.db, collection: cmd.killCursors };
  for (const raw of cmd.cursors) {
    const id = toBigInt(raw);
    if (id === null) continue;
    const owner = ctx.server.engine.cursors.ownerOf(id) as CursorOwner | undefined;
    if (!owner || owner.user === mine) continue;
    if (!session.isAuthorizedFor([{ resource, actions: ['killAnyCursor'] }])) {
      throw mongoError('Unauthorized', `not authorized to kill cursor on ${ctx.db}.${cmd.killCursors}`);
    }
  }
}

/** Ties a cursor the command opened to its user and to the privileges opening it took. */
export function recordCursorOwner(name: string, cmd: Document, ctx: CommandContext, reply: Document): void {
  const session = ctx.authz as AuthorizationSession | undefined;
  if (!session || name === 'getMore' || !isDocument(reply.cursor)) return;
  const id = toBigInt(reply.cursor.id);
  if (id === null || id === 0n) return;
  const owner: CursorOwner = { user: userKey(session), privileges: requiredPrivilegesOf(name, cmd, ctx.db, session.userNames) };
  ctx.server.engine.cursors.setOwner(id, owner);
}
