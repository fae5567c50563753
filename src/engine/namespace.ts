import { mongoError } from '../errors/index.js';

/**
 * Database and collection name rules, as mongod enforces them (InvalidNamespace, 73).
 * https://www.mongodb.com/docs/manual/reference/limits/#naming-restrictions
 */
export function validateDbName(db: unknown): string {
  if (typeof db !== 'string' || db.length === 0) throw mongoError('InvalidNamespace', `Invalid database name: '${String(db)}'`);
  if (db.length >= 64) throw mongoError('InvalidNamespace', `db name too long: '${db}'`);
  if (/[/\\. "$*<>:|?\0]/.test(db)) throw mongoError('InvalidNamespace', `Invalid database name: '${db}'`);
  return db;
}

export function validateCollectionName(db: string, coll: unknown): string {
  if (typeof coll !== 'string') throw mongoError('InvalidNamespace', `collection name has invalid type ${typeof coll}`);
  if (coll.length === 0) throw mongoError('InvalidNamespace', `Invalid namespace specified '${db}.'`);
  if (coll.includes('\0') || coll.includes('$') || coll.startsWith('.')) {
    throw mongoError('InvalidNamespace', `Invalid collection name: ${coll}`);
  }
  if (db.length + 1 + coll.length > 255) throw mongoError('InvalidNamespace', `Fully qualified namespace is too long. Namespace: ${db}.${coll}`);
  return coll;
}

/** True for `system.*` collections, which database and cluster change streams skip. */
export function isSystemCollection(coll: string): boolean {
  return coll.startsWith('system.');
}

/** Databases a cluster-wide change stream never reports. */
export function isInternalDatabase(db: string): boolean {
  return db === 'admin' || db === 'config' || db === 'local';
}
