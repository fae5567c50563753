/**
 * From the roles a user is granted to everything they imply: the roles inherited through user-defined roles (any
 * depth; a cycle is cut where it closes) and the union of their privileges. A granted role that does not exist
 * grants nothing, as in mongod, which resolves roles when a user is acquired.
 */
import type { Document } from '../bson/types.js';
import type { Privilege, RoleName } from './privilege.js';
import { roleId, type RoleDocument } from './user_store.js';

/** The privileges of a built-in role, or undefined when the name is not one. */
export type BuiltinRoles = (name: RoleName) => readonly Privilege[] | undefined;

export interface ResolvedRoles {
  /** Every role reached, the granted ones first. */
  roles: RoleName[];
  privileges: Privilege[];
  /** The authentication restrictions of each reached role that has some: every one must be met. */
  restrictions: Document[][];
}

export function resolveRoles(granted: readonly RoleName[], userDefined: ReadonlyMap<string, RoleDocument>, builtin: BuiltinRoles): ResolvedRoles {
  const seen = new Set<string>();
  const roles: RoleName[] = [];
  const privileges: Privilege[] = [];
  const restrictions: Document[][] = [];
  const queue = [...granted];
  while (queue.length > 0) {
    const name = queue.shift()!;
    const id = roleId(name);
    if (seen.has(id)) continue;
    seen.add(id);
    const fromBuiltin = builtin(name);
    if (fromBuiltin) {
      roles.push({ role: name.role, db: name.db });
      privileges.push(...fromBuiltin);
      continue;
    }
    const doc = userDefined.get(id);
    if (!doc) continue;
    roles.push({ role: name.role, db: name.db });
    if (Array.isArray(doc.privileges)) privileges.push(...doc.privileges);
    if (Array.isArray(doc.authenticationRestrictions) && doc.authenticationRestrictions.length > 0) restrictions.push(doc.authenticationRestrictions);
    if (Array.isArray(doc.roles)) queue.push(...doc.roles);
  }
  return { roles, privileges, restrictions };
}
