/**
 * The user and role management commands' reads and writes of `admin.system.users` and `admin.system.roles`, inside
 * one storage write: a command checks (a role exists, no cycle, no duplicate) and writes in the same transaction,
 * so two such commands never interleave between a check and its write, as mongod's user management lock ensures.
 */
import type { Document } from '../bson/types.js';
import { MongoServerError } from '../errors/index.js';
import type { WriteContext } from '../engine/engine.js';
import type { CollectionInfo } from '../engine/catalog.js';
import { candidateChunksFor } from '../engine/scan.js';
import { compileCommandFilter } from '../engine/expr_filter.js';
import { createIndexes, normalizeIndexSpec } from '../engine/ddl.js';
import { deleteStatement, insertInTransaction, updateStatement } from '../engine/write_ops.js';
import type { RoleName } from './privilege.js';
import { AUTH_DB, ROLES_COLLECTION, USERS_COLLECTION, roleId, type RoleDocument, type UserDocument } from './user_store.js';

type AuthCollection = typeof USERS_COLLECTION | typeof ROLES_COLLECTION;

/** The unique indexes mongod keeps on the two collections, made by the first write that needs them. */
const AUTH_INDEXES: Readonly<Record<AuthCollection, Document>> = {
  [USERS_COLLECTION]: { v: 2, key: { user: 1, db: 1 }, name: 'user_1_db_1', unique: true },
  [ROLES_COLLECTION]: { v: 2, key: { role: 1, db: 1 }, name: 'role_1_db_1', unique: true },
};

const DUPLICATE_KEY = 11000;

/** The documents of `coll` matching `filter`, read through the write's own transaction. */
export async function findInWrite(ctx: WriteContext, coll: AuthCollection, filter: Document): Promise<Document[]> {
  const info = await ctx.collection(AUTH_DB, coll);
  if (!info) return [];
  const match = compileCommandFilter(filter, null);
  const found: Document[] = [];
  for await (const chunk of candidateChunksFor(ctx.writer, info as CollectionInfo, { filter, collation: null })) {
    for (const { doc } of chunk) if (match.matches(doc)) found.push(doc);
  }
  return found;
}

export async function findUserInWrite(ctx: WriteContext, user: string, db: string): Promise<UserDocument | null> {
  const [doc] = await findInWrite(ctx, USERS_COLLECTION, { user, db });
  return (doc as UserDocument | undefined) ?? null;
}

/** Every user-defined role by `<db>.<role>`, as `loadRoles` reads them, inside the write. */
export async function rolesInWrite(ctx: WriteContext): Promise<Map<string, RoleDocument>> {
  const roles = new Map<string, RoleDocument>();
  for (const doc of await findInWrite(ctx, ROLES_COLLECTION, {})) {
    if (typeof doc.role === 'string' && typeof doc.db === 'string') roles.set(roleId({ role: doc.role, db: doc.db }), doc as RoleDocument);
  }
  return roles;
}

async function ensureAuthIndex(ctx: WriteContext, coll: AuthCollection): Promise<void> {
  const spec = AUTH_INDEXES[coll];
  const info = await ctx.collection(AUTH_DB, coll);
  if (info?.indexes.some((index) => index.name === spec.name)) return;
  await createIndexes(ctx, AUTH_DB, coll, [normalizeIndexSpec(spec)]);
}

/** Stores a new user; one that exists (by `_id` or by user and db) is mongod's 51003. */
export async function insertUserDocument(ctx: WriteContext, doc: UserDocument): Promise<void> {
  await ensureAuthIndex(ctx, USERS_COLLECTION);
  try {
    await insertInTransaction(ctx, AUTH_DB, USERS_COLLECTION, doc);
  } catch (err) {
    if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) throw new MongoServerError(51003, `User "${doc.user}@${doc.db}" already exists`);
    throw err;
  }
}

/** Stores a new role; one that exists is mongod's 51002. */
export async function insertRoleDocument(ctx: WriteContext, doc: RoleDocument): Promise<void> {
  await ensureAuthIndex(ctx, ROLES_COLLECTION);
  try {
    await insertInTransaction(ctx, AUTH_DB, ROLES_COLLECTION, doc);
  } catch (err) {
    if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) throw new MongoServerError(51002, `Role "${doc.role}@${doc.db}" already exists`);
    throw err;
  }
}

/** Applies `update` to the documents matching `filter`; returns how many matched. */
export async function updateAuthDocuments(ctx: WriteContext, coll: AuthCollection, filter: Document, update: Document, multi = false): Promise<number> {
  return (await updateStatement(ctx, AUTH_DB, coll, { q: filter, u: update, multi })).matched;
}

/** Removes the documents matching `filter`; returns how many there were. */
export async function removeAuthDocuments(ctx: WriteContext, coll: AuthCollection, filter: Document): Promise<number> {
  return (await deleteStatement(ctx, AUTH_DB, coll, { q: filter, limit: 0 })).length;
}

/** The role name as stored in a `roles` array. */
export function roleNameDocument(name: RoleName): Document {
  return { role: name.role, db: name.db };
}
