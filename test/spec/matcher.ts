/**
 * The matching rules of the unified test format ("Evaluating Matches"): root-level documents may carry extra keys,
 * nested ones must match exactly, arrays must have the same length, numbers compare by value across int32, int64 and
 * double, and documents whose only key starts with `$$` are special operators.
 * https://github.com/mongodb/specifications/blob/master/source/unified-test-format/unified-test-format.md#evaluating-matches
 */
import { Binary, BSON, Long } from 'mongodb';

const { EJSON } = BSON;

/** What the matcher needs from the entity map ($$matchesEntity, $$sessionLsid). */
export interface EntityLookup {
  /** The BSON value saved under `name` (saveResultAsEntity); throws when missing or not a BSON value. */
  bsonEntity(name: string): unknown;
  /** The `lsid` document of the session entity `name`; throws when missing or not a session. */
  sessionLsid(name: string): unknown;
}

/** The first difference found between an expected and an actual value. */
export class MatchError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly expected: unknown,
    readonly actual: unknown,
  ) {
    super(`${path || '(root)'}: ${reason}; expected ${show(expected)}, actual ${show(actual)}`);
    this.name = 'MatchError';
  }
}

export interface MatchOptions {
  /** The entity map, for $$matchesEntity and $$sessionLsid. */
  entities?: EntityLookup;
  /** Whether the top value is a root-level document (extra keys allowed). Default true. */
  root?: boolean;
  /** The top value is an array of root-level documents (find, aggregate, listIndexes results). Default false. */
  rootElements?: boolean;
  /** Special `$$` operators are interpreted (true) or compared literally (false, for collection outcomes). */
  operators?: boolean;
  /** Prefix for paths in messages. */
  path?: string;
}

/** Asserts that `actual` matches `expected`; throws MatchError describing the first mismatch. */
export function assertMatches(expected: unknown, actual: unknown, options: MatchOptions = {}): void {
  const ctx: Ctx = { entities: options.entities, operators: options.operators ?? true };
  const root = options.root ?? true;
  const path = options.path ?? '';
  if (options.rootElements && Array.isArray(expected)) {
    if (!Array.isArray(actual)) throw new MatchError(path, 'expected an array', expected, actual);
    if (actual.length !== expected.length) {
      throw new MatchError(path, `expected ${expected.length} element(s), got ${actual.length}`, expected, actual);
    }
    expected.forEach((e, i) => matchValue(e, actual[i], `${path}[${i}]`, true, ctx));
    return;
  }
  matchValue(expected, actual, path, root, ctx);
}

/** True when `actual` matches `expected` (no exception). */
export function matches(expected: unknown, actual: unknown, options: MatchOptions = {}): boolean {
  try {
    assertMatches(expected, actual, options);
    return true;
  } catch (err) {
    if (err instanceof MatchError) return false;
    throw err;
  }
}

interface Ctx {
  entities?: EntityLookup;
  operators: boolean;
}

/** A plain document: not an array, not a BSON wrapper, not a Date/RegExp/Buffer/Map. */
export function isDocument(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v) || v instanceof Date || v instanceof RegExp || v instanceof Uint8Array || v instanceof Map) return false;
  return typeof (v as { _bsontype?: unknown })._bsontype !== 'string';
}

/** The `$$name` of a special-operator document, or undefined. Only the first and only key counts. */
function operatorOf(v: unknown, ctx: Ctx): string | undefined {
  if (!ctx.operators || !isDocument(v)) return undefined;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0].startsWith('$$') ? keys[0] : undefined;
}

