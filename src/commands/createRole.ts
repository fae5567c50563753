import type { Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import { isBuiltinRole } from '../auth/builtin_roles.js';
import { checkOkayToGrantPrivilegesToRole, privilegeDocument, resolvePrivileges } from '../auth/privilege_document.js';
import { checkOkayToGrantRolesToRole } from '../auth/role_descriptions.js';
import { insertRoleDocument, roleNameDocument, rolesInWrite } from '../auth/user_store_writes.js';
import type { RoleDocument } from '../auth/user_store.js';
import type { CommandDefinition } from './support/context.js';
import { nameParameter, parseUmcCommand, resolveRoleNames, restrictionDocuments } from './support/umc_args.js';
import { authWrite } from './support/umc_write.js';

/** createRole's and updateRole's fields. */
export const ROLE_FIELDS = { privileges: 'privileges', roles: 'roles', authenticationRestrictions: 'restrictions' } as const;

/**
 * Stores a user-defined role in `admin.system.roles`: its privileges (merged per resource) and the roles it
 * inherits. https://www.mongodb.com/docs/manual/reference/command/createRole/
 */
export const createRole: CommandDefinition = {
  name: 'createRole',
  async run(cmd, ctx) {
    const args = parseUmcCommand(cmd, 'createRole', ROLE_FIELDS, ['privileges', 'roles']);
    const name = nameParameter(cmd, 'createRole');
    const db = ctx.db;
    if (name === '') throw mongoError('BadValue', 'Role name must be non-empty');
    const role = { role: name, db };
    if (db === 'local') throw mongoError('BadValue', 'Cannot create roles in the local database');
    if (db === '$external') throw mongoError('BadValue', 'Cannot create roles in the $external database');
    if (isBuiltinRole(role)) throw mongoError('BadValue', 'Cannot create roles with the same name as a built-in role');
    const privileges = resolvePrivileges(args.privileges!);
    const inherits = resolveRoleNames(args.roles!, db);
    const doc: Document = { _id: `${db}.${name}`, role: name, db, privileges: privileges.map(privilegeDocument), roles: inherits.map(roleNameDocument) };
    if (args.authenticationRestrictions && args.authenticationRestrictions.length > 0) doc.authenticationRestrictions = restrictionDocuments(args.authenticationRestrictions);
    await authWrite(ctx, async (w) => {
      checkOkayToGrantRolesToRole(role, inherits, await rolesInWrite(w));
      checkOkayToGrantPrivilegesToRole(role, privileges);
      await insertRoleDocument(w, doc as RoleDocument);
    });
    return {};
  },
};
