import { isDocument, isNumeric, type Document } from '../../bson/types.js';
import type { Authorization } from '../../auth/authorization.js';
import type { Privilege, Resource, RoleName, UserName } from '../../auth/privilege.js';
import type { CommandRequirement } from './command_requirement.js';

/**
 * The privileges of the user and role management commands, as mongod checks them: each command's own action on
 * the database it runs on, `grantRole`/`revokeRole` on the database of every role granted or revoked, and for
 * privileges granted to a role, `grantRole` on their database (or on admin for a resource that spans databases).
 * A user may always view itself and, with `changeOwnPassword`/`changeOwnCustomData`, change its own password and
 * customData.
 */

const onDatabase = (db: string, actions: string[]): Privilege => ({ resource: { db, collection: '' }, actions });
const onAnyNormal = (actions: string[]): Privilege => ({ resource: { db: '', collection: '' }, actions });
const onCluster = (actions: string[]): Privilege => ({ resource: { cluster: true }, actions });

/** A role as the commands name it: a string in the command's database, or `{role, db}`. */
function roleNames(value: unknown, db: string): RoleName[] {
  if (!Array.isArray(value)) return [];
  const names: RoleName[] = [];
  for (const entry of value) {
    if (typeof entry === 'string') names.push({ role: entry, db });
    else if (isDocument(entry) && typeof entry.role === 'string' && typeof entry.db === 'string') names.push({ role: entry.role, db: entry.db });
  }
  return names;
}

function userNames(value: unknown, db: string): UserName[] {
  const one = (entry: unknown): UserName | null => {
    if (typeof entry === 'string') return { user: entry, db };
    if (isDocument(entry) && typeof entry.user === 'string' && typeof entry.db === 'string') return { user: entry.user, db: entry.db };
    return null;
  };
  const list = Array.isArray(value) ? value : [value];
  return list.map(one).filter((n): n is UserName => n !== null);
}

const rolePrivileges = (roles: RoleName[], action: string): Privilege[] => roles.map((r) => onDatabase(r.db, [action]));

/** The database whose `grantRole`/`revokeRole` a privilege on `resource` needs: its own, or admin across databases. */
function privilegeDatabase(resource: unknown): string {
  if (isDocument(resource) && typeof resource.db === 'string' && resource.db !== '' && typeof resource.collection === 'string') return resource.db;
  return 'admin';
}

function grantedPrivileges(value: unknown, action: string): Privilege[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isDocument).map((p) => onDatabase(privilegeDatabase(p.resource), [action]));
}

function restrictions(cmd: Document, db: string): Privilege[] {
  return cmd.authenticationRestrictions !== undefined ? [onDatabase(db, ['setAuthenticationRestriction'])] : [];
}

const needs = (privileges: Privilege[]): CommandRequirement => ({ requiresAuth: true, privileges });

function updateUser(cmd: Document, db: string): CommandRequirement {
  const name: UserName = { user: typeof cmd.updateUser === 'string' ? cmd.updateUser : '', db };
  const userDb: Resource = { db, collection: '' };
  // Each part the command changes is allowed separately: by the privilege, or for the user itself by the "own" one.
  const parts: { privileges: Privilege[]; own?: string }[] = [];
  if (cmd.pwd !== undefined) parts.push({ privileges: [onDatabase(db, ['changePassword'])], own: 'changeOwnPassword' });
  if (cmd.customData !== undefined) parts.push({ privileges: [onDatabase(db, ['changeCustomData'])], own: 'changeOwnCustomData' });
  if (cmd.roles !== undefined) {
    // The roles a new list drops are unknown here, so setting it needs the right to revoke any role.
    parts.push({ privileges: [onAnyNormal(['revokeRole']), ...rolePrivileges(roleNames(cmd.roles, db), 'grantRole')] });
  }
  if (cmd.authenticationRestrictions !== undefined) parts.push({ privileges: [onDatabase(db, ['setAuthenticationRestriction'])] });
  return {
    requiresAuth: true,
    privileges: parts.flatMap((p) => p.privileges),
    allows: (authz) =>
      parts.every(
        (part) =>
          authz.isAuthorizedFor(part.privileges) ||
          (part.own !== undefined && authz.isAuthenticatedAs(name) && authz.isAuthorizedFor([{ resource: userDb, actions: [part.own] }])),
      ),
  };
}

