import { bsonTypeOf, compareUtf8, isNumeric, toNumber } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { fixedArgs, indexBound, namedArgs, nullableBinary, parseArgs, rangedArgs } from './args.js';
import { BUF_BUILDER_MAX_SIZE, bufBuilderTooLarge, checkStringBuilderSize, MAX_EXPRESSION_VALUE_BYTES, valueTooLarge } from './memory_limits.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { coerceToString, formatValue, int32, isIntegral32, isNullish, typeName } from './values.js';

/**
 * String operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/#string-expression-operators).
 * Byte-based operators ($substrBytes, $strLenBytes, $indexOfBytes) count UTF-8 bytes; the CP variants count code
 * points; $toLower/$toUpper/$strcasecmp change ASCII letters only, as mongod does.
 */

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function isContinuationByte(b: number | undefined): boolean {
  return b !== undefined && (b & 0xc0) === 0x80;
}

function parseConcat(arg: unknown, ctx: ParseContext): Evaluator {
  const args = parseArgs(arg, ctx);
  return (scope) => {
    let out = '';
    for (const ev of args) {
      const v = ev(scope);
      if (isNullish(v)) return null;
      if (typeof v !== 'string') throw new MongoServerError(16702, `$concat only supports strings, not ${typeName(v)}`);
      // Each piece is checked as it is added, as mongod's string builder checks each growth.
      if (out.length + v.length > BUF_BUILDER_MAX_SIZE) throw bufBuilderTooLarge(out.length + v.length);
      out += v;
    }
    checkStringBuilderSize(out);
    return out;
  };
}

/** $substrBytes (and the deprecated $substr): byte offsets that must not split a UTF-8 character. */
function parseSubstrBytes(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [strEv, lowerEv, lengthEv] = fixedArgs(name, arg, ctx, 3);
  const op = '$substrBytes';
  return (scope) => {
    const bytes = utf8.encode(coerceToString(strEv!(scope)));
    const lowerV = lowerEv!(scope);
    const lengthV = lengthEv!(scope);
    const lt = bsonTypeOf(lowerV);
    if (lt !== 'int' && lt !== 'long' && lt !== 'double') {
      throw new MongoServerError(16034, `${op}:  starting index must be a numeric type (is BSON type ${typeName(lowerV)})`);
    }
    const nt = bsonTypeOf(lengthV);
    if (nt !== 'int' && nt !== 'long' && nt !== 'double') {
      throw new MongoServerError(16035, `${op}:  length must be a numeric type (is BSON type ${typeName(lengthV)})`);
    }
    const lower = Math.trunc(toNumber(lowerV));
    if (lower < 0) throw new MongoServerError(50752, `${op}:  starting index must be non-negative (got: ${lower})`);
    const rawLength = Math.trunc(toNumber(lengthV));
    const length = rawLength < 0 ? bytes.length : rawLength;
    if (lower < bytes.length && isContinuationByte(bytes[lower])) {
      throw new MongoServerError(28656, `${op}:  Invalid range, starting index is a UTF-8 continuation byte.`);
    }
    if (lower + length < bytes.length && isContinuationByte(bytes[lower + length])) {
      throw new MongoServerError(28657, `${op}:  Invalid range, ending index is in the middle of a UTF-8 character.`);
    }
    if (lower >= bytes.length) return '';
    return utf8Decoder.decode(bytes.subarray(lower, Math.min(bytes.length, lower + length)));
  };
}

