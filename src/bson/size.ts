/**
 * Whether a document's BSON is certainly larger than `limit` bytes, found without encoding it and without
 * walking more than about `limit / 3` values.
 *
 * A value built by expressions can hold one sub-document by reference many times, so its BSON (the sum of every
 * copy) can be far larger than the memory it takes; `calculateObjectSize` walks every copy, which on such a value
 * takes as long as encoding terabytes. This walk counts a lower bound of each element's encoding (its type byte,
 * its name and NUL, and the bytes any value of its type takes at least) and stops as soon as the count passes
 * `limit`. So a document it passes is at most a few times `limit` in BSON, and measuring it exactly is cheap.
 */
export function bsonSizeExceeds(doc: Record<string, unknown>, limit: number): boolean {
  const counter = { bytes: DOCUMENT_FRAME_BYTES, limit };
  return !countDocument(doc, counter);
}

interface Counter {
  bytes: number;
  readonly limit: number;
}

/** A document's length prefix and terminator. */
const DOCUMENT_FRAME_BYTES = 5;

/** Adds the elements of `doc`; false once the count has passed the limit. */
function countDocument(doc: Record<string, unknown>, counter: Counter): boolean {
  for (const key in doc) {
    const value = doc[key];
    if (value === undefined) continue;
    // The type byte, the name (at least one byte per UTF-16 unit) and its NUL.
    counter.bytes += 2 + key.length;
    if (!countValue(value, counter)) return false;
  }
  return counter.bytes <= counter.limit;
}

function countArray(array: readonly unknown[], counter: Counter): boolean {
  for (let i = 0; i < array.length; i++) {
    // The type byte, the index as a name (at least one digit) and its NUL.
    counter.bytes += 3;
    if (!countValue(array[i], counter)) return false;
  }
  return counter.bytes <= counter.limit;
}

function countValue(value: unknown, counter: Counter): boolean {
  if (typeof value === 'string') {
    // Length prefix and NUL around at least one byte per UTF-16 unit.
    counter.bytes += 5 + value.length;
  } else if (value !== null && typeof value === 'object') {
    if (Array.isArray(value)) {
      counter.bytes += DOCUMENT_FRAME_BYTES;
      return countArray(value, counter);
    }
    const bsontype = (value as { _bsontype?: unknown })._bsontype;
    if (bsontype === undefined && !ArrayBuffer.isView(value) && !(value instanceof Date) && !(value instanceof RegExp)) {
      counter.bytes += DOCUMENT_FRAME_BYTES;
      return countDocument(value as Record<string, unknown>, counter);
    }
    if (bsontype === 'DBRef') {
      counter.bytes += DOCUMENT_FRAME_BYTES;
      return counter.bytes <= counter.limit;
    }
    if (bsontype === 'Binary') counter.bytes += 5 + ((value as { position?: number }).position ?? 0);
    else if (ArrayBuffer.isView(value)) counter.bytes += 5 + value.byteLength;
  }
  return counter.bytes <= counter.limit;
}
