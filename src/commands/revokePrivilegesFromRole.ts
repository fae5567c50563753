import { privilegeDocument, removePrivileges, resolvePrivileges } from '../auth/privilege_document.js';
import { directPrivileges } from '../auth/role_descriptions.js';
import { rolesInWrite } from '../auth/user_store_writes.js';
import type { CommandDefinition } from './support/context.js';
import { nameParameter, parseUmcCommand } from './support/umc_args.js';
import { authWrite } from './support/umc_write.js';
import { refuseBuiltinRole, requireNonEmpty, updateRoleDocument } from './support/role_change.js';

/**
 * Removes actions from a user-defined role's privileges on the same resources (a privilege left with none goes).
 * https://www.mongodb.com/docs/manual/reference/command/revokePrivilegesFromRole/
 */
export const revokePrivilegesFromRole: CommandDefinition = {
  name: 'revokePrivilegesFromRole',
  async run(cmd, ctx) {
    const args = parseUmcCommand(cmd, 'revokePrivilegesFromRole', { privileges: 'privileges' }, ['privileges']);
    const role = { role: nameParameter(cmd, 'revokePrivilegesFromRole'), db: ctx.db };
    requireNonEmpty(args.privileges!, 'revokePrivilegesFromRole', 'privileges');
    refuseBuiltinRole(role);
    const revoked = resolvePrivileges(args.privileges!);
    await authWrite(ctx, async (w) => {
      const privileges = removePrivileges(directPrivileges(role, await rolesInWrite(w)), revoked);
      await updateRoleDocument(w, role, { $set: { privileges: privileges.map(privilegeDocument) } });
    });
    return {};
  },
};
