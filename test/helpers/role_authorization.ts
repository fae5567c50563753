import type { Authorization } from '../../src/auth/authorization.js';
import { builtinRolePrivileges } from '../../src/auth/builtin_roles.js';
import { anyPrivilegeInDatabase, anyPrivilegeOn, privilegesCover, type Privilege, type RoleName, type UserName } from '../../src/auth/privilege.js';

/**
 * An Authorization for tests: one authenticated user holding built-in roles and privileges of its own, judged by
 * the real coverage rules (privilegesCover and friends), or nobody authenticated when `user` is null.
 */
export function roleAuthorization(user: UserName | null, roles: readonly RoleName[], privileges: readonly Privilege[] = []): Authorization {
  const held: Privilege[] = [...privileges];
  for (const role of roles) {
    const granted = builtinRolePrivileges(role);
    if (!granted) throw new Error(`no built-in role ${role.role}@${role.db}`);
    held.push(...granted);
  }
  return {
    isAuthenticated: user !== null,
    userNames: user ? [user] : [],
    isAuthorizedFor: (required) => privilegesCover(held, required),
    isAuthorizedForAnyActionOnDatabase: (db) => anyPrivilegeInDatabase(held, db),
    isAuthorizedForAnyActionOnCollection: (db, coll) => anyPrivilegeOn(held, { db, collection: coll }),
    isAuthenticatedAs: (name) => user !== null && user.user === name.user && user.db === name.db,
  };
}
