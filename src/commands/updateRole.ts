import type { Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import { checkOkayToGrantPrivilegesToRole, privilegeDocument, resolvePrivileges } from '../auth/privilege_document.js';
import { checkOkayToGrantRolesToRole, checkRolesExist } from '../auth/role_descriptions.js';
import { roleNameDocument, rolesInWrite } from '../auth/user_store_writes.js';
import type { CommandDefinition } from './support/context.js';
import { nameParameter, parseUmcCommand, resolveRoleNames, restrictionDocuments } from './support/umc_args.js';
import { authWrite } from './support/umc_write.js';
import { updateRoleDocument } from './support/role_change.js';
import { ROLE_FIELDS } from './createRole.js';

/** Replaces a role's privileges, inherited roles or restrictions. https://www.mongodb.com/docs/manual/reference/command/updateRole/ */
export const updateRole: CommandDefinition = {
  name: 'updateRole',
  async run(cmd, ctx) {
    const args = parseUmcCommand(cmd, 'updateRole', ROLE_FIELDS);
    const role = { role: nameParameter(cmd, 'updateRole'), db: ctx.db };
    if (!args.roles && !args.privileges && !args.authenticationRestrictions) throw mongoError('BadValue', 'Must specify at least one field to update in updateRole');
    const set: Document = {};
    const unset: Document = {};
    const privileges = args.privileges ? resolvePrivileges(args.privileges) : undefined;
    if (privileges) set.privileges = privileges.map(privilegeDocument);
    const inherits = args.roles ? resolveRoleNames(args.roles, ctx.db) : undefined;
    if (inherits) set.roles = inherits.map(roleNameDocument);
    if (args.authenticationRestrictions) {
      if (args.authenticationRestrictions.length === 0) unset.authenticationRestrictions = '';
      else set.authenticationRestrictions = restrictionDocuments(args.authenticationRestrictions);
    }
    await authWrite(ctx, async (w) => {
      const roles = await rolesInWrite(w);
      checkRolesExist([role], roles);
      if (inherits) checkOkayToGrantRolesToRole(role, inherits, roles);
      if (privileges) checkOkayToGrantPrivilegesToRole(role, privileges);
      const update: Document = {};
      if (Object.keys(set).length > 0) update.$set = set;
      if (Object.keys(unset).length > 0) update.$unset = unset;
      await updateRoleDocument(w, role, update);
    });
    return {};
  },
};