/** `a.b` for plain keys; keys that contain dots or are empty are quoted (`disambiguatedPaths["a.1"]`). */
function join(path: string, key: string): string {
  if (key === '' || /[.\[\]"\s]/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

function matchValue(expected: unknown, actual: unknown, path: string, root: boolean, ctx: Ctx): void {
  // The driver builds some command fields (sort, index keys) as Maps to keep key order; compare them as documents.
  if (actual instanceof Map) actual = Object.fromEntries([...actual.entries()].map(([k, v]) => [String(k), v]));
  const op = operatorOf(expected, ctx);
  if (op) {
    matchOperator(op, (expected as Record<string, unknown>)[op], actual, path, root, ctx);
    return;
  }
  if (isDocument(expected)) {
    if (!isDocument(actual)) throw new MatchError(path, 'expected a document', expected, actual);
    for (const [key, value] of Object.entries(expected)) {
      const sub = join(path, key);
      const actualValue = Object.prototype.hasOwnProperty.call(actual, key) ? actual[key] : undefined;
      // $$exists and $$unsetOrMatches decide about a missing key themselves.
      const keyOp = operatorOf(value, ctx);
      if (actualValue === undefined && keyOp !== '$$exists' && keyOp !== '$$unsetOrMatches') {
        throw new MatchError(sub, `key is missing (the document has ${show(Object.keys(actual))})`, value, undefined);
      }
      matchValue(value, actualValue, sub, false, ctx);
    }
    if (!root) {
      const extra = Object.keys(actual).filter((k) => actual[k] !== undefined && !Object.prototype.hasOwnProperty.call(expected, k));
      if (extra.length > 0) {
        throw new MatchError(path, `unexpected key(s) ${extra.map((k) => JSON.stringify(k)).join(', ')} in a nested document`, expected, actual);
      }
    }
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) throw new MatchError(path, 'expected an array', expected, actual);
    if (actual.length !== expected.length) {
      throw new MatchError(path, `expected ${expected.length} element(s), got ${actual.length}`, expected, actual);
    }
    expected.forEach((e, i) => matchValue(e, actual[i], `${path}[${i}]`, false, ctx));
    return;
  }
  if (!scalarEquals(expected, actual)) throw new MatchError(path, 'values differ', expected, actual);
}

function matchOperator(op: string, arg: unknown, actual: unknown, path: string, root: boolean, ctx: Ctx): void {
  switch (op) {
    case '$$exists': {
      const exists = actual !== undefined;
      if (exists !== Boolean(arg)) {
        throw new MatchError(path, arg ? 'key should exist' : 'key should not exist', { $$exists: arg }, actual);
      }
      return;
    }
    case '$$type': {
      const types = Array.isArray(arg) ? arg.map(String) : [String(arg)];
      if (actual === undefined || !types.some((t) => hasBsonType(actual, t))) {
        throw new MatchError(path, `expected BSON type ${types.join(' or ')} (got ${describeType(actual)})`, { $$type: arg }, actual);
      }
      return;
    }
    case '$$unsetOrMatches':
      if (actual === undefined) return;
      matchValue(arg, actual, path, root, ctx);
      return;
    case '$$matchesEntity': {
      if (!ctx.entities) throw new Error('$$matchesEntity needs the entity map');
      const entity = ctx.entities.bsonEntity(String(arg));
      matchValue(entity, actual, path, root, { ...ctx, operators: false });
      return;
    }
    case '$$matchesHexBytes': {
      if (typeof arg !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(arg)) throw new Error(`malformed $$matchesHexBytes: ${show(arg)}`);
      const hex = bytesHex(actual);
      if (hex === undefined || hex !== arg.toLowerCase()) throw new MatchError(path, 'bytes differ', { $$matchesHexBytes: arg }, actual);
      return;
    }
    case '$$sessionLsid': {
      if (!ctx.entities) throw new Error('$$sessionLsid needs the entity map');
      const lsid = ctx.entities.sessionLsid(String(arg));
      matchValue(lsid, actual, path, false, { ...ctx, operators: false });
      return;
    }
    case '$$lte': {
      const a = toNumber(actual);
      const e = toNumber(arg);
      if (e === undefined) throw new Error(`malformed $$lte: ${show(arg)}`);
      if (a === undefined || !(a <= e)) throw new MatchError(path, `expected a number <= ${e}`, { $$lte: arg }, actual);
      return;
    }
    case '$$matchAsDocument': {
      if (typeof actual !== 'string') throw new MatchError(path, 'expected an Extended JSON string', { $$matchAsDocument: arg }, actual);
      matchValue(arg, EJSON.parse(actual, { relaxed: false }), path, false, ctx);
      return;
    }
    case '$$matchAsRoot':
      if (!isDocument(actual)) throw new MatchError(path, 'expected a document', { $$matchAsRoot: arg }, actual);
      matchValue(arg, actual, path, true, ctx);
      return;
    default:
      throw new Error(`unknown special operator ${op} at ${path || '(root)'}`);
  }
}

function bsonType(v: unknown): string | undefined {
  return v !== null && typeof v === 'object' ? (v as { _bsontype?: string })._bsontype : undefined;
}

/** The value of a numeric BSON value as a JS number (bigint for longs outside the safe range is rounded). */
function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  switch (bsonType(v)) {
    case 'Int32':
    case 'Double':
      return Number((v as { value: number }).value);
    case 'Long':
      return (v as Long).toNumber();
    default:
      return undefined;
  }
}

/** Exact integer value of an integral numeric, for comparing longs without precision loss. */
function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (bsonType(v) === 'Long') return (v as Long).toBigInt();
  const n = toNumber(v);
  return n !== undefined && Number.isInteger(n) ? BigInt(n) : undefined;
}

function isNumeric(v: unknown): boolean {
  return toNumber(v) !== undefined;
}

function numbersEqual(e: unknown, a: unknown): boolean {
  const be = toBigInt(e);
  const ba = toBigInt(a);
  if (be !== undefined && ba !== undefined) {
    // -0 and 0 are equal as values; flexible numerics do not distinguish them.
    return be === ba;
  }
  const ne = toNumber(e) as number;
  const na = toNumber(a) as number;
  if (Number.isNaN(ne) && Number.isNaN(na)) return true;
  return ne === na;
}

