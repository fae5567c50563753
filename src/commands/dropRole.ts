import { mongoError } from '../errors/index.js';
import { fullName } from '../auth/privilege.js';
import { checkRolesExist } from '../auth/role_descriptions.js';
import { removeAuthDocuments, rolesInWrite, updateAuthDocuments } from '../auth/user_store_writes.js';
import { ROLES_COLLECTION, USERS_COLLECTION } from '../auth/user_store.js';
import type { CommandDefinition } from './support/context.js';
import { nameParameter, parseUmcCommand } from './support/umc_args.js';
import { authWrite } from './support/umc_write.js';
import { refuseBuiltinRole } from './support/role_change.js';

/**
 * Removes a role from every user and role that holds it, then the role itself, in one transaction.
 * https://www.mongodb.com/docs/manual/reference/command/dropRole/
 */
export const dropRole: CommandDefinition = {
  name: 'dropRole',
  async run(cmd, ctx) {
    parseUmcCommand(cmd, 'dropRole', {});
    const role = { role: nameParameter(cmd, 'dropRole'), db: ctx.db };
    refuseBuiltinRole(role);
    await authWrite(ctx, async (w) => {
      checkRolesExist([role], await rolesInWrite(w));
      const holds = { roles: { $elemMatch: { role: role.role, db: role.db } } };
      const pull = { $pull: { roles: { role: role.role, db: role.db } } };
      await updateAuthDocuments(w, USERS_COLLECTION, holds, pull, true);
      await updateAuthDocuments(w, ROLES_COLLECTION, holds, pull, true);
      if ((await removeAuthDocuments(w, ROLES_COLLECTION, { role: role.role, db: role.db })) === 0) {
        throw mongoError('RoleNotFound', `Role '${fullName(role)}' not found`);
      }
    });
    return {};
  },
};
