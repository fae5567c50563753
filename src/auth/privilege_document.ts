/**
 * Privileges as role documents and the role commands spell them: `{resource: {...}, actions: [...]}`. Parsing is in
 * two steps, as in mongod: the shape of each privilege (field names and types) when the command is read, then the
 * resource's meaning and the action names when the command runs.
 * https://www.mongodb.com/docs/manual/reference/resource-document/
 */
import { bsonTypeOf, isDocument, isNumeric, toNumber, type Document } from '../bson/types.js';
import { MongoServerError, mongoError, missingFieldError, unknownFieldError, wrongTypeError } from '../errors/index.js';
import { checkActionTypes } from './action_types.js';
import type { Privilege, Resource, RoleName } from './privilege.js';

/** A privilege as written, its shape checked. */
export interface ParsedPrivilege {
  resource: { cluster?: boolean; anyResource?: boolean; db?: string; collection?: string };
  actions: string[];
}

function parsedBool(value: unknown, path: string): boolean | undefined {
  if (value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (isNumeric(value)) return toNumber(value) !== 0;
  throw wrongTypeError(path, bsonTypeOf(value), 'bool');
}

function parsedString(value: unknown, path: string): string | undefined {
  if (value === null) return undefined;
  if (typeof value !== 'string') throw wrongTypeError(path, bsonTypeOf(value), 'string');
  return value;
}

function parseResource(raw: Document, path: string): ParsedPrivilege['resource'] {
  const resource: ParsedPrivilege['resource'] = {};
  for (const [key, value] of Object.entries(raw)) {
    const at = `${path}.${key}`;
    switch (key) {
      case 'cluster':
      case 'anyResource': {
        const flag = parsedBool(value, at);
        if (flag !== undefined) resource[key] = flag;
        break;
      }
      case 'db':
      case 'collection': {
        const name = parsedString(value, at);
        if (name !== undefined) resource[key] = name;
        break;
      }
      default:
        throw unknownFieldError(at);
    }
  }
  return resource;
}

/** One element of a `privileges` array: `path` is the array's IDL path (`createRole.privileges`). */
export function parsePrivilegeShape(raw: Document, path: string): ParsedPrivilege {
  let resource: ParsedPrivilege['resource'] | undefined;
  let actions: string[] | undefined;
  for (const [key, value] of Object.entries(raw)) {
    const at = `${path}.${key}`;
    if (key === 'resource') {
      if (value === null) continue;
      if (!isDocument(value)) throw wrongTypeError(at, bsonTypeOf(value), 'object');
      resource = parseResource(value, at);
    } else if (key === 'actions') {
      if (!Array.isArray(value)) {
        if (value === null) throw new MongoServerError(10065, 'invalid parameter: expected an object (actions)');
        throw wrongTypeError(at, bsonTypeOf(value), 'array');
      }
      actions = [];
      value.forEach((action, i) => {
        if (action === null) return;
        if (typeof action !== 'string') throw wrongTypeError(`${at}.${i}`, bsonTypeOf(action), 'string');
        actions!.push(action);
      });
    } else {
      throw unknownFieldError(at);
    }
  }
  if (resource === undefined) throw missingFieldError(`${path}.resource`);
  if (actions === undefined) throw missingFieldError(`${path}.actions`);
  return { resource, actions };
}

function conflict(resource: string, found: string): never {
  throw mongoError('BadValue', `${resource} conflicts with resource type '${found}'`);
}

/** A collection name a privilege may name (mongod's validCollectionName, with its one exception). */
function isValidCollectionName(db: string, coll: string): boolean {
  if (db === 'local' && coll === 'oplog.$main') return true;
  return coll.length > 0 && !coll.includes('\0') && !coll.includes('$') && !coll.startsWith('.');
}

function resolveResource(r: ParsedPrivilege['resource']): Resource {
  if (r.cluster !== undefined) {
    const what = 'resource: {cluster: true}';
    if (!r.cluster) throw mongoError('BadValue', 'resource: {cluster: false} must be true');
    if (r.anyResource !== undefined) conflict(what, 'anyResource');
    if (r.db !== undefined) conflict(what, 'db');
    if (r.collection !== undefined) conflict(what, 'collection');
    return { cluster: true };
  }
  if (r.anyResource !== undefined) {
    const what = 'resource: {anyResource: true}';
    if (!r.anyResource) throw mongoError('BadValue', 'resource: {anyResource: false} must be true');
    if (r.db !== undefined) conflict(what, 'db');
    if (r.collection !== undefined) conflict(what, 'collection');
    return { anyResource: true };
  }
  if (r.collection === undefined) throw mongoError('BadValue', "resource pattern must contain 'collection' or 'systemBuckets' specifier");
  if (r.db === undefined) throw mongoError('BadValue', "resource {collection: '...'} must include 'db' field as well");
  if (r.collection !== '' && !isValidCollectionName(r.db, r.collection)) throw mongoError('BadValue', `'${r.collection}' is not a valid collection name`);
  return { db: r.db, collection: r.collection };
}

/**
 * The privileges a command names, with their resources checked and their actions merged per resource. Unknown
 * action names are reported together, after every privilege's resource was checked, as mongod does.
 */
export function resolvePrivileges(parsed: readonly ParsedPrivilege[]): Privilege[] {
  const privileges: Privilege[] = [];
  for (const p of parsed) {
    const resource = resolveResource(p.resource);
    if (p.actions.length === 0) throw mongoError('BadValue', "'actions' field of privilege resource must not be empty");
    privileges.push({ resource, actions: p.actions });
  }
  checkActionTypes(parsed.flatMap((p) => p.actions));
  return mergePrivileges([], privileges);
}

export function sameResource(a: Resource, b: Resource): boolean {
  if ('cluster' in a || 'cluster' in b) return 'cluster' in a && 'cluster' in b;
  if ('anyResource' in a || 'anyResource' in b) return 'anyResource' in a && 'anyResource' in b;
  return a.db === b.db && a.collection === b.collection;
}

/** `into` with each of `more` added: actions on a resource already there join its privilege (sorted, unique). */
export function mergePrivileges(into: readonly Privilege[], more: readonly Privilege[]): Privilege[] {
  const merged = into.map((p) => ({ resource: p.resource, actions: [...p.actions] }));
  for (const p of more) {
    const existing = merged.find((m) => sameResource(m.resource, p.resource));
    if (existing) existing.actions = [...new Set([...existing.actions, ...p.actions])];
    else merged.push({ resource: p.resource, actions: [...p.actions] });
  }
  for (const p of merged) p.actions = [...new Set(p.actions)].sort();
  return merged;
}

/** `from` without the actions of `remove` on the same resources; a privilege left with no action goes. */
export function removePrivileges(from: readonly Privilege[], remove: readonly Privilege[]): Privilege[] {
  let left = from.map((p) => ({ resource: p.resource, actions: [...p.actions] }));
  for (const r of remove) {
    left = left.flatMap((p) => {
      if (!sameResource(p.resource, r.resource)) return [p];
      const actions = p.actions.filter((a) => !r.actions.includes(a));
      return actions.length > 0 ? [{ resource: p.resource, actions }] : [];
    });
  }
  return left;
}

/** A privilege as stored and shown: `{resource, actions}`, the resource in mongod's field order. */
export function privilegeDocument(p: Privilege): Document {
  const r = p.resource;
  const resource = 'cluster' in r ? { cluster: true } : 'anyResource' in r ? { anyResource: true } : { db: r.db, collection: r.collection };
  return { resource, actions: [...p.actions] };
}

/** A stored privilege read back; malformed entries (written by hand) are skipped. */
export function storedPrivilege(doc: unknown): Privilege | null {
  if (!isDocument(doc) || !isDocument(doc.resource) || !Array.isArray(doc.actions)) return null;
  const r = doc.resource;
  const actions = doc.actions.filter((a): a is string => typeof a === 'string');
  if (r.cluster === true) return { resource: { cluster: true }, actions };
  if (r.anyResource === true) return { resource: { anyResource: true }, actions };
  if (typeof r.db === 'string' && typeof r.collection === 'string') return { resource: { db: r.db, collection: r.collection }, actions };
  return null;
}

/** A role outside admin may only be granted privileges on its own database (mongod's checkOkayToGrantPrivilegesToRole). */
export function checkOkayToGrantPrivilegesToRole(role: RoleName, privileges: readonly Privilege[]): void {
  if (role.db === 'admin') return;
  for (const { resource } of privileges) {
    if ('db' in resource && resource.db === role.db) continue;
    throw mongoError('InvalidRoleModification', `Roles on the '${role.db}' database cannot be granted privileges that target other databases or the cluster`);
  }
}
