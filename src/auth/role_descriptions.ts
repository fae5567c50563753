/**
 * What the role commands check against the role graph (a role exists, granting roles makes no cycle) and how
 * rolesInfo and usersInfo describe roles: the roles inherited at any depth and the privileges they add up to, in
 * the fields and order mongod gives them.
 */
import type { Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import { builtinRoleNames, builtinRolePrivileges, isBuiltinRole } from './builtin_roles.js';
import { fullName, type Privilege, type RoleName } from './privilege.js';
import { mergePrivileges, privilegeDocument, storedPrivilege } from './privilege_document.js';
import { resolveRoles } from './role_graph.js';
import { roleId, type RoleDocument } from './user_store.js';

export type UserDefinedRoles = ReadonlyMap<string, RoleDocument>;

export function roleExists(name: RoleName, roles: UserDefinedRoles): boolean {
  return isBuiltinRole(name) || roles.has(roleId(name));
}

/** RoleNotFound (31) naming every missing role, as mongod's rolesExist words it. */
export function checkRolesExist(names: readonly RoleName[], roles: UserDefinedRoles): void {
  const missing = [...new Map(names.filter((n) => !roleExists(n, roles)).map((n) => [roleId(n), n])).values()];
  if (missing.length === 0) return;
  throw mongoError('RoleNotFound', `Could not find role${missing.length > 1 ? 's' : ''}: ${missing.map(fullName).join(', ')}`);
}

/**
 * mongod's checks before `role` may inherit `rolesToAdd`: not itself, the same database unless `role` is in admin,
 * every role existing, and no cycle (`role` must not be reachable from what it would inherit).
 */
export function checkOkayToGrantRolesToRole(role: RoleName, rolesToAdd: readonly RoleName[], roles: UserDefinedRoles): void {
  for (const add of rolesToAdd) {
    if (add.role === role.role && add.db === role.db) throw mongoError('InvalidRoleModification', `Cannot grant role ${fullName(role)} to itself.`);
    if (role.db !== 'admin' && add.db !== role.db) {
      throw mongoError('InvalidRoleModification', `Roles on the '${role.db}' database cannot be granted roles from other databases`);
    }
  }
  try {
    checkRolesExist(rolesToAdd, roles);
  } catch (err) {
    throw mongoError('RoleNotFound', `Cannot grant roles to '${fullName(role)}': ${(err as Error).message}`);
  }
  const reached = resolveRoles(rolesToAdd, roles, builtinRolePrivileges).roles;
  if (reached.some((r) => r.role === role.role && r.db === role.db)) {
    throw mongoError('InvalidRoleModification', `Granting roles to ${fullName(role)} would introduce a cycle in the role graph`);
  }
}

/** A stored `roles` array as role names (entries that are not `{role, db}` are skipped). */
export function storedRoleNames(value: unknown): RoleName[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((r) => (r && typeof r === 'object' && typeof r.role === 'string' && typeof r.db === 'string' ? [{ role: r.role, db: r.db }] : []));
}

/** A role's own privileges as stored (a built-in role's from its definition). */
export function directPrivileges(name: RoleName, roles: UserDefinedRoles): Privilege[] {
  const builtin = builtinRolePrivileges(name);
  if (builtin) return builtin;
  const doc = roles.get(roleId(name));
  return Array.isArray(doc?.privileges) ? doc.privileges.flatMap((p) => storedPrivilege(p) ?? []) : [];
}

interface Resolved {
  roles: RoleName[];
  privileges: Privilege[];
  restrictions: unknown[];
}

/** Everything `granted` reaches: the roles themselves and all they inherit, their privileges merged per resource. */
function resolve(granted: readonly RoleName[], roles: UserDefinedRoles): Resolved {
  const reached = resolveRoles(granted, roles, builtinRolePrivileges).roles;
  let privileges: Privilege[] = [];
  const restrictions: unknown[] = [];
  for (const name of reached) {
    privileges = mergePrivileges(privileges, directPrivileges(name, roles));
    const ar = roles.get(roleId(name))?.authenticationRestrictions;
    if (Array.isArray(ar) && ar.length > 0) restrictions.push(ar);
  }
  return { roles: reached, privileges, restrictions };
}

const nameDoc = (n: RoleName): Document => ({ role: n.role, db: n.db });

/** The fields mongod appends after a role or user: inheritedRoles, then the privileges and restrictions asked for. */
function inheritedFields(out: Document, data: Resolved, show: { privileges: boolean; restrictions: boolean }, own?: RoleDocument): void {
  out.inheritedRoles = data.roles.map(nameDoc);
  if (show.privileges) {
    const ownPrivileges = Array.isArray(own?.privileges) ? own.privileges : [];
    out.inheritedPrivileges = [...ownPrivileges, ...data.privileges.map(privilegeDocument)];
  }
  if (show.restrictions) {
    const ownRestrictions = Array.isArray(own?.authenticationRestrictions) && own.authenticationRestrictions.length > 0 ? [own.authenticationRestrictions] : [];
    out.inheritedAuthenticationRestrictions = [...ownRestrictions, ...data.restrictions];
  }
}

/** A role document's fields as rolesInfo shows them: privileges only when asked, restrictions lifted into a list. */
function roleFields(doc: Document, show: { privileges: boolean; restrictions: boolean }): Document {
  const out: Document = {};
  let sawRestrictions = false;
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'privileges' && !show.privileges) continue;
    if (key === 'authenticationRestrictions') {
      sawRestrictions = true;
      if (show.restrictions) out[key] = [value];
      continue;
    }
    out[key] = value;
  }
  if (!sawRestrictions && show.restrictions) out.authenticationRestrictions = [];
  return out;
}

