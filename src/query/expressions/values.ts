import { bsonTypeOf, isDocument, isNumeric, toNumber, Int32, Long, Double, Decimal128 } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';

/**
 * Value helpers shared by the operator families: mongod's "nullish", type names for messages, the coercions
 * (`coerceToBool`, `coerceToString`, `coerceToDate`) and the message formatting of values.
 */

/** Missing (undefined, also BSON undefined) or null: the values most operators turn into a null result. */
export function isNullish(v: unknown): boolean {
  return v === undefined || v === null;
}

/** The type name mongod prints in messages: the `$type` alias, or "missing" for an absent value. */
export function typeName(v: unknown): string {
  return v === undefined ? 'missing' : bsonTypeOf(v);
}

/** Truthiness in aggregation: false, null, missing, undefined and numeric zero are false; everything else true. */
export function coerceToBool(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (v === true) return true;
  if (isNumeric(v)) {
    if (bsonTypeOf(v) === 'decimal') return !/^-?0(\.0*)?(E[+-]?\d+)?$/i.test((v as Decimal128).toString());
    if (bsonTypeOf(v) === 'long') return toBigIntValue(v) !== 0n;
    return toNumber(v) !== 0;
  }
  return true;
}

/** True for a value that is an Int32, or a double/long/decimal exactly representable as one (mongod `integral()`). */
export function isIntegral32(v: unknown): boolean {
  if (!isNumeric(v)) return false;
  const t = bsonTypeOf(v);
  if (t === 'int') return true;
  if (t === 'long') {
    const b = toBigIntValue(v);
    return b >= -2147483648n && b <= 2147483647n;
  }
  const n = toNumber(v);
  return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647;
}

/** True for a numeric exactly representable as an int64 (mongod `integral64Bit()`). */
export function isIntegral64(v: unknown): boolean {
  if (!isNumeric(v)) return false;
  const t = bsonTypeOf(v);
  if (t === 'int' || t === 'long') return true;
  const n = toNumber(v);
  return Number.isInteger(n) && n >= -9223372036854775808 && n < 9223372036854775808;
}

/** An int64 numeric as a bigint (truncating doubles and decimals toward zero). */
export function toBigIntValue(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (bsonTypeOf(v) === 'long') {
    const l = v as { toBigInt?: () => bigint };
    return typeof l.toBigInt === 'function' ? l.toBigInt() : BigInt(toNumber(v));
  }
  const n = Math.trunc(toNumber(v));
  return Number.isFinite(n) ? BigInt(n) : 0n;
}

/** Result wrappers: the BSON type of a result matters, so operators return wrapped numbers. */
export function int32(n: number): Int32 {
  return new Int32(n);
}

export function double(n: number): Double {
  return new Double(n);
}

export function long(n: bigint | number): Long {
  return Long.fromBigInt(typeof n === 'bigint' ? n : BigInt(n));
}

/** An int result that widens to a long when it leaves the int32 range (mongod `Value::createIntOrLong`). */
export function intOrLong(n: bigint | number): Int32 | Long {
  const b = typeof n === 'bigint' ? n : BigInt(n);
  return b >= -2147483648n && b <= 2147483647n ? new Int32(Number(b)) : Long.fromBigInt(b);
}

/**
 * Value::coerceToString: strings as is, numbers and dates formatted, null/missing as "". Other types are error
 * 16007, as in mongod.
 */
export function coerceToString(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  switch (bsonTypeOf(v)) {
    case 'int':
    case 'long':
      return toBigIntValue(v).toString();
    case 'double':
      return formatDouble(toNumber(v));
    case 'decimal':
      return (v as Decimal128).toString();
    case 'date':
      return isoString(v as Date);
    case 'symbol':
      return String((v as { value?: unknown }).value ?? '');
    case 'javascript':
      return String((v as { code?: unknown }).code ?? '');
    case 'timestamp': {
      const t = v as { t?: number; i?: number; high?: number; low?: number };
      return `Timestamp(${t.t ?? t.high ?? 0}, ${t.i ?? t.low ?? 0})`;
    }
    default:
      throw new MongoServerError(16007, `can't convert from BSON type ${typeName(v)} to String`);
  }
}

/** A double as mongod prints it: shortest round-trip digits, no trailing ".0". */
export function formatDouble(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Object.is(n, -0)) return '-0';
  return String(n);
}

/** ISO-8601 UTC with milliseconds, mongod's default date format (`%Y-%m-%dT%H:%M:%S.%LZ`). */
export function isoString(d: Date): string {
  const t = d.getTime();
  if (Number.isNaN(t)) return 'Invalid Date';
  const year = d.getUTCFullYear();
  if (year >= 0 && year <= 9999) return d.toISOString();
  return `${year}${d.toISOString().slice(d.toISOString().indexOf('-', 1))}`;
}

/**
 * Value::coerceToDate: dates, timestamps (seconds) and ObjectIds (their creation second). Anything else is
 * error 16006, as in mongod.
 */
export function coerceToDate(v: unknown): Date {
  switch (bsonTypeOf(v)) {
    case 'date':
      return v as Date;
    case 'timestamp': {
      const t = v as { t?: number; high?: number; getHighBits?: () => number };
      const seconds = t.t ?? t.high ?? (t.getHighBits ? t.getHighBits() >>> 0 : 0);
      return new Date(seconds * 1000);
    }
    case 'objectId':
      return (v as { getTimestamp(): Date }).getTimestamp();
    default:
      throw new MongoServerError(16006, `can't convert from BSON type ${typeName(v)} to Date`);
  }
}

/**
 * A value as mongod's `Value::toString()` prints it in messages: strings quoted, documents as `{a: 1}`, arrays
 * as `[1, 2]`, missing as MISSING.
 */
export function formatValue(v: unknown): string {
  if (v === undefined) return 'MISSING';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return formatDouble(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${v.map(formatValue).join(', ')}]`;
  }
  if (isDocument(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return '{}';
    return `{${keys.map((k) => `${k}: ${formatValue(v[k])}`).join(', ')}}`;
  }
  switch (bsonTypeOf(v)) {
    case 'int':
    case 'long':
    case 'double':
    case 'date':
    case 'timestamp':
      // mongod's Value::toString and Value::coerceToString print these types alike.
      return coerceToString(v);
    case 'decimal':
      return `NumberDecimal("${(v as Decimal128).toString()}")`;
    case 'objectId':
      return `ObjectId('${(v as { toHexString(): string }).toHexString()}')`;
    case 'regex': {
      const r = v as { source?: string; flags?: string; pattern?: string; options?: string };
      return `/${r.source ?? r.pattern}/${r.flags ?? r.options ?? ''}`;
    }
    case 'minKey':
      return 'MinKey';
    case 'maxKey':
      return 'MaxKey';
    default:
      return String(v);
  }
}
