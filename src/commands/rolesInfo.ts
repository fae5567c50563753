import { isNumeric, toNumber, type Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import type { RoleName } from '../auth/privilege.js';
import { describeRole, describeRolesOfDatabase, rolesAsUserFragment } from '../auth/role_descriptions.js';
import { loadRoles } from '../auth/user_store.js';
import type { CommandDefinition } from './support/context.js';
import { parseRoleNameArg, parseUmcCommand } from './support/umc_args.js';

const FIELDS = { showPrivileges: 'privilegeFormat', showBuiltinRoles: 'safeBool', showAuthenticationRestrictions: 'safeBool' } as const;

function parseTarget(arg: unknown, db: string): RoleName[] | 'db' {
  if (isNumeric(arg) && Math.trunc(toNumber(arg)) === 1) return 'db';
  if (Array.isArray(arg)) return arg.map((v) => parseRoleNameArg(v, db));
  return [parseRoleNameArg(arg, db)];
}

/**
 * Describes roles: built-in ones from their definitions, user-defined ones from `admin.system.roles`, each with
 * the roles it inherits and, when asked, its privileges and inherited privileges; roles that do not exist are left
 * out. https://www.mongodb.com/docs/manual/reference/command/rolesInfo/
 */
export const rolesInfo: CommandDefinition = {
  name: 'rolesInfo',
  async run(cmd, ctx) {
    const args = parseUmcCommand(cmd, 'rolesInfo', FIELDS);
    const target = parseTarget(cmd.rolesInfo, ctx.db);
    const format = args.showPrivileges ?? 'omit';
    const restrictions = args.showAuthenticationRestrictions ?? false;
    const roles = await loadRoles(ctx.engine);
    if (target === 'db') {
      if (format === 'asUserFragment') throw mongoError('IllegalOperation', 'Cannot get user fragment for all roles in a database');
      return { roles: describeRolesOfDatabase(ctx.db, roles, { privileges: format === 'separate', restrictions }, args.showBuiltinRoles ?? false) };
    }
    if (format === 'asUserFragment') return { userFragment: rolesAsUserFragment(target, roles, restrictions) };
    const described: Document[] = [];
    for (const name of target) {
      const entry = describeRole(name, roles, { privileges: format === 'separate', restrictions });
      if (entry) described.push(entry);
    }
    return { roles: described };
  },
};