function parseSubstrCP(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [strEv, lowerEv, lengthEv] = fixedArgs(name, arg, ctx, 3);
  return (scope) => {
    const str = coerceToString(strEv!(scope));
    const lowerV = lowerEv!(scope);
    const lengthV = lengthEv!(scope);
    if (!isNumeric(lowerV)) {
      throw new MongoServerError(34450, `${name}: starting index must be a numeric type (is BSON type ${typeName(lowerV)})`);
    }
    if (!isIntegral32(lowerV)) {
      throw new MongoServerError(34451, `${name}: starting index cannot be represented as a 32-bit integral value: ${formatValue(lowerV)}`);
    }
    if (!isNumeric(lengthV)) {
      throw new MongoServerError(34452, `${name}: length must be a numeric type (is BSON type ${typeName(lengthV)})`);
    }
    if (!isIntegral32(lengthV)) {
      throw new MongoServerError(34453, `${name}: length cannot be represented as a 32-bit integral value: ${formatValue(lengthV)}`);
    }
    const start = toNumber(lowerV);
    const length = toNumber(lengthV);
    if (length < 0) throw new MongoServerError(34454, `${name}: length must be a nonnegative integer.`);
    if (start < 0) throw new MongoServerError(34455, `${name}: the starting index must be nonnegative integer.`);
    const from = advanceCodePoints(str, 0, start);
    return str.slice(from, advanceCodePoints(str, from, length));
  };
}

function asciiCase(upper: boolean) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const [ev] = fixedArgs(name, arg, ctx, 1);
    const re = upper ? /[a-z]+/g : /[A-Z]+/g;
    return (scope) => coerceToString(ev!(scope)).replace(re, (m) => (upper ? m.toUpperCase() : m.toLowerCase()));
  };
}

function parseStrLenBytes(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [ev] = fixedArgs(name, arg, ctx, 1);
  return (scope) => {
    const v = ev!(scope);
    if (typeof v !== 'string') throw new MongoServerError(34473, `$strLenBytes requires a string argument, found: ${typeName(v)}`);
    return int32(utf8.encode(v).length);
  };
}

function parseStrLenCP(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [ev] = fixedArgs(name, arg, ctx, 1);
  return (scope) => {
    const v = ev!(scope);
    if (typeof v !== 'string') throw new MongoServerError(34471, `$strLenCP requires a string argument, found: ${typeName(v)}`);
    let n = 0;
    for (const _ of v) n++;
    return int32(n);
  };
}

function parseSplit(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  return nullableBinary(name, arg, ctx, (input, sep) => {
    if (typeof input !== 'string') {
      throw new MongoServerError(40085, `$split requires an expression that evaluates to a string as a first argument, found: ${typeName(input)}`);
    }
    if (typeof sep !== 'string') {
      throw new MongoServerError(40086, `$split requires an expression that evaluates to a string as a second argument, found: ${typeName(sep)}`);
    }
    if (sep.length === 0) throw new MongoServerError(40087, '$split requires a non-empty separator');
    // Counted before splitting: a long string of separators would become that many array elements.
    const size = SPLIT_ARRAY_BYTES + (occurrences(input, sep) + 1) * SPLIT_ELEMENT_BYTES + input.length;
    if (size > MAX_EXPRESSION_VALUE_BYTES) throw valueTooLarge('$split', size, MAX_EXPRESSION_VALUE_BYTES);
    return input.split(sep);
  });
}

/** What approximateSize counts for an array value and for each of its string elements. */
const SPLIT_ARRAY_BYTES = 40;
const SPLIT_ELEMENT_BYTES = 16;

/** How many times a non-empty `find` occurs in `input`, without overlaps. */
function occurrences(input: string, find: string): number {
  let n = 0;
  for (let at = input.indexOf(find); at !== -1; at = input.indexOf(find, at + find.length)) n++;
  return n;
}

const DEFAULT_TRIM_CHARS: ReadonlySet<string> = new Set([
  '\0', ' ', '\t', '\n', '\v', '\f', '\r', '\u00a0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004',
  '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a',
]);

