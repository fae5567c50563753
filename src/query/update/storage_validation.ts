import { bsonTypeOf, isDocument, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';

/**
 * The checks mongod's storage_validation runs on what an update writes: top-level field names may not start with
 * `$` (DollarPrefixedFieldName, 52) and `_id` may not be an array, regex or undefined, nor hold `$`-prefixed field
 * names (InvalidIdField, 53). Nested `$`-prefixed names are allowed since MongoDB 5.0.
 */

/** Validates a top-level field `name` about to be written with `value`. */
export function validateTopLevelField(name: string, value: unknown, allowDollarPrefix = false): void {
  if (name.startsWith('$') && !allowDollarPrefix) {
    throw mongoError('DollarPrefixedFieldName', `The dollar ($) prefixed field '${name}' in '${name}' is not valid for storage.`);
  }
  if (name === '_id') validateIdValue(value);
}

/** The `_id` rules (storageValidIdField). */
export function validateIdValue(value: unknown): void {
  const t = bsonTypeOf(value);
  if (t === 'array' || t === 'regex' || t === 'undefined') {
    throw mongoError('InvalidIdField', `The '_id' value cannot be of type ${t}`);
  }
  if (isDocument(value)) checkNoDollarFields(value, '_id');
}

function checkNoDollarFields(doc: Document, path: string): void {
  for (const key of Object.keys(doc)) {
    const full = `${path}.${key}`;
    if (key.startsWith('$') && key !== '$id' && key !== '$ref' && key !== '$db') {
      throw mongoError('DollarPrefixedFieldName', `The dollar ($) prefixed field '${key}' in '${full}' is not valid for storage.`);
    }
    const v = doc[key];
    if (isDocument(v)) checkNoDollarFields(v, full);
  }
}

/** Validates every top-level field of a whole new document (a replacement or a pipeline result). */
export function validateDocumentForStorage(doc: Document, allowTopLevelDollarPrefixes: boolean): void {
  for (const key of Object.keys(doc)) validateTopLevelField(key, doc[key], allowTopLevelDollarPrefixes);
}
