import { isDocument } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { PathNode } from './node.js';
import { ParseLevel, type FieldOperatorParser, type MatchDetails, type MatchNode } from './types.js';
import { isExpressionDocument } from './values.js';

/**
 * `$elemMatch` object form (`{a: {$elemMatch: {b: 1, c: {$gt: 2}}}}`): some element of the array, itself a
 * document (or an array, read as a document with fields "0", "1", ...), matches the whole sub-filter. The array
 * at the end of the path is looked at as a whole; a non-array never matches. Reports the element's index as
 * `elemMatchKey`.
 */
export class ElemMatchObjectNode extends PathNode {
  constructor(
    path: string,
    readonly filter: MatchNode,
  ) {
    super(path, false);
  }

  matchesSingleElement(value: unknown, details?: MatchDetails): boolean {
    if (!Array.isArray(value)) return false;
    for (let i = 0; i < value.length; i++) {
      const element = value[i];
      if ((isDocument(element) || Array.isArray(element)) && this.filter.matches(element)) {
        if (details) details.elemMatchKey = String(i);
        return true;
      }
    }
    return false;
  }
}

/**
 * `$elemMatch` value form (`{a: {$elemMatch: {$gte: 80, $lt: 85}}}`): some single element of the array satisfies
 * every operator at once (unlike `{a: {$gte: 80, $lt: 85}}`, where different elements may satisfy each).
 */
export class ElemMatchValueNode extends PathNode {
  constructor(
    path: string,
    readonly predicates: readonly MatchNode[],
  ) {
    super(path, false);
  }

  matchesSingleElement(value: unknown, details?: MatchDetails): boolean {
    if (!Array.isArray(value)) return false;
    outer: for (let i = 0; i < value.length; i++) {
      for (const p of this.predicates) if (!p.matchesSingleElement(value[i])) continue outer;
      if (details) details.elemMatchKey = String(i);
      return true;
    }
    return false;
  }
}

/**
 * `$elemMatch` (mongod's parseElemMatch). The value form applies when the operand's first field is an operator
 * that takes a path ($gt, $regex, $not, ...); otherwise (plain fields, $and/$or/$nor, a DBRef) the operand is a
 * filter on each element.
 */
export const parseElemMatch: FieldOperatorParser = ({ path, value, ctx }) => {
  if (!isDocument(value) || (value as { _bsontype?: unknown })._bsontype !== undefined) {
    throw mongoError('BadValue', '$elemMatch needs an Object');
  }
  const first = Object.keys(value)[0];
  if (isExpressionDocument(value, true) && first !== undefined && !ctx.isTopLevelOperator(first)) {
    return new ElemMatchValueNode(path, ctx.parseSub('', value, ParseLevel.userSubDocument));
  }
  return new ElemMatchObjectNode(path, ctx.parse(value, ParseLevel.userSubDocument));
};
