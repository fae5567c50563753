/**
 * mongod's authorization model: a privilege is a set of actions on a resource; roles grant privileges; a request is
 * allowed when the privileges of the connection's users cover every privilege it requires.
 * https://www.mongodb.com/docs/manual/reference/resource-document/
 */

/**
 * A resource as a role document spells it: `{db, collection}` (either may be '' for "any"), `{cluster: true}`, or
 * `{anyResource: true}`. The empty strings follow mongod: `{db: '', collection: ''}` is every normal namespace and
 * database, `{db: 'x', collection: ''}` every normal collection of x (and x itself), `{db: '', collection: 'c'}` the
 * collection c in every database. "Normal" excludes `system.*` collections, which only exact resources or
 * anyResource reach.
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

function isSystemCollection(coll: string): boolean {
  return coll.startsWith('system.');
}

/** True when `pattern` (a held privilege's resource) covers `target` (a required one). */
export function resourceCovers(pattern: Resource, target: Resource): boolean {
  if ('anyResource' in pattern) return true;
  if ('cluster' in pattern) return 'cluster' in target;
  if ('cluster' in target || 'anyResource' in target) return false;
  const { db, collection } = pattern;
  if (db === '' && collection === '') return !isSystemCollection(target.collection);
  if (collection === '') {
    // A database pattern covers the database itself and its normal collections.
    return target.db === db && !isSystemCollection(target.collection);
  }
  if (db === '') return target.collection === collection;
  return target.db === db && target.collection === collection;
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
      if (!held.some((p) => p.actions.includes(action) && resourceCovers(p.resource, need.resource))) return false;
    }
  }
  return true;
}

/** `role@db`, mongod's way of naming a role or a user in messages. */
export function fullName(name: RoleName | UserName): string {
  return 'role' in name ? `${name.role}@${name.db}` : `${name.user}@${name.db}`;
}
