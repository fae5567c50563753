import type { Code, ObjectId, Timestamp } from 'bson';
import {
  binaryBytes, canonicalTypeOrder, canonicalTypes, codeString, dateMillis, documentEntries, regexParts, stringValueOf,
} from './compare.js';
import { formOf, numericValue, type DecimalForm } from './numeric.js';

/*
 * Order-preserving key encoding: for any two values, memcmp of their encodings has the sign of compareValues
 * (simple collation). Equal values get identical bytes, whatever their numeric type, so 1, 1.0 and Long(1) are
 * one key, as they are for MongoDB's _id index.
 *
 * Every encoding is self-delimiting and no encoding is a proper prefix of another, which is what lets a compound
 * key invert one component's bytes for a descending direction.
 *
 *   value    = tag payload                   (tag: one byte per canonical type, ascending in MongoDB's order)
 *   number   = class [exp16 pairs* 0x00]      exact decimal 0.<digits> x 10^exp, digits packed two per byte
 *                                             (1..100); all of it inverted for negatives. Decimal128 is exact too.
 *   string   = utf8 bytes, 0x00 -> 0x00 0xFF, then 0x00 0x00
 *   object   = (tag name payload)* 0x00       per field: the value's tag first, as mongod compares type first
 *   array    = value* 0x00
 *   binData  = len32 subtype bytes            (mongod orders by length, then subtype, then bytes)
 */

const TAG = {
  end: 0x00,
  minKey: 0x10, undefined: 0x14, null: 0x18, number: 0x20, string: 0x28, object: 0x30, array: 0x38, binData: 0x40,
  objectId: 0x48, bool: 0x50, date: 0x58, timestamp: 0x5c, regex: 0x60, dbPointer: 0x68, javascript: 0x70,
  javascriptWithScope: 0x78, maxKey: 0xf0,
} as const;

const tagByCanonical = new Map<number, number>([
  [canonicalTypes.minKey, TAG.minKey], [canonicalTypes.undefined, TAG.undefined], [canonicalTypes.null, TAG.null],
  [canonicalTypes.number, TAG.number], [canonicalTypes.string, TAG.string], [canonicalTypes.object, TAG.object],
  [canonicalTypes.array, TAG.array], [canonicalTypes.binData, TAG.binData], [canonicalTypes.objectId, TAG.objectId],
  [canonicalTypes.bool, TAG.bool], [canonicalTypes.date, TAG.date], [canonicalTypes.timestamp, TAG.timestamp],
  [canonicalTypes.regex, TAG.regex], [canonicalTypes.dbPointer, TAG.dbPointer],
  [canonicalTypes.javascript, TAG.javascript], [canonicalTypes.javascriptWithScope, TAG.javascriptWithScope],
  [canonicalTypes.maxKey, TAG.maxKey],
]);

const NUMBER_CLASS = { nan: 0x01, '-inf': 0x02, neg: 0x03, zero: 0x04, pos: 0x05, inf: 0x06 } as const;
const EXP_BIAS = 0x8000;

const utf8 = new TextEncoder();

class ByteWriter {
  buf = new Uint8Array(64);
  len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  uint32(n: number): void {
    this.ensure(4);
    this.buf[this.len++] = (n >>> 24) & 0xff;
    this.buf[this.len++] = (n >>> 16) & 0xff;
    this.buf[this.len++] = (n >>> 8) & 0xff;
    this.buf[this.len++] = n & 0xff;
  }

