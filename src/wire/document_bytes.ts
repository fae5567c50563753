/**
 * BSON of documents that several replies carry, kept once encoded: a change event shaped once and returned by a
 * thousand streams is serialized for the first replies only; the others reuse its bytes.
 */
import type { Document } from './bson_codec.js';

/**
 * Keyed by the document object, so an entry lives exactly as long as the object does. Only documents that are
 * not mutated after they are first sent may go in (change events: see changestream/event_builder.ts).
 */
const encoded = new WeakMap<Document, Uint8Array>();

/**
 * Documents sent once whose bytes were not kept. Most events reach one stream only; marking them costs less than
 * copying their bytes out, which is left to the second reply that carries one.
 */
const sentOnce = new WeakSet<Document>();

/**
 * True for an object literal (or a null-prototype object) that the serializer writes as an embedded document
 * with exactly the bytes it gives the same object serialized on its own: no BSON value class, Date, RegExp,
 * typed array, Map, array or toBSON hook.
 */
export function isPlainDocument(v: unknown): v is Document {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  const d = v as { _bsontype?: unknown; toBSON?: unknown };
  return d._bsontype === undefined && typeof d.toBSON !== 'function';
}

/** The BSON of `doc` (undefined fields left out, as in every reply) when it was kept. Never write into it. */
export function cachedDocumentBytes(doc: Document): Uint8Array | undefined {
  return encoded.get(doc);
}

/**
 * Called for each document of a reply serialized whole: true when the document was sent before and its bytes
 * are not kept yet, so they are worth keeping now (see rememberDocumentBytes).
 */
export function sentBefore(doc: Document): boolean {
  if (encoded.has(doc)) return false;
  if (sentOnce.has(doc)) return true;
  sentOnce.add(doc);
  return false;
}

/**
 * Records `bytes` as the BSON of `doc`. The caller passes bytes of its own (a copy, not a view of a whole reply or
 * of a pooled slab, which the entry would keep alive as long as the document).
 */
export function rememberDocumentBytes(doc: Document, bytes: Uint8Array): void {
  if (!encoded.has(doc)) encoded.set(doc, bytes);
}
