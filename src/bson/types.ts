import { Int32, Double, Long, Decimal128 } from 'bson';

/** A BSON document in eddydb's internal form: values as `deserialize(..., {promoteValues: false})` gives them. */
export type Document = Record<string, unknown>;

/** MongoDB's `$type` aliases. */
export type BsonTypeName =
  | 'double' | 'string' | 'object' | 'array' | 'binData' | 'undefined' | 'objectId' | 'bool' | 'date' | 'null'
  | 'regex' | 'dbPointer' | 'javascript' | 'symbol' | 'javascriptWithScope' | 'int' | 'timestamp' | 'long'
  | 'decimal' | 'minKey' | 'maxKey';

/** MongoDB's numeric `$type` codes by alias. */
export const bsonTypeNumbers: Readonly<Record<BsonTypeName, number>> = {
  double: 1, string: 2, object: 3, array: 4, binData: 5, undefined: 6, objectId: 7, bool: 8, date: 9, null: 10,
  regex: 11, dbPointer: 12, javascript: 13, symbol: 14, javascriptWithScope: 15, int: 16, timestamp: 17, long: 18,
  decimal: 19, minKey: -1, maxKey: 127,
};

function bsontype(v: object): string | undefined {
  const t = (v as { _bsontype?: unknown })._bsontype;
  return typeof t === 'string' ? t : undefined;
}

/** True for a plain embedded document: an object that is not an array, Date, RegExp, Buffer or BSON value class. */
export function isDocument(v: unknown): v is Document {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v) || v instanceof Date || v instanceof RegExp || ArrayBuffer.isView(v)) return false;
  const t = bsontype(v);
  return t === undefined || t === 'DBRef';
}

/**
 * The BSON type of an internal value. A JS number is an `int` when the bson serializer would write it as Int32
 * (an integer in int32 range), otherwise a `double`; a bigint is a `long`.
 */
export function bsonTypeOf(v: unknown): BsonTypeName {
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 && !Object.is(v, -0) ? 'int' : 'double';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'long';
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'javascript';
    case 'symbol':
      return 'symbol';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  if (ArrayBuffer.isView(v)) return 'binData';
  switch (bsontype(v as object)) {
    case undefined:
    case 'DBRef':
      return 'object';
    case 'Int32':
      return 'int';
    case 'Double':
      return 'double';
    case 'Long':
      return 'long';
    case 'Decimal128':
      return 'decimal';
    case 'ObjectId':
    case 'ObjectID':
      return 'objectId';
    case 'Binary':
      return 'binData';
    case 'Timestamp':
      return 'timestamp';
    case 'MinKey':
      return 'minKey';
    case 'MaxKey':
      return 'maxKey';
    case 'BSONRegExp':
      return 'regex';
    case 'Code':
      return (v as { scope?: unknown }).scope ? 'javascriptWithScope' : 'javascript';
    case 'BSONSymbol':
      return 'symbol';
    case 'DBPointer':
      return 'dbPointer';
    default:
      return 'object';
  }
}

/** True for int, long, double and decimal values (wrapped or plain). */
export function isNumeric(v: unknown): boolean {
  const t = bsonTypeOf(v);
  return t === 'int' || t === 'long' || t === 'double' || t === 'decimal';
}

/** The value of a numeric as a JS number (Long and Decimal128 may lose precision). NaN for non-numerics. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === null || typeof v !== 'object') return NaN;
  switch (bsontype(v)) {
    case 'Int32':
    case 'Double':
      return (v as Int32 | Double).value;
    case 'Long':
      return (v as Long).toNumber();
    case 'Decimal128':
      return Number((v as Decimal128).toString());
    default:
      return NaN;
  }
}

/** A numeric value as a bigint when it is integral (for exact Long arithmetic), else null. */
export function toBigInt(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  if (v !== null && typeof v === 'object' && bsontype(v) === 'Long') return (v as Long).toBigInt();
  const n = toNumber(v);
  return Number.isInteger(n) ? BigInt(n) : null;
}

export { Int32, Double, Long, Decimal128 };
