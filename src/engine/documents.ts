import { serialize, deserialize, ObjectId, calculateObjectSize } from 'bson';
import { bsonTypeOf, type Document } from '../bson/types.js';
import { encodeKey } from '../bson/index.js';
import { mongoError } from '../errors/index.js';

/** mongod's maximum user document size. */
export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;

const decodeOptions = { promoteValues: false, promoteBuffers: false } as const;

export function decodeDocument(bytes: Uint8Array): Document {
  return deserialize(bytes, decodeOptions) as Document;
}

export function encodeDocument(doc: Document): Uint8Array {
  const bytes = serialize(doc, { ignoreUndefined: false });
  if (bytes.byteLength > MAX_BSON_OBJECT_SIZE) {
    throw mongoError('BSONObjectTooLarge', `object to insert too large. size in bytes: ${bytes.byteLength}, max size: ${MAX_BSON_OBJECT_SIZE}`);
  }
  return bytes;
}

export function bsonSize(doc: Document): number {
  return calculateObjectSize(doc);
}

/** The storage key of a document: its `_id` in the order-preserving encoding. */
export function idKey(id: unknown): Uint8Array {
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
 */
export function prepareForInsert(doc: Document): Document {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw mongoError('TypeMismatch', 'document to insert must be an object');
  }
  const id = Object.prototype.hasOwnProperty.call(doc, '_id') ? doc._id : new ObjectId();
  validateId(id);
  const out: Document = { _id: id };
  for (const [k, v] of Object.entries(doc)) {
    if (k !== '_id') out[k] = v;
  }
  return out;
}

/** Keeps `_id` first after an update that may have rebuilt the document. */
export function withIdFirst(doc: Document): Document {
  const keys = Object.keys(doc);
  if (keys[0] === '_id' || !('_id' in doc)) return doc;
  const out: Document = { _id: doc._id };
  for (const k of keys) if (k !== '_id') out[k] = doc[k];
  return out;
}
