/**
 * The arguments of the user and role management commands, read as mongod's IDL reads them: fields in document
 * order (an unknown one is 40415, a wrong type 14), then the missing required fields (40414), then the command's
 * own value. A null scalar counts as absent; a null where an array belongs fails as mongod's does (10065).
 */
import { bsonTypeOf, isDocument, isNumeric, toNumber, type Document } from '../../bson/types.js';
import { validateRestrictionAddresses } from '../../auth/address_restrictions.js';
import { MongoServerError, mongoError, missingFieldError, unknownFieldError, wrongTypeError } from '../../errors/index.js';
import type { RoleName, UserName } from '../../auth/privilege.js';
import { parsePrivilegeShape, type ParsedPrivilege } from '../../auth/privilege_document.js';
import { GENERIC_ARGUMENTS } from './generic_arguments.js';

/** A role as a command names it: a name in the command's database, or `{role, db}`. */
export type RoleNameOrString = string | RoleName;

/** An authentication restriction as written: `{clientSource?, serverAddress?}`. */
export interface AddressRestriction {
  clientSource?: string[];
  serverAddress?: string[];
}

type FieldKind = 'string' | 'object' | 'safeBool' | 'roles' | 'strings' | 'privileges' | 'restrictions' | 'privilegeFormat';

interface FieldValues {
  string: string;
  object: Document;
  safeBool: boolean;
  roles: RoleNameOrString[];
  strings: string[];
  privileges: ParsedPrivilege[];
  restrictions: AddressRestriction[];
  privilegeFormat: PrivilegeFormat;
}

/** rolesInfo's `showPrivileges`: false, true, or `'asUserFragment'`. */
export type PrivilegeFormat = 'omit' | 'separate' | 'asUserFragment';

export type FieldSpec = Readonly<Record<string, FieldKind>>;

export type ParsedFields<S extends FieldSpec> = { [K in keyof S]?: FieldValues[S[K]] };

function expectedObjectForNull(field: string): MongoServerError {
  return new MongoServerError(10065, `invalid parameter: expected an object (${field})`);
}

const SAFE_BOOL_TYPES = ['bool', 'long', 'int', 'decimal', 'double'];

/** The name part of a role or user document (RoleName is lenient about other fields, UserName strict). */
function parseAuthName(obj: Document, kind: 'RoleName' | 'UserName'): { name: string; db: string } {
  const nameField = kind === 'RoleName' ? 'role' : 'user';
  let name: string | undefined;
  let db: string | undefined;
  for (const [key, value] of Object.entries(obj)) {
    if (key === nameField || key === 'db') {
      if (typeof value !== 'string') throw mongoError('BadValue', `${kind} must contain a string field named: ${key}. But, has type ${bsonTypeOf(value)}`);
      if (key === 'db') db = value;
      else name = value;
    } else if (kind === 'UserName') {
      throw mongoError('BadValue', `UserName contains an unknown field named: '${key}`);
    }
  }
  if (name === undefined) throw mongoError('BadValue', `${kind} must contain a field named: ${nameField}`);
  if (db === undefined) throw mongoError('BadValue', `${kind} must contain a field named: db`);
  return { name, db };
}

export function parseRoleName(value: unknown): RoleName {
  if (!isDocument(value)) throw mongoError('BadValue', 'RoleName must be either a string or an object');
  const { name, db } = parseAuthName(value, 'RoleName');
  return { role: name, db };
}

function parseRoleNameOrString(value: unknown): RoleNameOrString {
  if (typeof value === 'string') return value;
  if (isDocument(value)) return parseRoleName(value);
  throw mongoError('BadValue', 'Role name must be either a document or string');
}

/** A user as usersInfo names one: a name in the command's database, or `{user, db}`. */
export function parseUserNameOrString(value: unknown, db: string): UserName {
  if (typeof value === 'string') return { user: value, db };
  if (isDocument(value)) {
    const parsed = parseAuthName(value, 'UserName');
    return { user: parsed.name, db: parsed.db };
  }
  throw mongoError('BadValue', 'UserName must be either a string or an object');
}

/** A role as rolesInfo names one. */
export function parseRoleNameArg(value: unknown, db: string): RoleName {
  if (typeof value === 'string') return { role: value, db };
  return parseRoleName(value);
}

/** Role names given as strings belong to the command's database. */
export function resolveRoleNames(roles: readonly RoleNameOrString[], db: string): RoleName[] {
  return roles.map((r) => (typeof r === 'string' ? { role: r, db } : { role: r.role, db: r.db }));
}

