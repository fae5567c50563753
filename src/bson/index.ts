/**
 * eddydb's BSON semantics: types, MongoDB's total order, collations, numeric arithmetic with MongoDB's result
 * types, deep copies and the order-preserving key encoding. The only layer that imports the `bson` package
 * (test/unit/layering.test.ts checks it); the others take its classes and codec from here.
 */
export * from './types.js';
export { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE_BYTES, MAX_WRITE_BATCH_SIZE } from './limits.js';
export { type Collation, COLLATION_VERSION, parseCollation, collationSpecDocument, compareStrings, compareUtf8 } from './collation.js';
export { canonicalTypes, canonicalTypeOrder, compareValues, regexParts, valuesEqual } from './compare.js';
export { compareNumeric, numericValue, type NumericValue } from './numeric.js';
export { deepClone, serializeAnySize } from './clone.js';
export { bsonSizeExceeds } from './size.js';
export { getField, mapDocuments, setField } from './fields.js';
export {
  type LongOverflow, addNumbers, subtractNumbers, multiplyNumbers, divideNumbers, modNumbers, numberOfType,
} from './arithmetic.js';
export { encodeKey, encodeCompoundKey } from './key_encoding.js';
export { hashedKeyValue } from './hashed.js';
export { attachRawDocuments, rawDocumentsOf, appendDocumentField, firstField } from './raw_documents.js';

/** The bson package's value classes and codec, so other layers need not import `bson` themselves. */
export {
  BSON, ObjectId, Timestamp, Binary, UUID, MinKey, MaxKey, Code, BSONRegExp, BSONSymbol, DBRef, serialize, deserialize,
  calculateObjectSize,
} from 'bson';
/** The driver's loose document type (values typed `any`), for the public API; inside eddydb, `Document` is used. */
export type { Document as DriverDocument } from 'bson';
export { elementToString, documentToString, valueToString, doubleToString } from './format.js';