function bytesHex(v: unknown): string | undefined {
  if (typeof v === 'string') return Buffer.from(v, 'latin1').toString('hex');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (v instanceof Binary) return Buffer.from(v.buffer).toString('hex');
  return undefined;
}

/** Equality for everything but documents and arrays, with flexible numerics. */
function scalarEquals(e: unknown, a: unknown): boolean {
  if (isNumeric(e) || isNumeric(a)) return isNumeric(e) && isNumeric(a) && numbersEqual(e, a);
  if (e === null || a === null) return e === a;
  if (e === undefined || a === undefined) return e === a;
  if (typeof e !== 'object' || typeof a !== 'object') return e === a;
  if (e instanceof Date || a instanceof Date) return e instanceof Date && a instanceof Date && e.getTime() === a.getTime();
  if (e instanceof RegExp || a instanceof RegExp || bsonType(e) === 'BSONRegExp' || bsonType(a) === 'BSONRegExp') {
    const re = regexParts(e);
    const ra = regexParts(a);
    return re !== undefined && ra !== undefined && re.source === ra.source && re.flags === ra.flags;
  }
  if (bsonType(e) !== bsonType(a)) return false;
  if (bsonType(e) === 'Binary') {
    const be = e as Binary;
    const ba = a as Binary;
    return be.sub_type === ba.sub_type && Buffer.from(be.buffer).equals(Buffer.from(ba.buffer));
  }
  // Remaining BSON types (ObjectId, Timestamp, Decimal128, MinKey, MaxKey, Code, ...): compare canonical EJSON.
  return canonical(e) === canonical(a);
}

function regexParts(v: unknown): { source: string; flags: string } | undefined {
  if (v instanceof RegExp) return { source: v.source, flags: v.flags.split('').sort().join('') };
  if (bsonType(v) === 'BSONRegExp') {
    const r = v as { pattern: string; options: string };
    return { source: r.pattern, flags: r.options.split('').sort().join('') };
  }
  return undefined;
}

function canonical(v: unknown): string {
  try {
    return EJSON.stringify(v as never, { relaxed: false });
  } catch {
    return String(v);
  }
}

/**
 * Whether `v` has the `$type` alias `type`. Values decoded by the driver with its default promotion lose the
 * int32/int64/double distinction (all become JS numbers), so a JS number matches 'double' and, when integral, also
 * 'int' (in int32 range) and 'long'. Wrapper objects (Int32, Long, Double) and bigint match only their own type.
 */
export function hasBsonType(v: unknown, type: string): boolean {
  const bt = bsonType(v);
  switch (type) {
    case 'double':
      return (typeof v === 'number') || bt === 'Double';
    case 'int':
      return (typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) || bt === 'Int32';
    case 'long':
      return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint' || bt === 'Long';
    case 'decimal':
      return bt === 'Decimal128';
    case 'number':
      return hasBsonType(v, 'double') || hasBsonType(v, 'int') || hasBsonType(v, 'long') || hasBsonType(v, 'decimal');
    case 'string':
      return typeof v === 'string';
    case 'object':
      return isDocument(v);
    case 'array':
      return Array.isArray(v);
    case 'binData':
      return bt === 'Binary' || v instanceof Uint8Array;
    case 'undefined':
      return v === undefined;
    case 'objectId':
      return bt === 'ObjectId';
    case 'bool':
      return typeof v === 'boolean';
    case 'date':
      return v instanceof Date;
    case 'null':
      return v === null;
    case 'regex':
      return v instanceof RegExp || bt === 'BSONRegExp';
    case 'dbPointer':
      return bt === 'DBPointer' || bt === 'DBRef';
    case 'javascript':
      return bt === 'Code' && !(v as { scope?: unknown }).scope;
    case 'javascriptWithScope':
      return bt === 'Code' && Boolean((v as { scope?: unknown }).scope);
    case 'symbol':
      return bt === 'BSONSymbol' || bt === 'Symbol';
    case 'timestamp':
      return bt === 'Timestamp';
    case 'minKey':
      return bt === 'MinKey';
    case 'maxKey':
      return bt === 'MaxKey';
    default:
      throw new Error(`unknown $$type alias ${JSON.stringify(type)}`);
  }
}

function describeType(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'number (integral)' : 'number (double)';
  const bt = bsonType(v);
  if (bt) return bt;
  if (v instanceof Date) return 'date';
  if (isDocument(v)) return 'object';
  return typeof v;
}

/** Short relaxed-EJSON rendering for messages. */
export function show(v: unknown, max = 400): string {
  if (v === undefined) return '(missing)';
  let s: string;
  try {
    s = EJSON.stringify(v as never, { relaxed: true });
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