function parseRestriction(raw: Document, path: string): AddressRestriction {
  const restriction: AddressRestriction = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key !== 'clientSource' && key !== 'serverAddress') throw unknownFieldError(`${path}.${key}`);
    if (value === null) throw expectedObjectForNull(key);
    if (!Array.isArray(value)) throw wrongTypeError(`${path}.${key}`, bsonTypeOf(value), 'array');
    const addresses: string[] = [];
    value.forEach((address, i) => {
      if (address === null) return;
      if (typeof address !== 'string') throw wrongTypeError(`${path}.${key}.${i}`, bsonTypeOf(address), 'string');
      addresses.push(address);
    });
    validateRestrictionAddresses(addresses);
    restriction[key] = addresses;
  }
  return restriction;
}

function parseArray<T>(value: unknown, path: string, field: string, element: (v: unknown, at: string) => T | undefined): T[] {
  if (value === null) throw expectedObjectForNull(field);
  if (!Array.isArray(value)) throw wrongTypeError(path, bsonTypeOf(value), 'array');
  const out: T[] = [];
  value.forEach((v, i) => {
    const parsed = element(v, `${path}.${i}`);
    if (parsed !== undefined) out.push(parsed);
  });
  return out;
}

function parseStructElement<T>(v: unknown, at: string, path: string, parse: (raw: Document, path: string) => T): T | undefined {
  if (v === null) return undefined;
  if (!isDocument(v)) throw wrongTypeError(at, bsonTypeOf(v), 'object');
  return parse(v, path);
}

function parseField(kind: FieldKind, value: unknown, command: string, field: string): unknown {
  const path = `${command}.${field}`;
  switch (kind) {
    case 'string':
      if (value === null) return undefined;
      if (typeof value !== 'string') throw wrongTypeError(path, bsonTypeOf(value), 'string');
      return value;
    case 'object':
      if (value === null) return undefined;
      if (!isDocument(value)) throw wrongTypeError(path, bsonTypeOf(value), 'object');
      return value;
    case 'safeBool':
      if (value === null) return undefined;
      if (typeof value === 'boolean') return value;
      if (isNumeric(value)) return toNumber(value) !== 0;
      throw wrongTypeError(path, bsonTypeOf(value), SAFE_BOOL_TYPES);
    case 'privilegeFormat':
      if (value === null) return undefined;
      if (typeof value === 'boolean' || isNumeric(value)) return (typeof value === 'boolean' ? value : toNumber(value) !== 0) ? 'separate' : 'omit';
      if (value === 'asUserFragment') return 'asUserFragment';
      throw mongoError('BadValue', `Failed to parse 'showPrivileges'. 'showPrivileges' should either be a boolean or the string 'asUserFragment', but got ${bsonTypeOf(value)}`);
    case 'roles':
      return parseArray(value, path, field, (v) => parseRoleNameOrString(v));
    case 'strings':
      return parseArray(value, path, field, (v, at) => {
        if (v === null) return undefined;
        if (typeof v !== 'string') throw wrongTypeError(at, bsonTypeOf(v), 'string');
        return v;
      });
    case 'privileges':
      return parseArray(value, path, field, (v, at) => parseStructElement(v, at, path, parsePrivilegeShape));
    case 'restrictions':
      return parseArray(value, path, field, (v, at) => parseStructElement(v, at, path, parseRestriction));
  }
}

/**
 * Reads a command's fields by `spec`; `required` fields must be present. Returns them parsed, with the command's
 * own value (its first field) unchecked: each command reads that itself, after its fields, as mongod's IDL does.
 */
export function parseUmcCommand<S extends FieldSpec>(cmd: Document, command: string, spec: S, required: readonly (keyof S & string)[] = []): ParsedFields<S> {
  const parsed: Record<string, unknown> = {};
  let first = true;
  for (const [field, value] of Object.entries(cmd)) {
    if (first) {
      first = false;
      continue;
    }
    const kind = spec[field];
    if (kind === undefined) {
      if (GENERIC_ARGUMENTS.has(field)) continue;
      throw unknownFieldError(`${command}.${field}`);
    }
    const result = parseField(kind, value, command, field);
    if (result !== undefined) parsed[field] = result;
  }
  for (const field of required) if (parsed[field] === undefined) throw missingFieldError(`${command}.${field}`);
  return parsed as ParsedFields<S>;
}

/** The command's value as a user or role name: a string, as IDL's `type: string` commands read it. */
export function nameParameter(cmd: Document, command: string): string {
  const value = cmd[command];
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) throw missingFieldError(`${command}.${command}`);
  throw wrongTypeError(`${command}.${command}`, bsonTypeOf(value), 'string');
}

/** Authentication restrictions as stored: only the fields given. */
export function restrictionDocuments(restrictions: readonly AddressRestriction[]): Document[] {
  return restrictions.map((r) => ({ ...(r.clientSource ? { clientSource: r.clientSource } : {}), ...(r.serverAddress ? { serverAddress: r.serverAddress } : {}) }));
}
