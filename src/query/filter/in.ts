import { bsonTypeOf, toBigInt, toNumber, valuesEqual, type Collation } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { NotNode, PathNode } from './node.js';
import { RegexNode, regexNodeFromValue } from './regex.js';
import { MISSING, type FieldOperatorParser, type MatchNode } from './types.js';
import { isExpressionDocument, isRegexValue, operandValue } from './values.js';

/** Lists shorter than this are searched linearly; longer ones get a hash of their common scalar values. */
const HASH_THRESHOLD = 8;

/**
 * A key that two values share exactly when they are equal (under the simple collation), for the value types a
 * large `$in` list usually holds; null for every other value. Numbers key by exact value, so 1, 1.0 and Long(1)
 * share a key and Long(2^53+1) does not collide with 2^53.
 */
function hashKey(v: unknown, collation: Collation | null): string | null {
  switch (bsonTypeOf(v)) {
    case 'string':
      return collation ? null : `s${v as string}`;
    case 'int':
    case 'long':
    case 'double': {
      const n = toNumber(v);
      if (Number.isNaN(n)) return 'nNaN';
      const big = Number.isFinite(n) ? toBigInt(v) : null;
      return big !== null ? `n${big}` : `n${n}`;
    }
    case 'objectId':
      return `o${(v as { toHexString(): string }).toHexString()}`;
    case 'bool':
      return v ? 'btrue' : 'bfalse';
    default:
      return null;
  }
}

/**
 * `$in` (mongod's InMatchExpression): some value the path yields equals one of the listed values (with the
 * collation) or matches one of the listed regexes; a listed null also matches a missing field.
 */
export class InNode extends PathNode {
  readonly hasNull: boolean;
  private readonly hashed: Set<string> | null;
  /** Equalities not in `hashed` (all of them when the list is short). */
  private readonly linear: unknown[];

  constructor(
    path: string,
    readonly equalities: readonly unknown[],
    readonly regexes: readonly RegexNode[],
    private readonly collation: Collation | null,
  ) {
    super(path);
    this.hasNull = equalities.some((v) => v === null);
    if (equalities.length < HASH_THRESHOLD) {
      this.hashed = null;
      this.linear = [...equalities];
    } else {
      this.hashed = new Set();
      this.linear = [];
      for (const v of equalities) {
        const key = hashKey(v, collation);
        if (key === null) this.linear.push(v);
        else this.hashed.add(key);
      }
    }
  }

  matchesSingleElement(value: unknown): boolean {
    if (value === MISSING) return this.hasNull;
    // Equal values share a hash key, so a hashable value only needs the unhashed rest; an unhashable one (a
    // Decimal128, a document) can still equal a hashed value and is compared with everything.
    let candidates: readonly unknown[] = this.linear;
    if (this.hashed !== null) {
      const key = hashKey(value, this.collation);
      if (key === null) candidates = this.equalities;
      else if (this.hashed.has(key)) return true;
    }
    for (const v of candidates) if (valuesEqual(value, v, this.collation)) return true;
    return this.matchesRegex(value);
  }

  private matchesRegex(value: unknown): boolean {
    for (const r of this.regexes) if (r.matchesSingleElement(value)) return true;
    return false;
  }
}

/** Parses the list of `$in`/`$nin` (mongod's parseInExpression). */
function inNode(path: string, name: string, value: unknown, collation: Collation | null): InNode {
  if (!Array.isArray(value)) throw mongoError('BadValue', `${name} needs an array`);
  const equalities: unknown[] = [];
  const regexes: RegexNode[] = [];
  for (const item of value) {
    // DBRefs are allowed; any other document starting with '$' is an operator, which $in does not take.
    if (isExpressionDocument(item, false)) throw mongoError('BadValue', 'cannot nest $ under $in');
    if (isRegexValue(item)) regexes.push(regexNodeFromValue('', item));
    else equalities.push(operandValue(item));
  }
  return new InNode(path, equalities, regexes, collation);
}

/** `$in`. An empty list matches nothing. */
export const parseIn: FieldOperatorParser = ({ path, name, value, ctx }): MatchNode =>
  inNode(path, name, value, ctx.collation);

/** `$nin`: NOT `$in` over the whole path, so it matches a missing field unless the list holds null. */
export const parseNin: FieldOperatorParser = ({ path, name, value, ctx }): MatchNode =>
  new NotNode(inNode(path, name, value, ctx.collation));
