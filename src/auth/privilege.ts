/**
 * mongod's authorization model: a privilege is a set of actions on a resource; roles grant privileges; a request is
 * allowed when the privileges of the connection's users cover every privilege it requires.
 * https://www.mongodb.com/docs/manual/reference/resource-document/
 */

/**
 * A resource as a role document spells it: `{db, collection}` (either may be '' for "any"), `{cluster: true}`, or
 * `{anyResource: true}`. The empty strings follow mongod: `{db: '', collection: ''}` is every normal namespace and
 * database outside `local` and `config`, `{db: 'x', collection: ''}` the database x and its normal collections,
 * `{db: '', collection: 'c'}` the collection c in every database (system collections included). "Normal" excludes
 * `system.*` collections (and `local.replset.*`), which only exact resources, collection names or anyResource reach.
 */
export type Resource =
  | { db: string; collection: string }
  | { cluster: true }
  | { anyResource: true };

export interface Privilege {
  resource: Resource;
  actions: readonly string[];
}

/** A role's name: roles live in a database (`readWrite@test` differs from `readWrite@admin`). */
export interface RoleName {
  role: string;
  db: string;
}

/** A user's name: `alice@admin`. */
export interface UserName {
  user: string;
  db: string;
}

/** What a command asks for: a database (`collection` absent), a namespace, or the cluster. */
export type Target = { db: string; collection?: string } | { cluster: true };

/** The action that stands for every action, including ones added later (the `__system` role holds it). */
export const ANY_ACTION = 'anyAction';

/** A collection `{db: x, collection: ''}` and `{db: '', collection: ''}` reach, as mongod's isNormalCollection. */
function isNormalCollection(db: string, coll: string): boolean {
  return !coll.startsWith('system.') && !(db === 'local' && coll.startsWith('replset.'));
}

/** `local` and `config` hold the server's own collections: `{db: '', collection: ''}` reaches neither. */
function reachedByAnyNormal(db: string): boolean {
  return db !== 'local' && db !== 'config';
}

/**
 * True when `pattern` (a held privilege's resource) covers `target` (a required one), as mongod's resource search
 * list decides: a namespace is matched by its exact pattern, its collection name in any database, and, when it is a
 * normal collection, by its database and by any-normal-resource; a database by itself and any-normal-resource; a
 * pattern used as a target (the cluster, any-normal-resource for a whole-cluster change stream) only by itself;
 * anything by anyResource.
 */
export function resourceCovers(pattern: Resource, target: Resource): boolean {
  if ('anyResource' in pattern) return true;
  if ('anyResource' in target) return false;
  if ('cluster' in pattern || 'cluster' in target) return 'cluster' in pattern && 'cluster' in target;
  const { db, collection } = target;
  const p = pattern;
  if (db !== '' && collection !== '') {
    if (p.db === db && p.collection === collection) return true;
    if (p.db === '' && p.collection === collection) return true;
    if (!isNormalCollection(db, collection) || p.collection !== '') return false;
    return p.db === db || (p.db === '' && reachedByAnyNormal(db));
  }
  if (db !== '') return p.collection === '' && (p.db === db || (p.db === '' && reachedByAnyNormal(db)));
  return p.db === '' && p.collection === collection;
}

/** The resource a target names, as a role document would write it. */
export function targetResource(target: Target): Resource {
  if ('cluster' in target) return { cluster: true };
  return { db: target.db, collection: target.collection ?? '' };
}

/** True when the held privileges allow every action of every required privilege. */
export function privilegesCover(held: readonly Privilege[], required: readonly Privilege[]): boolean {
  for (const need of required) {
    for (const action of need.actions) {
      const found = held.some(
        (p) => (p.actions.includes(action) || p.actions.includes(ANY_ACTION)) && resourceCovers(p.resource, need.resource),
      );
      if (!found) return false;
    }
  }
  return true;
}

/**
 * True when some held privilege is on `target` itself or on a pattern covering it, whatever its actions (mongod's
 * isAuthorizedForAnyActionOnResource: listCollections' `authorizedCollections` lists such collections).
 */
export function anyPrivilegeOn(held: readonly Privilege[], target: Resource): boolean {
  return held.some((p) => p.actions.length > 0 && resourceCovers(p.resource, target));
}

/**
 * True when some held privilege could reach something in database `db` (mongod's
 * isAuthorizedForAnyActionOnAnyResourceInDB: listDatabases' `authorizedDatabases` lists such databases): one on
 * the database, on anyResource, on any normal resource (unless `db` is local or config), on a collection name in
 * every database, or on one of its namespaces.
 */
export function anyPrivilegeInDatabase(held: readonly Privilege[], db: string): boolean {
  return held.some((p) => {
    if (p.actions.length === 0 || 'cluster' in p.resource) return false;
    if ('anyResource' in p.resource) return true;
    const r = p.resource;
    if (r.db === '') return r.collection !== '' || reachedByAnyNormal(db);
    return r.db === db;
  });
}

/** `role@db`, mongod's way of naming a role or a user in messages. */
export function fullName(name: RoleName | UserName): string {
  return 'role' in name ? `${name.role}@${name.db}` : `${name.user}@${name.db}`;
}
