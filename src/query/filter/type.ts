import { bsonTypeNumbers, bsonTypeOf, isNumeric, toNumber, type BsonTypeName } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { parseIntegerToInt } from './integer.js';
import { PathNode } from './node.js';
import { MISSING, type FieldOperatorParser } from './types.js';

/** Type codes mongod accepts in `$type` (isValidBSONType): -1 (minKey), 1..19 and 127 (maxKey). */
const validCodes: ReadonlySet<number> = new Set(Object.values(bsonTypeNumbers));

/** The set of types a `$type` operand names (mongod's MatcherTypeSet). */
export interface TypeSet {
  /** The "number" alias: int, long, double and decimal. */
  allNumbers: boolean;
  codes: Set<number>;
}

/**
 * `$type`: some value the path yields (an array's elements and the array itself) has one of the named types.
 * A missing field has no type.
 */
export class TypeNode extends PathNode {
  constructor(
    path: string,
    readonly types: TypeSet,
  ) {
    super(path);
  }

  matchesSingleElement(value: unknown): boolean {
    if (value === MISSING) return false;
    if (this.types.allNumbers && isNumeric(value)) return true;
    return this.types.codes.has(bsonTypeNumbers[bsonTypeOf(value)]);
  }
}

function addType(set: TypeSet, v: unknown): void {
  if (typeof v === 'string') {
    if (v === 'number') {
      set.allNumbers = true;
      return;
    }
    if (Object.prototype.hasOwnProperty.call(bsonTypeNumbers, v)) {
      set.codes.add(bsonTypeNumbers[v as BsonTypeName]);
      return;
    }
    if (v === 'missing') {
      throw mongoError('BadValue', "'missing' is not a legal type name. To query for non-existence of a field, use {$exists:false}.");
    }
    throw mongoError('BadValue', `Unknown type name alias: ${v}`);
  }
  if (!isNumeric(v)) throw mongoError('TypeMismatch', 'type must be represented as a number or a string');
  const code = parseIntegerToInt('', v);
  const shown = String(toNumber(v));
  if (!code.ok) throw mongoError('BadValue', `Invalid numerical type code: ${shown}`);
  if (code.value === 0n) throw mongoError('BadValue', `Invalid numerical type code: ${shown}. Instead use {$exists:false}.`);
  if (!validCodes.has(Number(code.value))) throw mongoError('BadValue', `Invalid numerical type code: ${shown}`);
  set.codes.add(Number(code.value));
}

/**
 * Parses a `$type` operand (mongod's MatcherTypeSet::parse): an alias ('string', 'number', ...), a numeric code, or
 * an array of them. `name` is the operator's path, which mongod names when the array is empty.
 */
export function parseTypeSet(path: string, value: unknown): TypeSet {
  const set: TypeSet = { allNumbers: false, codes: new Set() };
  if (Array.isArray(value)) for (const v of value) addType(set, v);
  else addType(set, value);
  if (!set.allNumbers && set.codes.size === 0) throw mongoError('FailedToParse', `${path} must match at least one type`);
  return set;
}

/** `$type`. */
export const parseType: FieldOperatorParser = ({ path, value }) => new TypeNode(path, parseTypeSet(path, value));
