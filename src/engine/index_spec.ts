import { Int32, bsonTypeOf, isDocument, toNumber, valueToString, type Document } from '../bson/index.js';
import { mongoError, MongoServerError, wrongTypeError } from '../errors/index.js';
import { trueValue } from '../query/filter/exists.js';
import type { IndexSpec } from './catalog.js';
import { parsePartialFilter, unsupportedPartialFilter } from './partial_filter.js';

/**
 * An index specification from createIndexes, checked as mongod checks it, in mongod's order:
 * 1. field by field (index_key_validate::validateIndexSpec); these errors name the spec as it was sent:
 *    "Error in specification {spec} :: caused by :: ...";
 * 2. the name `*` and the TTL option (createIndexes' own checks);
 * 3. what the index catalog checks before a build (IndexCatalogImpl::_isSpecOk), on the spec with its version added.
 */

/** The fields an index specification may have (mongod's allowed field names). */
const ALLOWED_FIELDS = new Set([
  'key', 'name', 'v', 'ns', 'unique', 'sparse', 'background', 'partialFilterExpression', 'expireAfterSeconds',
  'collation', 'hidden', 'storageEngine', 'weights', 'default_language', 'language_override', 'textIndexVersion',
  '2dsphereIndexVersion', 'bits', 'min', 'max', 'coarsestIndexedLevel', 'finestIndexedLevel', 'dropDups',
  'wildcardProjection', 'columnstoreProjection', 'columnstoreCompressor', 'originalSpec', 'prepareUnique', 'clustered',
  '_id',
]);

/** The only fields an `_id` index specification may have. */
const ID_INDEX_FIELDS = new Set(['key', 'name', 'v', 'collation', 'ns', '_id']);

/** The largest TTL mongod stores: a TTL is kept as a 32-bit integer. */
const MAX_EXPIRE_AFTER_SECONDS = 2147483647;

/** Validates one createIndexes spec (the `position`th) and returns it as the catalog keeps it. */
export function validateIndexSpec(raw: unknown, position: number): IndexSpec {
  if (!isDocument(raw)) throw wrongTypeError(`createIndexes.indexes.${position}`, bsonTypeOf(raw), 'object');
  const sent = valueToString(raw);
  inContext(`Error in specification ${sent}`, () => checkFields(raw));
  if (raw.name === '*') throw mongoError('BadValue', "The index name '*' is not valid.");
  if (raw.expireAfterSeconds !== undefined) checkTtl(raw, sent);

  const versioned = raw.v === undefined ? { ...raw, v: new Int32(2) } : raw;
  const shown = valueToString(versioned);
  const key = raw.key as Document;
  const name = raw.name as string;
  inContext(`Error in specification ${shown}`, () => {
    if (name.length === 0) throw mongoError('CannotCreateIndex', 'index name cannot be empty');
  });
  const keys = Object.keys(key);
  if (keys.length === 1 && keys[0] === '_id' && typeof key._id !== 'string' && toNumber(key._id) !== 1) {
    throw mongoError('BadValue', `The field 'key' for an _id index must be {_id: 1}, but got ${valueToString(key)}`);
  }
  if (keys.length === 1 && keys[0] === '_id' && toNumber(key._id) === 1) {
    for (const field of Object.keys(versioned)) {
      if (!ID_INDEX_FIELDS.has(field)) {
        throw mongoError('InvalidIndexSpecificationOption', `The field '${field}' is not valid for an _id index specification. Specification: ${shown}`);
      }
    }
  }
  if (raw.partialFilterExpression !== undefined) {
    inContext(`Error in specification ${shown}`, () => {
      if (raw.sparse !== undefined && trueValue(raw.sparse)) throw mongoError('CannotCreateIndex', 'cannot mix "partialFilterExpression" and "sparse" options');
      const reason = unsupportedPartialFilter(raw.partialFilterExpression as Document);
      if (reason) throw mongoError('CannotCreateIndex', reason);
    });
  }
  return catalogSpec(raw, key, name);
}

/** mongod's validateIndexSpec: every field known, and each of the right type and shape. */
function checkFields(raw: Document): void {
  for (const [field, value] of Object.entries(raw)) {
    if (!ALLOWED_FIELDS.has(field)) {
      throw mongoError('InvalidIndexSpecificationOption', `The field '${field}' is not valid for an index specification. Specification: ${valueToString(raw)}`);
    }
    switch (field) {
      case 'key':
        if (!isDocument(value)) throw mustBe(field, 'an object', value);
        checkKeyPattern(value);
        break;
      case 'name':
        if (typeof value !== 'string') throw mustBe(field, 'a string', value);
        break;
      case 'partialFilterExpression':
        if (!isDocument(value)) throw mustBe(field, 'an object', value);
        parsePartialFilter(value);
        break;
      case 'collation':
        if (!isDocument(value)) throw mustBe(field, 'an object', value);
        if (Object.keys(value).length === 0) throw mongoError('BadValue', "The field 'collation' cannot be an empty object.");
        break;
      case 'hidden':
        if (typeof value !== 'boolean') throw mustBe(field, 'a bool', value);
        break;
    }
  }
  if (raw.key === undefined) throw mongoError('FailedToParse', "The 'key' field is a required property of an index specification");
  if (raw.name === undefined) throw mongoError('FailedToParse', "The 'name' field is a required property of an index specification");
}

