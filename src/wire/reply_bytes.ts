/**
 * Encoding a reply document as pieces of BSON. The events of a change-stream batch are shared by every stream that
 * returns them: the first two replies carrying an event are serialized whole (the second keeps the event's bytes);
 * a reply whose events all have kept bytes is assembled from them around a newly serialized envelope. Either way
 * the bytes are exactly those of `serialize(reply, {ignoreUndefined: true})`.
 */
import { encodeReplyDocument, type Document } from './bson_codec.js';
import { findElement, int32At, writeInt32At, type ElementPosition } from './bson_walk.js';
import { cachedDocumentBytes, isPlainDocument, rememberDocumentBytes, sentBefore } from './document_bytes.js';

/** A reply's BSON as pieces to send in order. Pieces may be shared with other replies: never write into them. */
export interface ReplyBytes {
  readonly chunks: readonly Uint8Array[];
  /** Total length of the chunks: the reply's BSON size. */
  readonly size: number;
}

const BSON_EMBEDDED_DOCUMENT = 0x03;
const BSON_ARRAY = 0x04;

/** BSON of a reply document. Throws what the serializer throws for a document it cannot encode. */
export function encodeReplyBytes(reply: Document): ReplyBytes {
  const batch = sharedBatchOf(reply);
  if (batch !== null) {
    const cached = cachedBatch(batch.docs);
    if (cached !== null) {
      try {
        return assemble(reply, batch, cached);
      } catch {
        // Whatever went wrong, serializing the whole reply below encodes it or throws the serializer's own error.
      }
    }
  }
  const bytes = encodeReplyDocument(reply);
  if (batch !== null) remember(bytes, batch);
  return { chunks: [bytes], size: bytes.byteLength };
}

interface SharedBatch {
  cursor: Document;
  key: 'firstBatch' | 'nextBatch';
  docs: Document[];
}

/**
 * The batch of a change-stream cursor reply (`cursor.postBatchResumeToken` marks one), when every document in it
 * is plain. Those events are the documents shared between replies; the documents of a find or an aggregate are
 * built for one reply, so keeping their bytes would only cost memory.
 */
function sharedBatchOf(reply: Document): SharedBatch | null {
  if (!isPlainDocument(reply)) return null;
  const cursor: unknown = reply.cursor;
  if (!isPlainDocument(cursor) || cursor.postBatchResumeToken === undefined) return null;
  const key = Array.isArray(cursor.nextBatch) ? 'nextBatch' : Array.isArray(cursor.firstBatch) ? 'firstBatch' : null;
  if (key === null) return null;
  const docs = cursor[key] as unknown[];
  if (docs.length === 0 || Object.getPrototypeOf(docs) !== Array.prototype) return null;
  for (let i = 0; i < docs.length; i++) if (!isPlainDocument(docs[i])) return null;
  return { cursor, key, docs: docs as Document[] };
}

/** The kept bytes of every document of the batch, or null when one of them has not been sent before. */
function cachedBatch(docs: Document[]): Uint8Array[] | null {
  const out = new Array<Uint8Array>(docs.length);
  for (let i = 0; i < docs.length; i++) {
    const bytes = cachedDocumentBytes(docs[i]!);
    if (bytes === undefined) return null;
    out[i] = bytes;
  }
  return out;
}

/** Where the batch array's value starts in an encoded reply, with the enclosing cursor document. */
function locateBatch(bytes: Uint8Array, key: string): { cursor: ElementPosition; batch: ElementPosition } | null {
  const cursor = findElement(bytes, 0, 'cursor', BSON_EMBEDDED_DOCUMENT);
  const batch = cursor && findElement(bytes, cursor.value, key, BSON_ARRAY);
  return cursor && batch ? { cursor, batch } : null;
}

/**
 * After a batch was serialized whole: keeps the bytes of each document that is now on its second reply, for the
 * replies that carry it next. The array's elements are copied out in one piece (one allocation per reply, not
 * per event) and each kept document holds a view of it.
 */
function remember(bytes: Uint8Array, { key, docs }: SharedBatch): void {
  let keep: boolean[] | null = null;
  for (let i = 0; i < docs.length; i++) {
    if (sentBefore(docs[i]!)) (keep ??= new Array<boolean>(docs.length).fill(false))[i] = true;
  }
  if (keep === null) return;
  const at = locateBatch(bytes, key);
  if (at === null) return;
  const first = at.batch.value + 4;
  const end = at.batch.value + int32At(bytes, at.batch.value) - 1;
  // A real copy: Buffer#slice would return a view.
  const copy = new Uint8Array(end - first);
  copy.set(bytes.subarray(first, end));
  let pos = 0;
  for (let i = 0; i < docs.length; i++) {
    if (copy[pos] !== BSON_EMBEDDED_DOCUMENT) return;
    const start = copy.indexOf(0, pos + 1) + 1;
    pos = start + int32At(copy, start);
    if (keep[i]) rememberDocumentBytes(docs[i]!, copy.subarray(start, pos));
  }
}

/**
 * Serializes the reply with an empty batch, then splices the batch's elements in where the empty array was: each
 * is `0x03`, its index as a cstring, then the document's kept bytes. The enclosing lengths grow by the same amount.
 */
function assemble(reply: Document, { cursor, key }: SharedBatch, docs: Uint8Array[]): ReplyBytes {
  const envelope = encodeReplyDocument({ ...reply, cursor: { ...cursor, [key]: [] } });
  const at = locateBatch(envelope, key);
  if (at === null || int32At(envelope, at.batch.value) !== 5) throw new Error('batch not found in the reply envelope');

  const names = elementNames(docs.length);
  const chunks: Uint8Array[] = [envelope.subarray(0, at.batch.value + 4)];
  let added = 0;
  for (let i = 0; i < docs.length; i++) {
    chunks.push(names[i]!, docs[i]!);
    added += names[i]!.length + docs[i]!.byteLength;
  }
  // The rest starts with the empty array's terminating 0x00, which now ends the filled array.
  chunks.push(envelope.subarray(at.batch.value + 4));
  writeInt32At(envelope, 0, int32At(envelope, 0) + added);
  writeInt32At(envelope, at.cursor.value, int32At(envelope, at.cursor.value) + added);
  writeInt32At(envelope, at.batch.value, 5 + added);
  return { chunks, size: envelope.byteLength + added };
}

/** Each array element's type byte and name: `0x03 "<index>" 0x00`. */
function elementNames(count: number): Uint8Array[] {
  if (count <= COMMON_NAMES.length) return COMMON_NAMES.slice(0, count);
  const out = COMMON_NAMES.slice();
  for (let i = COMMON_NAMES.length; i < count; i++) out.push(elementName(i));
  return out;
}

function elementName(index: number): Uint8Array {
  const digits = String(index);
  const out = new Uint8Array(digits.length + 2);
  out[0] = BSON_EMBEDDED_DOCUMENT;
  for (let d = 0; d < digits.length; d++) out[d + 1] = digits.charCodeAt(d);
  return out;
}

/** Names of the first elements, built once: most change-stream batches hold a handful of events. */
const COMMON_NAMES: readonly Uint8Array[] = Array.from({ length: 128 }, (_, i) => elementName(i));
