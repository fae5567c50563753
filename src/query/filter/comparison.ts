import { bsonTypeOf, canonicalTypeOrder, compareValues, type Collation } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { PathNode } from './node.js';
import { MISSING, type FieldOperatorParser, type MatchNode } from './types.js';
import { isRegexValue, operandValue } from './values.js';

/** The comparison a {@link ComparisonNode} makes. */
export type ComparisonOp = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

function isNaNValue(v: unknown): boolean {
  switch (bsonTypeOf(v)) {
    case 'double':
      return Number.isNaN(typeof v === 'number' ? v : (v as { value: number }).value);
    case 'decimal':
      return String(v as object).endsWith('NaN');
    default:
      return false;
  }
}

/**
 * $eq, $lt, $lte, $gt, $gte and implicit equality (mongod's ComparisonMatchExpression). Values only compare within
 * one canonical type bracket (all numbers are one bracket, compared by value; strings use the collation), so
 * `{a: {$gt: 1}}` never matches a string. The exceptions, as mongod has them:
 * - a missing field counts as null for $eq, $lte and $gte against null (since 8.0 the BSON undefined value does
 *   not);
 * - against MinKey or MaxKey, every value (and a missing field) of another type is above MinKey and below MaxKey;
 * - NaN equals NaN and is not less or greater than anything.
 */
export class ComparisonNode extends PathNode {
  private readonly rhsType: number;
  private readonly rhsIsNaN: boolean;

  constructor(
    path: string,
    readonly op: ComparisonOp,
    readonly rhs: unknown,
    private readonly collation: Collation | null,
  ) {
    super(path);
    this.rhsType = canonicalTypeOrder(rhs);
    this.rhsIsNaN = isNaNValue(rhs);
  }

  matchesSingleElement(value: unknown): boolean {
    const type = value === MISSING ? canonicalTypeOrder(undefined) : canonicalTypeOrder(value);
    if (type !== this.rhsType) {
      if (value === MISSING && this.rhs === null) return this.op === 'eq' || this.op === 'lte' || this.op === 'gte';
      const rhsType = bsonTypeOf(this.rhs);
      if (rhsType === 'maxKey') return this.op === 'lt' || this.op === 'lte';
      if (rhsType === 'minKey') return this.op === 'gt' || this.op === 'gte';
      return false;
    }
    if (this.op !== 'eq') {
      const lhsIsNaN = isNaNValue(value);
      if (lhsIsNaN || this.rhsIsNaN) return (this.op === 'lte' || this.op === 'gte') && lhsIsNaN && this.rhsIsNaN;
    }
    const c = compareValues(value, this.rhs, this.collation);
    switch (this.op) {
      case 'eq':
        return c === 0;
      case 'lt':
        return c < 0;
      case 'lte':
        return c <= 0;
      case 'gt':
        return c > 0;
      case 'gte':
        return c >= 0;
    }
  }
}

/**
 * Builds a comparison (mongod's parseComparison). Non-equality comparisons refuse a regex operand; JS undefined
 * compares as null (as the serializer would have sent it).
 */
export function comparison(path: string, op: ComparisonOp, value: unknown, collation: Collation | null): MatchNode {
  if (op !== 'eq' && isRegexValue(value)) {
    throw mongoError('BadValue', `Can't have RegEx as arg to predicate over field '${path}'.`);
  }
  return new ComparisonNode(path, op, operandValue(value), collation);
}

const parserFor =
  (op: ComparisonOp): FieldOperatorParser =>
  ({ path, value, ctx }) =>
    comparison(path, op, value, ctx.collation);

/** `$lt`. */
export const parseLt = parserFor('lt');
/** `$lte`. */
export const parseLte = parserFor('lte');
/** `$gt`. */
export const parseGt = parserFor('gt');
/** `$gte`. */
export const parseGte = parserFor('gte');
