import { mongoError } from '../../errors/index.js';
import type { RoleName } from '../../auth/privilege.js';
import { checkRolesExist, storedRoleNames } from '../../auth/role_descriptions.js';
import { findUserInWrite, roleNameDocument, rolesInWrite, updateAuthDocuments } from '../../auth/user_store_writes.js';
import { roleId, USERS_COLLECTION } from '../../auth/user_store.js';
import type { CommandContext } from './context.js';
import type { Document } from '../../bson/types.js';
import { nameParameter, parseUmcCommand, resolveRoleNames } from './umc_args.js';
import { authWrite } from './umc_write.js';

/**
 * grantRolesToUser and revokeRolesFromUser: the user must exist and so must every role named (even one being
 * revoked); the user's roles become its current ones plus, or minus, those.
 */
export async function changeUserRoles(cmd: Document, ctx: CommandContext, command: 'grantRolesToUser' | 'revokeRolesFromUser'): Promise<Document> {
  const args = parseUmcCommand(cmd, command, { roles: 'roles' }, ['roles']);
  const user = nameParameter(cmd, command);
  const db = ctx.db;
  if (args.roles!.length === 0) throw mongoError('BadValue', `${command} command requires a non-empty "roles" array`);
  const named = resolveRoleNames(args.roles!, db);
  await authWrite(ctx, async (w) => {
    const doc = await findUserInWrite(w, user, db);
    if (!doc) throw mongoError('UserNotFound', `Could not find user "${user}" for db "${db}"`);
    checkRolesExist(named, await rolesInWrite(w));
    const current = storedRoleNames(doc.roles);
    const ids = new Set(named.map(roleId));
    const roles: RoleName[] = command === 'grantRolesToUser' ? unique([...current, ...named]) : current.filter((r) => !ids.has(roleId(r)));
    if ((await updateAuthDocuments(w, USERS_COLLECTION, { user, db }, { $set: { roles: roles.map(roleNameDocument) } })) === 0) {
      throw mongoError('UserNotFound', `User ${user}@${db} not found`);
    }
  });
  return {};
}

export function unique(names: readonly RoleName[]): RoleName[] {
  return [...new Map(names.map((n) => [roleId(n), n])).values()];
}
