import { checkOkayToGrantPrivilegesToRole, mergePrivileges, privilegeDocument, resolvePrivileges } from '../auth/privilege_document.js';
import { directPrivileges } from '../auth/role_descriptions.js';
import { rolesInWrite } from '../auth/user_store_writes.js';
import type { CommandDefinition } from './support/context.js';
import { nameParameter, parseUmcCommand } from './support/umc_args.js';
import { authWrite } from './support/umc_write.js';
import { refuseBuiltinRole, requireNonEmpty, updateRoleDocument } from './support/role_change.js';

/** Adds privileges to a user-defined role. https://www.mongodb.com/docs/manual/reference/command/grantPrivilegesToRole/ */
export const grantPrivilegesToRole: CommandDefinition = {
  name: 'grantPrivilegesToRole',
  async run(cmd, ctx) {
    const args = parseUmcCommand(cmd, 'grantPrivilegesToRole', { privileges: 'privileges' }, ['privileges']);
    const role = { role: nameParameter(cmd, 'grantPrivilegesToRole'), db: ctx.db };
    requireNonEmpty(args.privileges!, 'grantPrivilegesToRole', 'privileges');
    refuseBuiltinRole(role);
    const granted = resolvePrivileges(args.privileges!);
    checkOkayToGrantPrivilegesToRole(role, granted);
    await authWrite(ctx, async (w) => {
      const privileges = mergePrivileges(directPrivileges(role, await rolesInWrite(w)), granted);
      await updateRoleDocument(w, role, { $set: { privileges: privileges.map(privilegeDocument) } });
    });
    return {};
  },
};
