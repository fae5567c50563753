import { bsonTypeNumbers, bsonTypeOf, isNumeric, numberOfType, toNumber, Decimal128, Double, ObjectId, type BsonTypeName } from '../../bson/index.js';
import { ErrorCodes, MongoServerError, mongoError } from '../../errors/index.js';
import { namedArgs, fixedArgs, parseArgs } from './args.js';
import { formatDate, ISO_FORMAT, parseDateString, UTC } from './date_support.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { coerceToBool, formatDouble, int32, isNullish, long, toBigIntValue, typeName } from './values.js';

/**
 * Type operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/#type-expression-operators):
 * $type, $isNumber and $convert with its shorthands ($toInt, $toString, ...). A failed conversion is error 241
 * ConversionFailure, which `onError` catches; null or missing input gives `onNull` (default null).
 */

type Target = BsonTypeName | 'missing';

const typeByNumber = new Map<number, BsonTypeName>(
  Object.entries(bsonTypeNumbers).map(([name, n]) => [n, name as BsonTypeName]),
);

function conversionFailure(message: string): MongoServerError {
  return mongoError('ConversionFailure', message);
}

/** The `to` of $convert: a type alias ("int", "missing") or a BSON type number. */
function targetType(to: unknown): Target {
  if (typeof to === 'string') {
    if (to === 'missing') return 'missing';
    if (Object.prototype.hasOwnProperty.call(bsonTypeNumbers, to)) return to as BsonTypeName;
    throw mongoError('BadValue', `Unknown type name: ${to}`);
  }
  if (isNumeric(to)) {
    const n = toNumber(to);
    if (!Number.isInteger(n)) throw mongoError('FailedToParse', "In $convert, numeric 'to' argument is not an integer");
    const t = typeByNumber.get(n);
    if (!t) throw mongoError('FailedToParse', `In $convert, numeric value for 'to' does not correspond to a BSON type: ${n}`);
    return t;
  }
  throw mongoError('FailedToParse', `$convert's 'to' argument must be a string or number, but is ${typeName(to)}`);
}

function unsupported(from: string, to: string): MongoServerError {
  return conversionFailure(`Unsupported conversion from ${from} to ${to} in $convert with no onError value`);
}

function overflow(shown: string): MongoServerError {
  return conversionFailure(`Conversion would overflow target type in $convert with no onError value: ${shown}`);
}

/** A double (or decimal) truncated to an integer in [min, max], with mongod's NaN/infinity/overflow errors. */
function truncateToInteger(x: number, min: number, maxExclusive: number, shown: string): bigint {
  if (Number.isNaN(x)) throw conversionFailure('Attempt to convert NaN value to integer type in $convert with no onError value');
  if (!Number.isFinite(x)) {
    throw conversionFailure('Attempt to convert infinity value to integer type in $convert with no onError value');
  }
  if (x < min || x >= maxExclusive) throw overflow(shown);
  return BigInt(Math.trunc(x));
}

