import type { Document } from './types.js';

/**
 * Documents that travel with their BSON bytes. The embedded client encodes an insert's documents, decodes them
 * again (which copies them and gives numbers their BSON types) and hands the bytes along, so that the engine
 * stores and logs those bytes instead of encoding each document twice more.
 *
 * The bytes ride on the documents array under a symbol: not enumerable, never serialized, invisible to code that
 * does not ask for them. Whoever attaches them vouches that `bytes[i]` is the exact encoding of `docs[i]`.
 */
const RAW_DOCUMENTS = Symbol('eddydb.rawDocuments');

type WithRaw = { [RAW_DOCUMENTS]?: readonly Uint8Array[] };

/** Attaches the exact BSON bytes of each document of `docs` (same length, same order) and returns `docs`. */
export function attachRawDocuments(docs: Document[], bytes: readonly Uint8Array[]): Document[] {
  if (bytes.length !== docs.length) throw new RangeError('one encoding per document');
  Object.defineProperty(docs, RAW_DOCUMENTS, { value: bytes, enumerable: false });
  return docs;
}

/** The bytes attached to `docs` by `attachRawDocuments`, or undefined. */
export function rawDocumentsOf(docs: readonly unknown[]): readonly Uint8Array[] | undefined {
  const bytes = (docs as WithRaw)[RAW_DOCUMENTS];
  return bytes !== undefined && bytes.length === docs.length ? bytes : undefined;
}

const FIELD_TYPE_DOCUMENT = 0x03;

/** Size of the value of a BSON element of type `type` starting at `at`, or -1 for a type this does not know. */
function valueLength(bytes: Uint8Array, type: number, at: number): number {
  const int32 = () => (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24));
  switch (type) {
    case 0x01: case 0x09: case 0x11: case 0x12: return 8; // double, date, timestamp, int64
    case 0x02: case 0x0d: case 0x0e: return 4 + int32(); // string, code, symbol
    case 0x03: case 0x04: case 0x0f: return int32(); // document, array, code with scope
    case 0x05: return 5 + int32(); // binary: length, subtype, bytes
    case 0x06: case 0x0a: case 0xff: case 0x7f: return 0; // undefined, null, minKey, maxKey
    case 0x07: return 12; // ObjectId
    case 0x08: return 1; // bool
    case 0x0b: { // regex: two cstrings
      let i = at;
      while (i < bytes.length && bytes[i] !== 0) i++;
      i++;
      while (i < bytes.length && bytes[i] !== 0) i++;
      return i + 1 - at;
    }
    case 0x0c: return 4 + int32() + 12; // DBPointer: string, ObjectId
    case 0x10: return 4; // int32
    case 0x13: return 16; // decimal128
    default: return -1;
  }
}

/**
 * The bytes of the first field of the encoded document `doc` (type, name and value) when that field is named
 * `name`; null otherwise. A document stored with `_id` first yields its `{_id}` element this way.
 */
export function firstField(doc: Uint8Array, name: string): Uint8Array | null {
  const type = doc[4]!;
  if (doc.byteLength < 6 || type === 0) return null;
  let at = 5;
  for (let i = 0; i < name.length; i++, at++) {
    if (doc[at] !== name.charCodeAt(i)) return null;
  }
  if (doc[at++] !== 0) return null;
  const length = valueLength(doc, type, at);
  if (length < 0 || at + length > doc.byteLength - 1) return null;
  return doc.subarray(4, at + length);
}

/**
 * `head` (an encoded document) with one more field at its end: `key` holding the already encoded document `doc`.
 * The result is byte for byte what encoding the head's fields followed by `key: decode(doc)` would give, without
 * walking `doc` again.
 */
export function appendDocumentField(head: Uint8Array, key: string, doc: Uint8Array): Buffer {
  const keyLength = Buffer.byteLength(key, 'utf8');
  const size = head.byteLength + 1 + keyLength + 1 + doc.byteLength;
  const out = Buffer.allocUnsafe(size);
  out.set(head.subarray(0, head.byteLength - 1), 0);
  out.writeInt32LE(size, 0);
  let at = head.byteLength - 1;
  out[at++] = FIELD_TYPE_DOCUMENT;
  at += out.write(key, at, 'utf8');
  out[at++] = 0;
  out.set(doc, at);
  out[size - 1] = 0;
  return out;
}