  /** Escaped, terminated string: 0x00 inside becomes 0x00 0xFF, the end is 0x00 0x00. */
  string(s: string): void {
    // ASCII, the usual case for _id strings, is its own UTF-8: copied char by char without a TextEncoder buffer.
    this.ensure(s.length * 2 + 2);
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      this.buf[this.len++] = c;
      if (c === 0) this.buf[this.len++] = 0xff;
    }
    if (i < s.length) {
      const b = utf8.encode(s.slice(i));
      this.ensure(b.length * 2 + 2);
      for (let j = 0; j < b.length; j++) {
        const c = b[j]!;
        this.buf[this.len++] = c;
        if (c === 0) this.buf[this.len++] = 0xff;
      }
    }
    this.buf[this.len++] = 0;
    this.buf[this.len++] = 0;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function writeNumber(w: ByteWriter, form: DecimalForm): void {
  w.byte(NUMBER_CLASS[form.cls]);
  if (form.cls !== 'pos' && form.cls !== 'neg') return;
  const start = w.len;
  const e = form.exp + EXP_BIAS;
  w.byte((e >>> 8) & 0xff);
  w.byte(e & 0xff);
  const d = form.digits;
  for (let i = 0; i < d.length; i += 2) {
    const hi = d.charCodeAt(i) - 48;
    const lo = i + 1 < d.length ? d.charCodeAt(i + 1) - 48 : 0;
    w.byte(hi * 10 + lo + 1);
  }
  w.byte(0);
  if (form.cls === 'neg') {
    for (let i = start; i < w.len; i++) w.buf[i] = 0xff - w.buf[i]!;
  }
}

function writeDocumentBody(w: ByteWriter, entries: [string, unknown][]): void {
  for (const [name, value] of entries) {
    const t = canonicalTypeOrder(value);
    w.byte(tagByCanonical.get(t)!);
    w.string(name);
    writePayload(w, t, value);
  }
  w.byte(TAG.end);
}

function writeValue(w: ByteWriter, v: unknown): void {
  const t = canonicalTypeOrder(v);
  w.byte(tagByCanonical.get(t)!);
  writePayload(w, t, v);
}

const dateView = new DataView(new ArrayBuffer(8));

function writePayload(w: ByteWriter, t: number, v: unknown): void {
  switch (t) {
    case canonicalTypes.minKey:
    case canonicalTypes.undefined:
    case canonicalTypes.null:
    case canonicalTypes.maxKey:
      return;
    case canonicalTypes.number:
      writeNumber(w, formOf(numericValue(v)!));
      return;
    case canonicalTypes.string:
      w.string(stringValueOf(v));
      return;
    case canonicalTypes.object:
      writeDocumentBody(w, documentEntries(v));
      return;
    case canonicalTypes.array:
      for (const item of v as unknown[]) writeValue(w, item);
      w.byte(TAG.end);
      return;
    case canonicalTypes.binData: {
      const { subType, bytes } = binaryBytes(v);
      w.uint32(bytes.length);
      w.byte(subType & 0xff);
      w.bytes(bytes);
      return;
    }
    case canonicalTypes.objectId:
      w.bytes((v as ObjectId).id);
      return;
    case canonicalTypes.bool:
      w.byte(v ? 1 : 0);
      return;
    case canonicalTypes.date: {
      // int64 big-endian with the sign bit flipped so negative times sort first.
      dateView.setBigInt64(0, BigInt(dateMillis(v as Date)));
      dateView.setUint8(0, dateView.getUint8(0) ^ 0x80);
      w.bytes(new Uint8Array(dateView.buffer.slice(0)));
      return;
    }
    case canonicalTypes.timestamp:
      w.uint32((v as Timestamp).t);
      w.uint32((v as Timestamp).i);
      return;
    case canonicalTypes.regex: {
      const { pattern, flags } = regexParts(v);
      w.string(pattern);
      w.string(flags);
      return;
    }
    case canonicalTypes.javascript:
      w.string(codeString(v));
      return;
    case canonicalTypes.javascriptWithScope:
      w.string(codeString(v));
      writeDocumentBody(w, Object.entries((v as Code).scope ?? {}));
      return;
    default:
      return;
  }
}

/**
 * The order-preserving binary key of one value: comparing two keys bytewise (memcmp / Buffer.compare) gives the
 * sign of `compareValues(a, b)` without a collation, and equal values give identical keys (1 === 1.0 === Long(1)).
 * Strings are keyed by their UTF-8 bytes; collation-aware keys are not provided.
 */
export function encodeKey(value: unknown): Uint8Array {
  const w = new ByteWriter();
  writeValue(w, value);
  return w.result();
}

/**
 * The key of an index entry over several fields: the components' encodings concatenated, with every byte of a
 * component inverted when its direction is negative, so that a bytewise ascending order sorts that component
 * descending. `directions` defaults to ascending for every component.
 */
export function encodeCompoundKey(values: unknown[], directions?: number[]): Uint8Array {
  const w = new ByteWriter();
  for (let i = 0; i < values.length; i++) {
    const start = w.len;
    writeValue(w, values[i]);
    if (directions && (directions[i] ?? 1) < 0) {
      for (let j = start; j < w.len; j++) w.buf[j] = 0xff - w.buf[j]!;
    }
  }
  return w.result();
}
