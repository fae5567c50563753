import { Int32, bsonTypeOf, isDocument, toNumber, valueToString, type Document } from '../bson/index.js';
import { mongoError, MongoServerError, wrongTypeError } from '../errors/index.js';
import { trueValue } from '../query/filter/exists.js';
import { ID_INDEX_NAME, type IndexSpec } from './catalog.js';
import { checkGeoIndexSpec, GEO_PLUGINS, geoSpecDefaults } from './geo_index/spec.js';
import { parsePartialFilter, unsupportedPartialFilter } from './partial_filter.js';
import { fixTextIndexSpec, isTextKeyPattern } from '../query/text/index.js';

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
  const versioned = raw.v === undefined ? { ...raw, v: new Int32(2) } : raw;
  const shown = valueToString(versioned);
  const key = raw.key as Document;
  const name = raw.name as string;
  if (isIdIndexPattern(key)) {
    for (const field of Object.keys(versioned)) {
      if (!ID_INDEX_FIELDS.has(field)) {
        throw mongoError('InvalidIndexSpecificationOption', `The field '${field}' is not valid for an _id index specification. Specification: ${shown}`);
      }
    }
    if (!(Object.keys(key).length === 1 && toNumber(key._id) === 1)) {
      throw mongoError('BadValue', `The field 'key' for an _id index must be {_id: 1}, but got ${valueToString(key)}`);
    }
  } else {
    if (name === ID_INDEX_NAME) {
      throw mongoError('BadValue', `The index name '_id_' is reserved for the _id index, which must have key pattern {_id: 1}, found key: ${valueToString(key)}`);
    }
    if (name === '*') throw mongoError('BadValue', "The index name '*' is not valid.");
  }
  if (raw.expireAfterSeconds !== undefined) checkTtl(raw, sent);
  checkGeoIndexSpec(raw, key);
  inContext(`Error in specification ${shown}`, () => {
    if (name.length === 0) throw mongoError('CannotCreateIndex', 'index name cannot be empty');
    if (raw.partialFilterExpression === undefined) return;
    if (raw.sparse !== undefined && trueValue(raw.sparse)) throw mongoError('CannotCreateIndex', 'cannot mix "partialFilterExpression" and "sparse" options');
    const reason = unsupportedPartialFilter(raw.partialFilterExpression as Document);
    if (reason) throw mongoError('CannotCreateIndex', reason);
  });
  // A text index is stored as mongod stores it: `_fts`/`_ftsx` in its key, its weights and languages spelled out.
  const stored = isTextKeyPattern(key) ? fixTextIndexSpec(raw) : raw;
  return catalogSpec(stored, stored.key as Document, name);
}

/** mongod's IndexDescriptor::isIdIndexPattern: `{_id: 1}` or `{_id: -1}` (by integer value), alone. */
function isIdIndexPattern(key: Document): boolean {
  const fields = Object.keys(key);
  if (fields.length !== 1 || fields[0] !== '_id') return false;
  const n = Math.trunc(toNumber(key._id));
  return n === 1 || n === -1;
}

/** mongod's validateIndexSpec: every field known, and each of the right type and shape. */
function checkFields(raw: Document): void {
  for (const field of Object.keys(raw)) {
    if (!ALLOWED_FIELDS.has(field)) {
      throw mongoError('InvalidIndexSpecificationOption', `The field '${field}' is not valid for an index specification. Specification: ${valueToString(raw)}`);
    }
  }
  for (const [field, value] of Object.entries(raw)) {
    switch (field) {
      case 'key':
        if (!isDocument(value)) throw mustBe(field, 'an object', value);
        checkKeyPattern(value);
        break;
      case 'name':
        if (typeof value !== 'string') throw mustBe(field, 'a string', value);
        break;
      case 'hidden':
        // mongod names the wrong field in this message; clients see it so.
        if (typeof value !== 'boolean') throw mustBe('name', 'a bool', value);
        break;
      case 'v':
        checkVersion(value, raw);
        break;
      case 'collation':
        if (!isDocument(value)) throw mustBe(field, 'an object', value);
        if (Object.keys(value).length === 0) throw mongoError('BadValue', "The field 'collation' cannot be an empty object.");
        break;
      case 'partialFilterExpression':
        if (!isDocument(value)) throw mustBe(field, 'an object', value);
        parsePartialFilter(value);
        break;
      case 'background':
      case 'unique':
      case 'sparse':
      case 'dropDups':
      case 'prepareUnique':
      case 'clustered':
        if (!isNumeric(value) && typeof value !== 'boolean') {
          throw mongoError('TypeMismatch', `The field '${field} has value ${field}: ${valueToString(value)}, which is not convertible to bool`);
        }
        break;
      case '2dsphereIndexVersion':
      case 'textIndexVersion':
      case 'bits':
      case 'min':
      case 'max':
      case 'coarsestIndexedLevel':
      case 'finestIndexedLevel':
        if (!isNumeric(value)) throw mustBe(field, 'a number', value);
        break;
    }
  }
  if (raw.key === undefined) throw mongoError('FailedToParse', "The 'key' field is a required property of an index specification");
  if (raw.name === undefined) throw mongoError('FailedToParse', "The 'name' field is a required property of an index specification");
  if (trueValue(raw.unique) && isDocument(raw.key) && Object.values(raw.key).includes('hashed')) {
    throw new MongoServerError(16764, 'Currently hashed indexes cannot guarantee uniqueness. Use a regular index.');
  }
  if (trueValue(raw.unique) && trueValue(raw.prepareUnique)) {
    throw mongoError('CannotCreateIndex', `Invalid index specification ${valueToString(raw)}; cannot create an index with the 'unique' option and the 'prepareUnique' option`);
  }
}