function parseNumberString(s: string, target: 'int' | 'long' | 'double' | 'decimal'): unknown {
  const fail = (reason: string): MongoServerError =>
    conversionFailure(`Failed to parse number '${s}' in $convert with no onError value: ${reason}`);
  if (s.startsWith('0x') || s.startsWith('0X')) {
    throw conversionFailure(`Illegal hexadecimal input in $convert with no onError value: ${s}`);
  }
  if (s.length === 0) throw fail('No digits');
  if (/^\s/.test(s)) throw fail('Leading whitespace');
  if (target === 'int' || target === 'long') {
    if (!/^[+-]?\d+$/.test(s)) throw fail('Did not consume whole string.');
    const n = BigInt(s);
    const [min, max] = target === 'int' ? [-(2n ** 31n), 2n ** 31n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
    if (n < min || n > max) throw fail('Out of range');
    return target === 'int' ? int32(Number(n)) : long(n);
  }
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special) {
    const nan = special[2]!.toLowerCase() === 'nan';
    const value = nan ? NaN : special[1] === '-' ? -Infinity : Infinity;
    if (target === 'double') return new Double(value);
    return Decimal128.fromString(nan ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity');
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw fail('Did not consume whole string.');
  if (target === 'double') {
    const x = Number(s);
    if (!Number.isFinite(x)) throw fail('Out of range');
    return new Double(x);
  }
  return Decimal128.fromStringWithRounding(s);
}

function toDouble(v: unknown, from: string): unknown {
  switch (from) {
    case 'double':
      return v;
    case 'string':
      return parseNumberString(v as string, 'double');
    case 'bool':
      return new Double(v ? 1 : 0);
    case 'date':
      return new Double((v as Date).getTime());
    case 'int':
    case 'long':
      return new Double(toNumber(v));
    case 'decimal': {
      const x = toNumber(v);
      const s = (v as Decimal128).toString();
      if (!Number.isFinite(x) && !/Infinity|NaN/.test(s)) throw overflow(s);
      return new Double(x);
    }
  }
  throw unsupported(from, 'double');
}

function toStringValue(v: unknown, from: string): unknown {
  switch (from) {
    case 'double': {
      const x = toNumber(v);
      if (x === Infinity) return 'Infinity';
      if (x === -Infinity) return '-Infinity';
      return formatDouble(x);
    }
    case 'string':
      return v;
    case 'objectId':
      return (v as { toHexString(): string }).toHexString();
    case 'bool':
      return v ? 'true' : 'false';
    case 'date':
      return formatDate(ISO_FORMAT, v as Date, UTC);
    case 'int':
    case 'long':
      return toBigIntValue(v).toString();
    case 'decimal':
      return (v as Decimal128).toString();
  }
  throw unsupported(from, 'string');
}

function toObjectId(v: unknown, from: string): unknown {
  if (from === 'objectId') return v;
  if (from === 'string') {
    const s = v as string;
    if (s.length !== 24) {
      throw conversionFailure(
        `Failed to parse objectId '${s}' in $convert with no onError value: Invalid string length for parsing to OID, expected 24 but found ${s.length}`,
      );
    }
    if (!/^[0-9a-fA-F]{24}$/.test(s)) {
      throw conversionFailure(`Failed to parse objectId '${s}' in $convert with no onError value: Invalid character found in hex string: ${s}`);
    }
    return ObjectId.createFromHexString(s);
  }
  throw unsupported(from, 'objectId');
}

function toBool(v: unknown, from: string): unknown {
  switch (from) {
    case 'double':
    case 'int':
    case 'long':
    case 'decimal':
    case 'bool':
      return coerceToBool(v);
    case 'javascriptWithScope':
    case 'undefined':
    case 'null':
      break;
    default:
      return true;
  }
  throw unsupported(from, 'bool');
}

function toDate(v: unknown, from: string): unknown {
  switch (from) {
    case 'date':
      return v;
    case 'string':
      return parseDateString(v as string, null);
    case 'objectId':
      return (v as { getTimestamp(): Date }).getTimestamp();
    case 'timestamp': {
      const t = v as { t?: number; high?: number };
      return new Date((t.t ?? t.high ?? 0) * 1000);
    }
    case 'long':
      return new Date(Number(toBigIntValue(v)));
    case 'double':
    case 'decimal': {
      const x = toNumber(v);
      const ms = truncateToInteger(x, -9223372036854775808, 9223372036854775808, from === 'double' ? formatDouble(x) : String(v));
      return new Date(Number(ms));
    }
  }
  throw unsupported(from, 'date');
}

function toIntegerType(v: unknown, from: string, target: 'int' | 'long'): unknown {
  const isInt = target === 'int';
  const wrap = (n: bigint): unknown => (isInt ? int32(Number(n)) : long(n));
  switch (from) {
    case 'int':
      return isInt ? v : long(toBigIntValue(v));
    case 'long': {
      const n = toBigIntValue(v);
      if (isInt && (n < -(2n ** 31n) || n > 2n ** 31n - 1n)) throw overflow('');
      return isInt ? int32(Number(n)) : v;
    }
    case 'bool':
      return wrap(v ? 1n : 0n);
    case 'string':
      return parseNumberString(v as string, target);
    case 'date':
      if (!isInt) return long((v as Date).getTime());
      break;
    case 'double':
    case 'decimal': {
      const x = toNumber(v);
      const shown = from === 'double' ? formatDouble(x) : String(v);
      return wrap(isInt ? truncateToInteger(x, -2147483648, 2147483648, shown) : truncateToInteger(x, -9223372036854775808, 9223372036854775808, shown));
    }
  }
  throw unsupported(from, target);
}

function toDecimal(v: unknown, from: string): unknown {
  switch (from) {
    case 'decimal':
      return v;
    case 'double':
      return numberOfType(toNumber(v), 'decimal');
    case 'string':
      return parseNumberString(v as string, 'decimal');
    case 'bool':
      return Decimal128.fromString(v ? '1' : '0');
    case 'date':
      return Decimal128.fromString(String((v as Date).getTime()));
    case 'int':
    case 'long':
      return Decimal128.fromString(toBigIntValue(v).toString());
  }
  throw unsupported(from, 'decimal');
}

/** One conversion of a non-null input. */
export function convertValue(v: unknown, target: Target): unknown {
  const from = bsonTypeOf(v);
  switch (target) {
    case 'double':
      return toDouble(v, from);
    case 'string':
      return toStringValue(v, from);
    case 'objectId':
      return toObjectId(v, from);
    case 'bool':
      return toBool(v, from);
    case 'date':
      return toDate(v, from);
    case 'int':
    case 'long':
      return toIntegerType(v, from, target);
    case 'decimal':
      return toDecimal(v, from);
    default:
      if (target === from && target !== 'minKey' && target !== 'maxKey') return v;
      throw unsupported(from, target);
  }
}

function convertEvaluator(inputEv: Evaluator, toEv: Evaluator, onErrorEv?: Evaluator, onNullEv?: Evaluator): Evaluator {
  return (scope) => {
    const to = toEv(scope);
    const input = inputEv(scope);
    const target = isNullish(to) ? null : targetType(to);
    if (isNullish(input)) return onNullEv ? onNullEv(scope) : null;
    if (target === null) return null;
    try {
      return convertValue(input, target);
    } catch (err) {
      if (onErrorEv && err instanceof MongoServerError && err.code === 241) return onErrorEv(scope);
      throw err;
    }
  };
}

function parseConvert(arg: unknown, ctx: ParseContext): Evaluator {
  const spec = namedArgs(arg, ['input', 'to', 'onError', 'onNull'], {
    notObject: [ErrorCodes.FailedToParse, `$convert expects an object of named arguments but found: ${typeName(arg)}`],
    unknown: [ErrorCodes.FailedToParse, '$convert found an unknown argument: '],
    required: {
      input: [ErrorCodes.FailedToParse, "Missing 'input' parameter to $convert"],
      to: [ErrorCodes.FailedToParse, "Missing 'to' parameter to $convert"],
    },
  });
  return convertEvaluator(
    ctx.parse(spec.input),
    ctx.parse(spec.to),
    'onError' in spec ? ctx.parse(spec.onError) : undefined,
    'onNull' in spec ? ctx.parse(spec.onNull) : undefined,
  );
}

/** $toInt, $toString, ...: $convert without onError/onNull; one argument, bare or in a one-element array. */
function shorthand(target: Target) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const args = parseArgs(arg, ctx);
    if (args.length !== 1) throw new MongoServerError(50723, `${name} requires a single argument, got ${args.length}`);
    return convertEvaluator(args[0]!, () => target);
  };
}

function parseType(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [ev] = fixedArgs(name, arg, ctx, 1);
  return (scope) => typeName(ev!(scope));
}

function parseIsNumber(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [ev] = fixedArgs(name, arg, ctx, 1);
  return (scope) => isNumeric(ev!(scope));
}

export const typeOperators: OperatorTable = {
  $convert: parseConvert,
  $isNumber: parseIsNumber,
  $toBool: shorthand('bool'),
  $toDate: shorthand('date'),
  $toDecimal: shorthand('decimal'),
  $toDouble: shorthand('double'),
  $toInt: shorthand('int'),
  $toLong: shorthand('long'),
  $toObjectId: shorthand('objectId'),
  $toString: shorthand('string'),
  $type: parseType,
};
