import { storedRoleNames } from '../auth/role_descriptions.js';
import { roleNameDocument, rolesInWrite } from '../auth/user_store_writes.js';
import { roleId } from '../auth/user_store.js';
import type { CommandDefinition } from './support/context.js';
import { nameParameter, parseUmcCommand, resolveRoleNames } from './support/umc_args.js';
import { authWrite } from './support/umc_write.js';
import { refuseBuiltinRole, requireNonEmpty, updateRoleDocument } from './support/role_change.js';

/** Stops a user-defined role inheriting roles. https://www.mongodb.com/docs/manual/reference/command/revokeRolesFromRole/ */
export const revokeRolesFromRole: CommandDefinition = {
  name: 'revokeRolesFromRole',
  async run(cmd, ctx) {
    const args = parseUmcCommand(cmd, 'revokeRolesFromRole', { roles: 'roles' }, ['roles']);
    const role = { role: nameParameter(cmd, 'revokeRolesFromRole'), db: ctx.db };
    requireNonEmpty(args.roles!, 'revokeRolesFromRole', 'roles');
    refuseBuiltinRole(role);
    const removed = new Set(resolveRoleNames(args.roles!, ctx.db).map(roleId));
    await authWrite(ctx, async (w) => {
      const current = storedRoleNames((await rolesInWrite(w)).get(roleId(role))?.roles);
      const inherits = current.filter((r) => !removed.has(roleId(r)));
      await updateRoleDocument(w, role, { $set: { roles: inherits.map(roleNameDocument) } });
    });
    return {};
  },
};
