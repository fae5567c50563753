import { bsonTypeOf, isDocument, parseCollation, type Collation, type Document } from '../bson/index.js';
import type { CompiledFilter } from '../query/filter/index.js';
import { badEnumValueError, mongoError, MongoServerError, wrongTypeError } from '../errors/index.js';
import type { CollectionInfo } from './catalog.js';
import { compileCommandFilter, exprMatchOptions } from './expr_filter.js';
import { isInternalDatabase, isSystemCollection } from './namespace.js';
import { explainFilter } from './validation_details.js';

/**
 * Collection validators (https://www.mongodb.com/docs/manual/core/schema-validation/): a query filter every inserted
 * or updated document must match, with `validationLevel` (strict: every write; moderate: only documents that were
 * valid before; off) and `validationAction` (error: refuse with DocumentValidationFailure 121; warn: allow).
 * A validator may hold `$jsonSchema` (alone, or beside query operators), which alone may use the encryption keywords.
 */

/** Per-write switch: `bypassDocumentValidation: true` on insert, update, findAndModify or aggregate skips checks. */
export interface DocumentValidationOptions {
  bypassDocumentValidation?: boolean;
  /** The engine's log, which hears of documents accepted under validationAction warn. */
  log?: (event: Record<string, unknown>) => void;
}

const LEVELS = new Set(['off', 'strict', 'moderate']);
const ACTIONS = new Set(['error', 'warn']);

/** Validators compiled for their collation, by validator document: a write compiles its collection's once. */
const compiledValidators = new WeakMap<Document, { collation: unknown; filter: CompiledFilter }>();

/** Compiles a validator as mongod parses one: `$expr` and `$jsonSchema` with its encryption keywords allowed, no `$text`. */
function compileValidator(validator: Document, collation: Collation | null): CompiledFilter {
  return compileCommandFilter(validator, collation, undefined, { allowEncryptKeywords: true, allowText: false });
}

/**
 * Checks the validator options of `create` or `collMod` (`command`) before they are stored.
 *
 * @throws MongoServerError TypeMismatch (14) for a validator that is not a document; InvalidOptions (72) for a validator on a system collection or an internal database; BadValue (2)
 *   for an unknown validationLevel or validationAction; the filter's own parse errors for a bad validator.
 */
export function checkValidationOptions(command: string, db: string, coll: string, options: Document): void {
  const { validator, validationLevel, validationAction } = options;
  if (validator !== undefined) {
    if (!isDocument(validator)) {
      throw wrongTypeError(`${command}.validator`, bsonTypeOf(validator), 'object');
    }
    if (Object.keys(validator).length > 0) {
      if (isSystemCollection(coll)) throw mongoError('InvalidOptions', `Document validators not allowed on system collection ${db}.${coll}`);
      if (isInternalDatabase(db)) {
        throw mongoError('InvalidOptions', `Document validators are not allowed on collection ${db}.${coll} in the ${db} internal database`);
      }
    }
    compileValidator(validator, null);
  }
  for (const [field, value, allowed] of [['validationLevel', validationLevel, LEVELS], ['validationAction', validationAction, ACTIONS]] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      throw wrongTypeError(`${command}.${field}`, bsonTypeOf(value), 'string');
    }
    if (!allowed.has(value)) throw badEnumValueError(`${command}.${field}`, value);
  }
}

/** False when {@link enforceValidator} accepts every document written to `info` with `options` unchecked. */
export function validatorApplies(info: CollectionInfo, options: DocumentValidationOptions = {}): boolean {
  const validator = info.options.validator;
  if (!isDocument(validator) || Object.keys(validator).length === 0 || options.bypassDocumentValidation) return false;
  return (info.options.validationLevel ?? 'strict') !== 'off';
}

/**
 * Enforces the collection's validator on a document about to be stored: `after` is the new document, `before` the
 * stored one for an update or replacement (null for an insert or upsert).
 *
 * @throws MongoServerError DocumentValidationFailure (121) "Document failed validation" with
 *   `errInfo: {failingDocumentId, details}` when the document fails under validationAction error.
 */
export function enforceValidator(info: CollectionInfo, after: Document, before: Document | null, options: DocumentValidationOptions = {}): void {
  if (!validatorApplies(info, options)) return;
  const validator = info.options.validator as Document;
  const level = info.options.validationLevel ?? 'strict';
  const collation = info.options.collation !== undefined ? parseCollation(info.options.collation) : null;
  let cached = compiledValidators.get(validator);
  if (!cached || cached.collation !== info.options.collation) {
    cached = { collation: info.options.collation, filter: compileValidator(validator, collation) };
    compiledValidators.set(validator, cached);
  }
  const filter = cached.filter;
  if (filter.matches(after)) return;
  // moderate: a document that was already invalid may stay invalid.
  if (level === 'moderate' && before !== null && !filter.matches(before)) return;
  const errInfo = { failingDocumentId: after._id, details: explainFilter(validator, after, { ...exprMatchOptions(collation), allowEncryptKeywords: true }) };
  // warn: mongod logs the failure and writes anyway.
  if (info.options.validationAction === 'warn') {
    options.log?.({ msg: 'Document would fail validation', component: 'STORAGE', attr: { namespace: `${info.db}.${info.name}`, document: { _id: after._id }, errInfo } });
    return;
  }
  throw new MongoServerError(121, 'Document failed validation', { extra: { errInfo } });
}
