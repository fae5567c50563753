import { checkOkayToGrantRolesToRole, storedRoleNames } from '../auth/role_descriptions.js';
import { roleNameDocument, rolesInWrite } from '../auth/user_store_writes.js';
import { roleId } from '../auth/user_store.js';
import type { CommandDefinition } from './support/context.js';
import { nameParameter, parseUmcCommand, resolveRoleNames } from './support/umc_args.js';
import { authWrite } from './support/umc_write.js';
import { refuseBuiltinRole, requireNonEmpty, updateRoleDocument } from './support/role_change.js';
import { unique } from './support/user_roles_change.js';

/**
 * Makes a user-defined role inherit more roles; refused when that would make a cycle.
 * https://www.mongodb.com/docs/manual/reference/command/grantRolesToRole/
 */
export const grantRolesToRole: CommandDefinition = {
  name: 'grantRolesToRole',
  async run(cmd, ctx) {
    const args = parseUmcCommand(cmd, 'grantRolesToRole', { roles: 'roles' }, ['roles']);
    const role = { role: nameParameter(cmd, 'grantRolesToRole'), db: ctx.db };
    requireNonEmpty(args.roles!, 'grantRolesToRole', 'roles');
    refuseBuiltinRole(role);
    const added = resolveRoleNames(args.roles!, ctx.db);
    await authWrite(ctx, async (w) => {
      const roles = await rolesInWrite(w);
      checkOkayToGrantRolesToRole(role, added, roles);
      const inherits = unique([...storedRoleNames(roles.get(roleId(role))?.roles), ...added]);
      await updateRoleDocument(w, role, { $set: { roles: inherits.map(roleNameDocument) } });
    });
    return {};
  },
};