export interface RoleDescriptionOptions {
  privileges: boolean;
  restrictions: boolean;
}

/** rolesInfo's entry for one named role, or null when it does not exist. */
export function describeRole(name: RoleName, roles: UserDefinedRoles, show: RoleDescriptionOptions): Document | null {
  let doc: Document;
  let own: RoleDocument | undefined;
  if (isBuiltinRole(name)) {
    doc = { db: name.db, role: name.role, roles: [] };
    if (show.privileges) doc.privileges = (builtinRolePrivileges(name) ?? []).map(privilegeDocument);
    own = doc as RoleDocument;
  } else {
    own = roles.get(roleId(name));
    if (!own) return null;
    doc = own;
  }
  const out = roleFields(doc, show);
  inheritedFields(out, resolve(storedRoleNames(doc.roles), roles), show, own);
  out.isBuiltin = isBuiltinRole(name);
  return out;
}

/** rolesInfo: 1: the built-in roles of `db` when asked, then its user-defined roles. */
export function describeRolesOfDatabase(db: string, roles: UserDefinedRoles, show: RoleDescriptionOptions, showBuiltinRoles: boolean): Document[] {
  const out: Document[] = [];
  if (showBuiltinRoles) {
    for (const { role } of builtinRoleNames(db)) {
      const entry: Document = { role, db, isBuiltin: true, roles: [], inheritedRoles: [] };
      if (show.privileges) {
        const privileges = (builtinRolePrivileges({ role, db }) ?? []).map(privilegeDocument);
        entry.privileges = privileges;
        entry.inheritedPrivileges = privileges;
      }
      if (show.restrictions) {
        entry.authenticationRestrictions = [];
        entry.inheritedAuthenticationRestrictions = [];
      }
      out.push(entry);
    }
  }
  for (const doc of roles.values()) {
    if (doc.db !== db) continue;
    const entry = roleFields(doc, show);
    entry.isBuiltin = false;
    inheritedFields(entry, resolve(storedRoleNames(doc.roles), roles), show, doc);
    out.push(entry);
  }
  return out;
}

/** rolesInfo with `showPrivileges: 'asUserFragment'`: the roles as a user holding all of them would see them. */
export function rolesAsUserFragment(names: readonly RoleName[], roles: UserDefinedRoles, showRestrictions: boolean): Document {
  const fragment: Document = { roles: names.map(nameDoc) };
  inheritedFields(fragment, resolve(names, roles), { privileges: true, restrictions: showRestrictions });
  return fragment;
}

/** A user document with what its roles grant appended, as mongod's getUserDescription gives it. */
export function describeUser(user: Document, roles: UserDefinedRoles): Document {
  const out: Document = { ...user };
  inheritedFields(out, resolve(storedRoleNames(user.roles), roles), { privileges: true, restrictions: true });
  return out;
}
