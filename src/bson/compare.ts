import type { Binary, Code, DBRef, ObjectId, Timestamp, BSONRegExp } from 'bson';
import { bsonTypeOf, type BsonTypeName } from './types.js';
import { compareStrings, compareUtf8, type Collation } from './collation.js';
import { compareNumeric, numericValue } from './numeric.js';

/**
 * mongod's canonical type numbers (canonicalizeBSONType): values of different canonical types order by these;
 * int, long, double and decimal share one, as do string and symbol. Undefined (0) sorts just below null (5).
 */
export const canonicalTypes = {
  minKey: -1, undefined: 0, null: 5, number: 10, string: 15, object: 20, array: 25, binData: 30, objectId: 35,
  bool: 40, date: 45, timestamp: 47, regex: 50, dbPointer: 55, javascript: 60, javascriptWithScope: 65, maxKey: 127,
} as const;

const canonicalByType: Readonly<Record<BsonTypeName, number>> = {
  minKey: -1, undefined: 0, null: 5, int: 10, long: 10, double: 10, decimal: 10, string: 15, symbol: 15, object: 20,
  array: 25, binData: 30, objectId: 35, bool: 40, date: 45, timestamp: 47, regex: 50, dbPointer: 55, javascript: 60,
  javascriptWithScope: 65, maxKey: 127,
};

/**
 * MongoDB's cross-type sort rank of a value (see {@link canonicalTypes}): MinKey < undefined < null < numbers <
 * string/symbol < object < array < binData < objectId < bool < date < timestamp < regex < dbPointer < javascript <
 * javascriptWithScope < MaxKey.
 */
export function canonicalTypeOrder(v: unknown): number {
  return canonicalByType[bsonTypeOf(v)];
}

/** The string inside a string or symbol value. */
export function stringValueOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'symbol') return v.description ?? '';
  return String((v as { value?: unknown }).value ?? v);
}

/** The bytes of a binData value (Binary or any typed array / Buffer, which the serializer writes as subtype 0). */
export function binaryBytes(v: unknown): { subType: number; bytes: Uint8Array } {
  if ((v as { _bsontype?: unknown })._bsontype === 'Binary') {
    const b = v as Binary;
    return { subType: b.sub_type, bytes: b.buffer.subarray(0, b.position) };
  }
  const view = v as ArrayBufferView;
  return { subType: 0, bytes: new Uint8Array(view.buffer, view.byteOffset, view.byteLength) };
}

/** Pattern and flags of a regex value; JS RegExp flags are reduced to the BSON options they serialize as, sorted. */
export function regexParts(v: unknown): { pattern: string; flags: string } {
  if (v instanceof RegExp) {
    const flags = [...v.flags].filter((f) => 'imsux'.includes(f)).sort().join('');
    return { pattern: v.source, flags };
  }
  const r = v as BSONRegExp;
  return { pattern: r.pattern, flags: r.options ?? '' };
}

/** The document view of an object value (DBRef compares as its `{$ref, $id, $db, ...}` form). */
export function documentEntries(v: unknown): [string, unknown][] {
  if ((v as { _bsontype?: unknown })._bsontype === 'DBRef') {
    const r = v as DBRef;
    const doc: Record<string, unknown> = { $ref: r.collection, $id: r.oid };
    if (r.db !== undefined) doc.$db = r.db;
    return [...Object.entries(doc), ...Object.entries(r.fields ?? {})];
  }
  return Object.entries(v as Record<string, unknown>);
}

/** A Date's milliseconds as BSON stores them (int64); an invalid Date counts as the smallest date. */
export function dateMillis(d: Date): number {
  const t = d.getTime();
  return Number.isNaN(t) ? -8640000000000001 : t;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return sign(a.length - b.length);
}

