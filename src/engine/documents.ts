import { serialize, deserialize, ObjectId } from '../bson/index.js';
import { bsonTypeOf, type Document } from '../bson/types.js';
import { encodeKey, MAX_BSON_OBJECT_SIZE } from '../bson/index.js';
import { mongoError } from '../errors/index.js';

/** mongod's maximum user document size. */

const decodeOptions = { promoteValues: false, promoteBuffers: false } as const;

export function decodeStoredDocument(bytes: Uint8Array): Document {
  return deserialize(bytes, decodeOptions) as Document;
}

/**
 * MongoDB's documented limit on nesting for stored documents ("no more than 100 levels of nesting";
 * https://www.mongodb.com/docs/manual/reference/limits/#mongodb-limit-Nested-Depth-for-BSON-Documents).
 */
export const MAX_USER_NESTING_DEPTH = 100;

/**
 * How many levels of non-empty documents and arrays a value nests, the top-level document counting as one, as
 * mongod counts them for storage (an empty sub-document or array adds no level). Stops counting once past `limit`,
 * so a hostile, very deep value costs no more than `limit` frames of recursion.
 */
export function nestingDepth(value: unknown, limit = MAX_USER_NESTING_DEPTH): number {
  return depthOf(value, 0, limit);
}

function depthOf(value: unknown, above: number, limit: number): number {
  if (!isContainer(value)) return above;
  const children = Array.isArray(value) ? value : Object.values(value as Document);
  if (children.length === 0) return above;
  const here = above + 1;
  if (here > limit) return here;
  let max = here;
  for (const child of children) {
    if (!isContainer(child)) continue;
    const d = depthOf(child, here, limit);
    if (d > max) max = d;
    if (max > limit) break;
  }
  return max;
}

/** A plain document or an array (BSON wrapper values, dates, regexes and buffers are leaves). */
function isContainer(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return true;
  const type = bsonTypeOf(v);
  return type === 'object';
}

/**
 * Every nesting level below the top costs at least 7 bytes of BSON (type, a key of at least its NUL, the length,
 * the terminator) and the innermost non-empty level at least 2 more, so an encoding shorter than this cannot nest
 * deeper than the limit.
 */
const SHALLOW_BELOW_BYTES = 7 * MAX_USER_NESTING_DEPTH;

/**
 * Overflow (15) when `doc` nests deeper than MongoDB stores; `insert` picks mongod's insert-path message.
 * `encodedBytes`, the size of the document's BSON when known, skips the walk for documents too small to be deep.
 */
export function checkNestingDepth(doc: Document, insert: boolean, encodedBytes?: number): void {
  if (encodedBytes !== undefined && encodedBytes < SHALLOW_BELOW_BYTES) return;
  if (nestingDepth(doc) <= MAX_USER_NESTING_DEPTH) return;
  throw mongoError(
    'Overflow',
    insert
      ? `cannot insert document because it exceeds ${MAX_USER_NESTING_DEPTH} levels of nesting`
      : `Document exceeds maximum nesting depth of ${MAX_USER_NESTING_DEPTH}`,
  );
}

/**
 * The stored bytes of a document. Throws BSONObjectTooLarge (10334) over 16 MiB and Overflow (15) when it nests
 * deeper than {@link MAX_USER_NESTING_DEPTH} (an update result, say; inserts are checked earlier in
 * {@link prepareForInsert}).
 */
export function encodeStoredDocument(doc: Document): Uint8Array {
  checkNestingDepth(doc, false);
  return checkDocumentSize(serialize(doc, { ignoreUndefined: false }));
}

/**
 * The stored bytes of a document {@link prepareForInsert} returned (its depth already checked): `bytes` when the
 * caller has its exact encoding, else a fresh one. Throws BSONObjectTooLarge (10334) over 16 MiB.
 */
export function encodeInsertedDocument(doc: Document, bytes?: Uint8Array): Uint8Array {
  return checkDocumentSize(bytes ?? serialize(doc, { ignoreUndefined: false }));
}

function checkDocumentSize(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength > MAX_BSON_OBJECT_SIZE) {
    throw mongoError('BSONObjectTooLarge', `object to insert too large. size in bytes: ${bytes.byteLength}, max size: ${MAX_BSON_OBJECT_SIZE}`);
  }
  return bytes;
}

/** The storage key of a document: its `_id` in the order-preserving encoding. */
export function idStorageKey(id: unknown): Uint8Array {
  return encodeKey(id);
}

/** Rejects `_id` values MongoDB refuses (InvalidIdField, 53). */
export function validateId(id: unknown): void {
  const type = bsonTypeOf(id);
  if (type === 'array') throw mongoError('InvalidIdField', `The '_id' value cannot be of type array`);
  if (type === 'regex') throw mongoError('InvalidIdField', `can't use a regex for _id`);
  if (type === 'undefined') throw mongoError('InvalidIdField', `can't use a undefined for _id`);
  if (type === 'object') {
    for (const key of Object.keys(id as Document)) {
      if (key.startsWith('$')) throw mongoError('DollarPrefixedFieldName', `_id fields may not contain '$'-prefixed fields: ${key} is not valid for storage.`);
    }
  }
}

/**
 * A document as it will be stored: `_id` first (a new ObjectId when absent), everything else in the given order.
 * With `handOver`, the caller gives up `doc` (an insert command's own decoded copy) and gets it back as is when it
 * is in stored form already; otherwise the result is a new object. `encodedBytes` as for {@link checkNestingDepth}.
 */
export function prepareForInsert(doc: Document, handOver = false, encodedBytes?: number): Document {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw mongoError('TypeMismatch', 'document to insert must be an object');
  }
  const hasId = Object.prototype.hasOwnProperty.call(doc, '_id');
  const id = hasId ? doc._id : new ObjectId();
  validateId(id);
  checkNestingDepth(doc, true, encodedBytes);
  if (handOver && hasId && firstKey(doc) === '_id') return doc;
  const out: Document = { _id: id };
  for (const [k, v] of Object.entries(doc)) {
    if (k !== '_id') out[k] = v;
  }
  return out;
}

function firstKey(doc: Document): string | undefined {
  for (const key in doc) return key;
  return undefined;
}

/** Keeps `_id` first after an update that may have rebuilt the document. */
export function withIdFirst(doc: Document): Document {
  const keys = Object.keys(doc);
  if (keys[0] === '_id' || !('_id' in doc)) return doc;
  const out: Document = { _id: doc._id };
  for (const k of keys) if (k !== '_id') out[k] = doc[k];
  return out;
}
