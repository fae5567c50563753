/**
 * Users and user-defined roles live where mongod keeps them: `admin.system.users` (one document per user, `_id`
 * `<db>.<user>`) and `admin.system.roles` (`_id` `<db>.<role>`), ordinary collections written through the engine.
 * Change streams never show them (database and cluster streams skip the admin database and system collections, and
 * a stream on a system collection is refused).
 */
import type { Document } from '../bson/types.js';
import type { Engine } from '../engine/engine.js';
import { findDocuments } from '../engine/read_ops.js';
import type { RoleName, UserName, Privilege } from './privilege.js';

export const USERS_COLLECTION = 'system.users';
export const ROLES_COLLECTION = 'system.roles';
export const AUTH_DB = 'admin';

/** A user document as stored. `credentials` holds a SCRAM credential per mechanism, or `{external: true}`. */
export interface UserDocument extends Document {
  _id: string;
  user: string;
  db: string;
  credentials: Document;
  roles: RoleName[];
  customData?: Document;
  authenticationRestrictions?: Document[];
}

/** A user-defined role as stored. */
export interface RoleDocument extends Document {
  _id: string;
  role: string;
  db: string;
  privileges: Privilege[];
  roles: RoleName[];
  authenticationRestrictions?: Document[];
}

export function userId(name: UserName): string {
  return `${name.db}.${name.user}`;
}

export function roleId(name: RoleName): string {
  return `${name.db}.${name.role}`;
}

export async function findUser(engine: Engine, name: UserName): Promise<UserDocument | null> {
  const docs = await findDocuments(engine, AUTH_DB, USERS_COLLECTION, { filter: { _id: userId(name) }, limit: 1 });
  const doc = docs[0];
  return doc && doc.user === name.user && doc.db === name.db ? (doc as UserDocument) : null;
}

/** True when at least one user exists: the localhost exception ends with the first. */
export async function anyUserExists(engine: Engine): Promise<boolean> {
  return (await findDocuments(engine, AUTH_DB, USERS_COLLECTION, { filter: {}, limit: 1, projection: { _id: 1 } })).length > 0;
}

/** Every user-defined role, by `<db>.<role>`: few enough to hold, and every privilege resolution needs the graph. */
export async function loadRoles(engine: Engine): Promise<Map<string, RoleDocument>> {
  const roles = new Map<string, RoleDocument>();
  for (const doc of await findDocuments(engine, AUTH_DB, ROLES_COLLECTION, { filter: {} })) {
    if (typeof doc.role === 'string' && typeof doc.db === 'string') roles.set(roleId({ role: doc.role, db: doc.db }), doc as RoleDocument);
  }
  return roles;
}