function trim(left: boolean, right: boolean) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const args = namedArgs(arg, ['input', 'chars'], {
      notObject: [50696, `${name} only supports an object as an argument, found ${typeName(arg)}`],
      unknown: [50694, `${name} found an unknown argument: `],
      required: {
        input: [50695, `${name} requires an 'input' field`],
      },
    });
    const inputEv = ctx.parse(args.input);
    const charsEv = 'chars' in args ? ctx.parse(args.chars) : undefined;
    return (scope) => {
      const input = inputEv(scope);
      if (isNullish(input)) return null;
      if (typeof input !== 'string') {
        throw new MongoServerError(50699, `${name} requires its input to be a string, got ${formatValue(input)} (of type ${typeName(input)}) instead.`);
      }
      let chars = DEFAULT_TRIM_CHARS;
      if (charsEv) {
        const c = charsEv(scope);
        if (isNullish(c)) return null;
        if (typeof c !== 'string') {
          throw new MongoServerError(50700, `${name} requires 'chars' to be a string, got ${formatValue(c)} (of type ${typeName(c)}) instead.`);
        }
        chars = new Set(c);
      }
      // Code point by code point from either end, on the string itself (an array of its code points would be
      // tens of bytes of heap per character of a long string).
      let start = 0;
      let end = input.length;
      if (left) {
        while (start < end) {
          const next = advanceCodePoints(input, start, 1);
          if (!chars.has(input.slice(start, next))) break;
          start = next;
        }
      }
      if (right) {
        while (end > start) {
          const previous = end - 1 > start && splitsPair(input, end - 1) ? end - 2 : end - 1;
          if (!chars.has(input.slice(previous, end))) break;
          end = previous;
        }
      }
      return input.slice(start, end);
    };
  };
}

function indexOf(byBytes: boolean) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const args = rangedArgs(name, arg, ctx, 2, 4);
    const [firstCode, secondCode] = byBytes ? [40091, 40092] : [40093, 40094];
    return (scope) => {
      const str = args[0]!(scope);
      if (isNullish(str)) return null;
      if (typeof str !== 'string') {
        throw new MongoServerError(firstCode, `${name} requires a string as the first argument, found: ${typeName(str)}`);
      }
      const token = args[1]!(scope);
      if (typeof token !== 'string') {
        throw new MongoServerError(secondCode, `${name} requires a string as the second argument, found: ${typeName(token)}`);
      }
      const start = args.length > 2 ? indexBound(args[2]!(scope), name, 'starting index') : 0;
      const endArg = args.length > 3 ? indexBound(args[3]!(scope), name, 'ending index') : undefined;
      return int32(byBytes ? indexOfBytes(str, token, start, endArg) : indexOfCodePoints(str, token, start, endArg));
    };
  };
}

/**
 * The first byte offset at or after `start` and before `end` where `token` occurs in `str`'s UTF-8, or -1. The
 * search runs on the encoded bytes, never on an array of them, so a long string costs its bytes once.
 */
function indexOfBytes(str: string, token: string, start: number, endArg: number | undefined): number {
  const bytes = Buffer.from(str, 'utf8');
  const end = Math.min(bytes.length, endArg ?? bytes.length);
  if (token.length === 0) return start === 0 && bytes.length === 0 ? 0 : start < end ? start : -1;
  if (start >= end) return -1;
  const at = bytes.indexOf(Buffer.from(token, 'utf8'), start);
  return at !== -1 && at < end ? at : -1;
}

/** The same in code points: the string is searched as it is, and code points are counted up to the match only. */
function indexOfCodePoints(str: string, token: string, start: number, endArg: number | undefined): number {
  let from = 0;
  for (let cp = 0; cp < start && from < str.length; cp++) from += isHighSurrogate(str.charCodeAt(from)) && from + 1 < str.length ? 2 : 1;
  if (token.length === 0) {
    if (start === 0 && str.length === 0) return 0;
    const end = endArg ?? codePointCount(str, 0, str.length);
    return start < Math.min(end, codePointCount(str, 0, str.length)) ? start : -1;
  }
  if (from >= str.length) return -1;
  let at = str.indexOf(token, from);
  // A match must start and end on a code point, not between the halves of a surrogate pair.
  while (at !== -1 && (splitsPair(str, at) || splitsPair(str, at + token.length))) at = str.indexOf(token, at + 1);
  if (at === -1) return -1;
  const cp = start + codePointCount(str, from, at);
  return endArg === undefined || cp < endArg ? cp : -1;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** The UTF-16 offset `count` code points after `from` (or the end of `str`), counted as Array.from counts them. */
function advanceCodePoints(str: string, from: number, count: number): number {
  let at = from;
  for (let n = 0; n < count && at < str.length; n++) at += splitsPair(str, at + 1) ? 2 : 1;
  return at;
}

/** True when UTF-16 offset `at` falls between the two halves of a surrogate pair. */
function splitsPair(str: string, at: number): boolean {
  return at > 0 && at < str.length && isHighSurrogate(str.charCodeAt(at - 1)) && isLowSurrogate(str.charCodeAt(at));
}

/** The number of code points in `str` between UTF-16 offsets `from` and `to`. */
function codePointCount(str: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    if (isHighSurrogate(str.charCodeAt(i)) && i + 1 < to) i++;
    n++;
  }
  return n;
}

