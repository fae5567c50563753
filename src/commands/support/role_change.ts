import type { Document } from '../../bson/types.js';
import { mongoError } from '../../errors/index.js';
import type { WriteContext } from '../../engine/engine.js';
import { isBuiltinRole } from '../../auth/builtin_roles.js';
import { fullName, type RoleName } from '../../auth/privilege.js';
import { updateAuthDocuments } from '../../auth/user_store_writes.js';
import { ROLES_COLLECTION } from '../../auth/user_store.js';

/** The commands that change a role refuse built-in roles, as mongod does. */
export function refuseBuiltinRole(role: RoleName): void {
  if (isBuiltinRole(role)) throw mongoError('BadValue', `${fullName(role)} is a built-in role and cannot be modified`);
}

/** Applies `update` to the role's document; RoleNotFound (31) when there is none. */
export async function updateRoleDocument(w: WriteContext, role: RoleName, update: Document): Promise<void> {
  if ((await updateAuthDocuments(w, ROLES_COLLECTION, { role: role.role, db: role.db }, update)) === 0) {
    throw mongoError('RoleNotFound', `Role ${fullName(role)} not found`);
  }
}

/** A command that requires a non-empty array: mongod's wording. */
export function requireNonEmpty(values: readonly unknown[], command: string, field: string): void {
  if (values.length === 0) throw mongoError('BadValue', `${command} command requires a non-empty "${field}" array`);
}
