import type { Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { trueValue } from './exists.js';
import { ParseLevel, type MatchNode, type MatchOptions, type TopLevelOperatorParser } from './types.js';

/** `$expr`: the aggregation expression, evaluated against the whole document by the caller's evaluator, is true. */
export class ExprNode implements MatchNode {
  constructor(
    readonly expr: unknown,
    private readonly evaluate: NonNullable<MatchOptions['evaluateExpr']>,
  ) {}

  matches(doc: unknown): boolean {
    // $expr coerces like Value::coerceToBool, which agrees with trueValue: null, undefined (missing), false and
    // numeric zero are false.
    return trueValue(this.evaluate(this.expr, doc as Document));
  }

  matchesSingleElement(): boolean {
    // $expr is refused inside $elemMatch, the only place single elements are tested.
    return false;
  }
}

/**
 * `$expr`, delegated to `evaluateExpr` from the match options.
 *
 * @throws MongoServerError BadValue inside `$elemMatch`; QueryFeatureNotAllowed (224) when no evaluator was given.
 */
export const parseExpr: TopLevelOperatorParser = ({ value, ctx, level }) => {
  if (level === ParseLevel.userSubDocument) {
    throw mongoError('BadValue', '$expr can only be applied to the top-level document');
  }
  if (!ctx.evaluateExpr) {
    throw mongoError(
      'QueryFeatureNotAllowed',
      '$expr is not allowed in this context: no aggregation expression evaluator was given to the eddydb matcher',
    );
  }
  return new ExprNode(value, ctx.evaluateExpr);
};