/** mongod's validateKeyPattern for a version 2 index. */
function checkKeyPattern(key: Document): void {
  const fields = Object.entries(key);
  if (fields.length === 0) throw mongoError('CannotCreateIndex', 'Index keys cannot be empty.');
  for (const [field, direction] of fields) {
    if (field.length === 0) throw mongoError('CannotCreateIndex', 'Index keys cannot be an empty field.');
    if (field.startsWith('$') && field !== '$**') {
      throw mongoError('CannotCreateIndex', "Index key contains an illegal field name: field name starts with '$'.");
    }
    if (typeof direction === 'string') throw mongoError('CannotCreateIndex', `Unknown index plugin '${direction}'`);
    const type = bsonTypeOf(direction);
    if (type !== 'int' && type !== 'long' && type !== 'double' && type !== 'decimal') {
      throw mongoError('CannotCreateIndex', `Values in v:2 index key pattern cannot be of type ${type}. Only numbers > 0, numbers < 0, and strings are allowed.`);
    }
    const n = toNumber(direction);
    if (!(n > 0 || n < 0)) throw mongoError('CannotCreateIndex', 'Values in the index key pattern cannot be 0.');
  }
}

/** createIndexes' TTL check: one field, and a number of seconds that is not negative. */
function checkTtl(raw: Document, sent: string): void {
  if (Object.keys(raw.key as Document).length !== 1) {
    throw mongoError('CannotCreateIndex', `TTL indexes are single-field indexes, compound indexes do not support TTL. Index spec: ${sent}`);
  }
  inContext(`. Index spec: ${sent}`, () => expireAfterSeconds(raw.expireAfterSeconds, 'CannotCreateIndex', null));
}

/**
 * A TTL in seconds as mongod stores it: a number, not NaN, not negative, kept as a 32-bit integer (a fraction is
 * dropped, a larger value stored as the largest). `field` names the IDL field for a wrong type; without it the
 * createIndexes wording is used.
 */
export function expireAfterSeconds(value: unknown, code: 'CannotCreateIndex' | 'InvalidOptions', field: string | null): Int32 {
  const type = bsonTypeOf(value);
  if (type !== 'int' && type !== 'long' && type !== 'double' && type !== 'decimal') {
    if (field !== null) throw wrongTypeError(field, type, ['long', 'int', 'decimal', 'double']);
    throw mongoError(code, `TTL index 'expireAfterSeconds' option must be numeric, but received a type of '${type}'`);
  }
  const n = toNumber(value);
  if (Number.isNaN(n)) throw mongoError(code, "TTL index 'expireAfterSeconds' option must not be NaN");
  if (n < 0) throw mongoError(code, "TTL index 'expireAfterSeconds' option cannot be less than 0");
  return new Int32(Math.min(Math.trunc(n), MAX_EXPIRE_AFTER_SECONDS));
}

/** The spec as the catalog keeps it and listIndexes shows it: `v`, `key`, `name` first, booleans normalised. */
function catalogSpec(raw: Document, key: Document, name: string): IndexSpec {
  const spec: IndexSpec = { v: new Int32(2), key, name };
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'v' || k === 'key' || k === 'name') continue;
    if (k === 'unique' || k === 'hidden') {
      // mongod keeps `unique: 1` as `unique: true`, and leaves out `false`.
      if (trueValue(v)) spec[k] = true;
      continue;
    }
    if (k === 'expireAfterSeconds') {
      spec[k] = expireAfterSeconds(v, 'CannotCreateIndex', null);
      continue;
    }
    spec[k] = v;
  }
  return spec;
}

/** Runs `check`, prefixing any error it throws with `context` as mongod's Status::withContext does. */
function inContext(context: string, check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof MongoServerError) throw new MongoServerError(err.code, `${context} :: caused by :: ${err.message}`);
    throw err;
  }
}

function mustBe(field: string, what: string, value: unknown): MongoServerError {
  return mongoError('TypeMismatch', `The field '${field}' must be ${what}, but got ${bsonTypeOf(value)}`);
}