function usersInfo(cmd: Document, db: string): CommandRequirement {
  const value = cmd.usersInfo;
  if (isDocument(value) && value.forAllDBs !== undefined) return needs([onCluster(['viewUser'])]);
  if (isNumeric(value)) return needs([onDatabase(db, ['viewUser'])]);
  const names = userNames(value, db);
  return {
    requiresAuth: true,
    privileges: names.map((n) => onDatabase(n.db, ['viewUser'])),
    allows: (authz) => names.every((n) => authz.isAuthenticatedAs(n) || authz.isAuthorizedFor([onDatabase(n.db, ['viewUser'])])),
  };
}

/** An Authorization that can also say whether a user holds a role (mongod lets a user view its own roles). */
interface RoleAwareAuthorization extends Authorization {
  isAuthenticatedAsUserWithRole(role: RoleName): boolean;
}

function holdsRole(authz: Authorization, role: RoleName): boolean {
  const aware = authz as Partial<RoleAwareAuthorization>;
  return typeof aware.isAuthenticatedAsUserWithRole === 'function' && aware.isAuthenticatedAsUserWithRole(role);
}

function rolesInfo(cmd: Document, db: string): CommandRequirement {
  const value = cmd.rolesInfo;
  if (isNumeric(value)) return needs([onDatabase(db, ['viewRole'])]);
  const list = Array.isArray(value) ? value : [value];
  const names = list.flatMap((entry) => roleNames([entry], db));
  return {
    requiresAuth: true,
    privileges: names.map((n) => onDatabase(n.db, ['viewRole'])),
    allows: (authz) => names.every((n) => holdsRole(authz, n) || authz.isAuthorizedFor([onDatabase(n.db, ['viewRole'])])),
  };
}

type RequirementOf = (cmd: Document, db: string) => CommandRequirement;

export const USER_MANAGEMENT_REQUIREMENTS: Readonly<Record<string, RequirementOf>> = {
  createUser: (cmd, db) =>
    needs([onDatabase(db, ['createUser']), ...rolePrivileges(roleNames(cmd.roles, db), 'grantRole'), ...restrictions(cmd, db)]),
  updateUser,
  dropUser: (_cmd, db) => needs([onDatabase(db, ['dropUser'])]),
  dropAllUsersFromDatabase: (_cmd, db) => needs([onDatabase(db, ['dropUser'])]),
  usersInfo,
  grantRolesToUser: (cmd, db) => needs(rolePrivileges(roleNames(cmd.roles, db), 'grantRole')),
  revokeRolesFromUser: (cmd, db) => needs(rolePrivileges(roleNames(cmd.roles, db), 'revokeRole')),
  createRole: (cmd, db) =>
    needs([
      onDatabase(db, ['createRole']),
      ...rolePrivileges(roleNames(cmd.roles, db), 'grantRole'),
      ...grantedPrivileges(cmd.privileges, 'grantRole'),
      ...restrictions(cmd, db),
    ]),
  updateRole: (cmd, db) =>
    needs([
      // What the update removes is unknown here, so it needs the right to revoke any role.
      onAnyNormal(['revokeRole']),
      ...rolePrivileges(roleNames(cmd.roles, db), 'grantRole'),
      ...grantedPrivileges(cmd.privileges, 'grantRole'),
      ...restrictions(cmd, db),
    ]),
  dropRole: (_cmd, db) => needs([onDatabase(db, ['dropRole'])]),
  dropAllRolesFromDatabase: (_cmd, db) => needs([onDatabase(db, ['dropRole'])]),
  rolesInfo,
  grantPrivilegesToRole: (cmd) => needs(grantedPrivileges(cmd.privileges, 'grantRole')),
  revokePrivilegesFromRole: (cmd) => needs(grantedPrivileges(cmd.privileges, 'revokeRole')),
  grantRolesToRole: (cmd, db) => needs(rolePrivileges(roleNames(cmd.roles, db), 'grantRole')),
  revokeRolesFromRole: (cmd, db) => needs(rolePrivileges(roleNames(cmd.roles, db), 'revokeRole')),
};