/** `v`: a number that is a 32-bit integer, 1 or 2. */
function checkVersion(value: unknown, raw: Document): void {
  if (!isNumeric(value)) throw mustBe('v', 'a number', value);
  const n = toNumber(value);
  if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
    throw mongoError('BadValue', `Index version must be representable as a 32-bit integer, but got ${valueToString(value)}`);
  }
  if (n !== 1 && n !== 2) throw mongoError('CannotCreateIndex', `Invalid index specification ${valueToString(raw)}; cannot create an index with v=${n}`);
}

/** mongod's validateKeyPattern for a version 2 index. */
function checkKeyPattern(key: Document): void {
  const fields = Object.entries(key);
  if (fields.length === 0) throw mongoError('CannotCreateIndex', 'Index keys cannot be empty.');
  const plugin = fields.find(([, direction]) => typeof direction === 'string' && direction !== 'hashed' && direction !== 'text' && !GEO_PLUGINS.has(direction));
  if (plugin) throw mongoError('CannotCreateIndex', `Unknown index plugin '${plugin[1] as string}'`);
  if (new Set(fields.map(([, d]) => d).filter((d) => typeof d === 'string')).size > 1) throw mongoError('CannotCreateIndex', "Can't use more than one index plugin for a single index.");
  const hashed = fields.filter(([, direction]) => direction === 'hashed').length;
  if (hashed > 1) throw new MongoServerError(31303, `A maximum of one index field is allowed to be hashed but found ${hashed} for 'key' ${valueToString(key)}`);
  for (const [field, direction] of fields) {
    if (direction === 'hashed' || direction === 'text' || GEO_PLUGINS.has(direction as string)) {
      // a hashed, text or geo field: no direction to check
    } else if (isNumeric(direction)) {
      const n = toNumber(direction);
      if (Number.isNaN(n)) throw mongoError('CannotCreateIndex', 'Values in the index key pattern cannot be NaN.');
      if (n === 0) throw mongoError('CannotCreateIndex', 'Values in the index key pattern cannot be 0.');
    } else {
      throw mongoError('CannotCreateIndex', `Values in v:2 index key pattern cannot be of type ${bsonTypeOf(direction)}. Only numbers > 0, numbers < 0, and strings are allowed.`);
    }
    if (field.length === 0) throw mongoError('CannotCreateIndex', 'Index keys cannot be an empty field.');
    const text = isTextKeyPattern(key);
    if (field === '_fts' && !text) throw mongoError('CannotCreateIndex', "Index key contains an illegal field name: '_fts'");
    // A text index's `$**` (and `a.$**`) stands for every string field.
    if (text && direction === 'text' && (field === '$**' || field.endsWith('.$**'))) continue;
    const parts = field.split('.');
    parts.forEach((part, i) => {
      if (part.length === 0) throw mongoError('CannotCreateIndex', 'Index keys cannot contain an empty field.');
      // `$ref`, `$id` and `$db` may be the parts of a DBRef below the first.
      if (part.startsWith('$') && !(i > 0 && (part === '$ref' || part === '$id' || part === '$db'))) {
        throw mongoError('CannotCreateIndex', "Index key contains an illegal field name: field name starts with '$'.");
      }
    });
  }
}

/** createIndexes' TTL check (validateIndexSpecTTL): the value first, then one field. */
function checkTtl(raw: Document, sent: string): void {
  inContext(`. Index spec: ${sent}`, () => {
    const value = raw.expireAfterSeconds;
    if (!isNumeric(value)) {
      throw mongoError('CannotCreateIndex', `TTL index 'expireAfterSeconds' option must be numeric, but received a type of '${bsonTypeOf(value)}`);
    }
    const n = toNumber(value);
    if (Number.isNaN(n)) throw mongoError('CannotCreateIndex', "TTL index 'expireAfterSeconds' option must not be NaN");
    if (Math.trunc(n) > MAX_EXPIRE_AFTER_SECONDS || Math.trunc(n) < -2147483648) {
      throw mongoError('CannotCreateIndex', "TTL index 'expireAfterSeconds' must be within the range of a 32-bit integer");
    }
    if (n < 0) throw mongoError('CannotCreateIndex', "TTL index 'expireAfterSeconds' option cannot be less than 0");
  });
  if (Object.keys(raw.key as Document).length !== 1) {
    throw mongoError('CannotCreateIndex', `TTL indexes are single-field indexes, compound indexes do not support TTL. Index spec: ${sent}`);
  }
}

function isNumeric(value: unknown): boolean {
  const type = bsonTypeOf(value);
  return type === 'int' || type === 'long' || type === 'double' || type === 'decimal';
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
  const spec: IndexSpec = { v: new Int32(2), key, name, ...geoSpecDefaults(key) };
  for (const [k, v] of Object.entries(raw)) {
    // mongod drops `ns`, which specs carried before 4.4.
    if (k === 'v' || k === 'key' || k === 'name' || k === 'ns') continue;
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
