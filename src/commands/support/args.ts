import { bsonTypeOf, isDocument, isNumeric, toNumber, type Document } from '../../bson/types.js';
import { parseCollation, type Collation } from '../../bson/index.js';
import { ErrorCodes, missingFieldError, mongoError, validatorError, wrongTypeError } from '../../errors/index.js';
import { validateCollectionName, validateDbName } from '../../engine/namespace.js';

/** Argument readers with mongod's IDL errors ("BSON field 'find.limit' is the wrong type 'string', expected type 'long'"). */

export function optionalDocument(cmd: Document, command: string, field: string): Document | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (!isDocument(v)) throw wrongTypeError(`${command}.${field}`, bsonTypeOf(v), 'object');
  return v;
}

export function optionalBool(cmd: Document, command: string, field: string): boolean | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (isNumeric(v)) return toNumber(v) !== 0;
  throw wrongTypeError(`${command}.${field}`, bsonTypeOf(v), 'bool');
}

export function optionalNumber(cmd: Document, command: string, field: string): number | undefined {
  const v = cmd[field];
  if (v === undefined || v === null) return undefined;
  if (!isNumeric(v)) throw wrongTypeError(`${command}.${field}`, bsonTypeOf(v), 'long');
  return toNumber(v);
}

/** A count that must not be negative; mongod's IDL message, BadValue (2) unless `code` says otherwise. */
export function nonNegative(cmd: Document, command: string, field: string, code: number = ErrorCodes.BadValue): number | undefined {
  const n = optionalNumber(cmd, command, field);
  if (n === undefined) return undefined;
  if (n < 0) throw validatorError(field, '>= 0', n, code);
  return Math.trunc(n);
}

/** limit, skip and batchSize of find, getMore and aggregate: negative values are Location51024, as in mongod. */
export function cursorCountArg(cmd: Document, command: string, field: string): number | undefined {
  return nonNegative(cmd, command, field, 51024);
}

/** The collection name a command targets (its first field's value). */
export function collectionArg(cmd: Document, command: string): string {
  const v = cmd[command];
  if (typeof v !== 'string') {
    throw mongoError('InvalidNamespace', `collection name has invalid type ${bsonTypeOf(v)}`);
  }
  if (v.length === 0) throw mongoError('InvalidNamespace', `Invalid namespace specified '.'`);
  return v;
}

/** The collection a command names, checked with mongod's namespace rules for `db` (InvalidNamespace, 73). */
export function namespaceArg(cmd: Document, command: string, db: string): string {
  const coll = collectionArg(cmd, command);
  validateDbName(db);
  validateCollectionName(db, coll);
  return coll;
}

export function collationArg(cmd: Document, command: string, field = 'collation'): Collation | null {
  const v = cmd[field];
  if (v === undefined || v === null) return null;
  if (!isDocument(v)) throw wrongTypeError(`${command}.${field}`, bsonTypeOf(v), 'object');
  // mongod reads an empty collation document as none given (an index spec refuses it instead).
  if (Object.keys(v).length === 0) return null;
  return parseCollation(v);
}

export function requiredDocuments(cmd: Document, command: string, field: string): Document[] {
  const v = cmd[field];
  if (v === undefined) throw missingFieldError(`${command}.${field}`);
  if (!Array.isArray(v)) throw wrongTypeError(`${command}.${field}`, bsonTypeOf(v), 'array');
  v.forEach((d, i) => {
    if (!isDocument(d)) throw wrongTypeError(`${command}.${field}.${i}`, bsonTypeOf(d), 'object');
  });
  return v as Document[];
}

/** What insert, update and delete read first, in this order: the collection, the batch in `field`, and `ordered`. */
export function writeBatchArgs(cmd: Document, command: string, field: string, db: string): { coll: string; batch: Document[]; ordered: boolean } {
  const coll = namespaceArg(cmd, command, db);
  const batch = requiredDocuments(cmd, command, field);
  const ordered = optionalBool(cmd, command, 'ordered') ?? true;
  return { coll, batch, ordered };
}

/**
 * The `scale` argument of dbStats/collStats: a number of at least 1 (fractions truncated), 1 when absent.
 * `message` is the command's own wording for a bad value.
 */
export function scaleArg(cmd: Document, message: string): number {
  const v = cmd.scale;
  if (v === undefined || v === null) return 1;
  if (!isNumeric(v)) throw mongoError('TypeMismatch', `scale has to be a number`);
  const scale = Math.trunc(toNumber(v));
  if (!(scale >= 1)) throw mongoError('BadValue', message);
  return scale;
}

/** A query's `hint`: an index name, a key pattern or `{$natural: ±1}`; absent or empty means none. */
export function hintArg(cmd: Document, field = 'hint'): string | Document | undefined {
  const hint = cmd[field];
  if (hint === undefined || hint === null) return undefined;
  if (typeof hint === 'string') return hint;
  if (isDocument(hint)) return Object.keys(hint).length === 0 ? undefined : hint;
  throw mongoError('FailedToParse', 'hint must be either a string or nested object');
}