function parseStrcasecmp(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [a, b] = fixedArgs(name, arg, ctx, 2);
  const upper = (s: string): string => s.replace(/[a-z]+/g, (m) => m.toUpperCase());
  return (scope) => int32(compareUtf8(upper(coerceToString(a!(scope))), upper(coerceToString(b!(scope)))));
}

function replace(all: boolean) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const args = namedArgs(arg, ['input', 'find', 'replacement'], {
      notObject: [51751, `${name} requires an object as an argument, found: ${typeName(arg)}`],
      unknown: [51750, `${name} found an unknown argument: `],
      required: {
        input: [51749, `${name} requires 'input' to be specified`],
        find: [51748, `${name} requires 'find' to be specified`],
        replacement: [51747, `${name} requires 'replacement' to be specified`],
      },
    });
    const inputEv = ctx.parse(args.input);
    const findEv = ctx.parse(args.find);
    const replacementEv = ctx.parse(args.replacement);
    return (scope) => {
      const input = inputEv(scope);
      const find = findEv(scope);
      const replacement = replacementEv(scope);
      if (!isNullish(input) && typeof input !== 'string') {
        throw new MongoServerError(51746, `${name} requires that 'input' be a string, found: ${formatValue(input)}`);
      }
      if (!isNullish(find) && typeof find !== 'string') {
        throw new MongoServerError(51745, `${name} requires that 'find' be a string, found: ${formatValue(find)}`);
      }
      if (!isNullish(replacement) && typeof replacement !== 'string') {
        throw new MongoServerError(51744, `${name} requires that 'replacement' be a string, found: ${formatValue(replacement)}`);
      }
      if (typeof input !== 'string' || typeof find !== 'string' || typeof replacement !== 'string') return null;
      if (all) {
        // The result's length is known before it is built: an empty `find` matches before every character and at
        // the end.
        const count = find.length === 0 ? input.length + 1 : occurrences(input, find);
        const length = input.length + count * (replacement.length - find.length);
        if (length > BUF_BUILDER_MAX_SIZE) throw bufBuilderTooLarge(length);
        // split/join keeps `replacement` literal (no `$&` patterns); an empty `find` puts `replacement` before
        // every character and at the end, as mongod does.
        const out = find.length === 0 ? input.replace(/(?:)/gu, () => replacement) : input.split(find).join(replacement);
        checkStringBuilderSize(out);
        return out;
      }
      const at = input.indexOf(find);
      if (at === -1) return input;
      const out = input.slice(0, at) + replacement + input.slice(at + find.length);
      checkStringBuilderSize(out);
      return out;
    };
  };
}

export const stringOperators: OperatorTable = {
  $concat: parseConcat,
  $indexOfBytes: indexOf(true),
  $indexOfCP: indexOf(false),
  $ltrim: trim(true, false),
  $replaceAll: replace(true),
  $replaceOne: replace(false),
  $rtrim: trim(false, true),
  $split: parseSplit,
  $strcasecmp: parseStrcasecmp,
  $strLenBytes: parseStrLenBytes,
  $strLenCP: parseStrLenCP,
  $substr: parseSubstrBytes,
  $substrBytes: parseSubstrBytes,
  $substrCP: parseSubstrCP,
  $toLower: asciiCase(false),
  $toUpper: asciiCase(true),
  $trim: trim(true, true),
};