function compareDocuments(a: [string, unknown][], b: [string, unknown][], collation: Collation | null | undefined): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const [ka, va] = a[i]!;
    const [kb, vb] = b[i]!;
    // mongod compares element by element: canonical type of the value, then field name, then value.
    const ta = canonicalTypeOrder(va);
    const tb = canonicalTypeOrder(vb);
    if (ta !== tb) return ta < tb ? -1 : 1;
    const kc = compareUtf8(ka, kb);
    if (kc !== 0) return kc;
    const vc = compareSameType(ta, va, vb, collation);
    if (vc !== 0) return vc;
  }
  return sign(a.length - b.length);
}

function compareArrays(a: unknown[], b: unknown[], collation: Collation | null | undefined): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i], collation);
    if (c !== 0) return c;
  }
  return sign(a.length - b.length);
}

function compareSameType(t: number, a: unknown, b: unknown, collation: Collation | null | undefined): number {
  switch (t) {
    case canonicalTypes.minKey:
    case canonicalTypes.undefined:
    case canonicalTypes.null:
    case canonicalTypes.maxKey:
      return 0;
    case canonicalTypes.number:
      return compareNumeric(numericValue(a)!, numericValue(b)!);
    case canonicalTypes.string:
      return compareStrings(stringValueOf(a), stringValueOf(b), collation);
    case canonicalTypes.object:
      return compareDocuments(documentEntries(a), documentEntries(b), collation);
    case canonicalTypes.array:
      return compareArrays(a as unknown[], b as unknown[], collation);
    case canonicalTypes.binData: {
      // mongod: length first, then subtype, then bytes.
      const x = binaryBytes(a);
      const y = binaryBytes(b);
      if (x.bytes.length !== y.bytes.length) return x.bytes.length < y.bytes.length ? -1 : 1;
      if (x.subType !== y.subType) return x.subType < y.subType ? -1 : 1;
      return compareBytes(x.bytes, y.bytes);
    }
    case canonicalTypes.objectId:
      return compareBytes((a as ObjectId).id, (b as ObjectId).id);
    case canonicalTypes.bool:
      return a === b ? 0 : a ? 1 : -1;
    case canonicalTypes.date:
      return sign(dateMillis(a as Date) - dateMillis(b as Date));
    case canonicalTypes.timestamp: {
      const x = a as Timestamp;
      const y = b as Timestamp;
      if (x.t !== y.t) return x.t < y.t ? -1 : 1;
      return sign(x.i - y.i);
    }
    case canonicalTypes.regex: {
      const x = regexParts(a);
      const y = regexParts(b);
      return compareUtf8(x.pattern, y.pattern) || compareUtf8(x.flags, y.flags);
    }
    case canonicalTypes.javascript:
      return compareUtf8(codeString(a), codeString(b));
    case canonicalTypes.javascriptWithScope:
      return (
        compareUtf8(codeString(a), codeString(b)) ||
        compareDocuments(Object.entries((a as Code).scope ?? {}), Object.entries((b as Code).scope ?? {}), null)
      );
    default:
      // dbPointer: the bson package decodes it as a DBRef (an object), so nothing reaches here in practice.
      return 0;
  }
}

/** The source text of a javascript value (Code or a JS function). */
export function codeString(v: unknown): string {
  if (typeof v === 'function') return v.toString();
  return String((v as Code).code);
}

/**
 * MongoDB's total order over BSON values: -1, 0 or 1. Values of different canonical types order by
 * {@link canonicalTypeOrder}; numbers of any type compare exactly by value (NaN lowest, equal to NaN); strings
 * (and symbols) by UTF-8 bytes, or by `collation` when given, including strings nested in documents and arrays;
 * documents field by field (type, name, value; fewer fields first); arrays element-wise; binData by length,
 * subtype, bytes; ObjectId by bytes; dates by time; timestamps by (t, i) unsigned; regexes by pattern then flags.
 */
export function compareValues(a: unknown, b: unknown, collation?: Collation | null): number {
  const ta = canonicalTypeOrder(a);
  const tb = canonicalTypeOrder(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return compareSameType(ta, a, b, collation);
}

/** True when {@link compareValues} says the two values are equal (so 1, 1.0 and Long(1) are equal). */
export function valuesEqual(a: unknown, b: unknown, collation?: Collation | null): boolean {
  return compareValues(a, b, collation) === 0;
}
