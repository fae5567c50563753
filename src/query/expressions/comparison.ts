import { compareValues } from '../../bson/index.js';
import { fixedArgs } from './args.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { int32 } from './values.js';

/**
 * Comparison operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/#comparison-expression-operators):
 * two arguments compared in MongoDB's total order across types (missing < null < numbers < strings < ...), strings
 * under the expression's collation. Unlike query predicates they do not look inside arrays.
 */

function comparison(test: (cmp: number) => boolean) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const [a, b] = fixedArgs(name, arg, ctx, 2);
    const collation = ctx.collation;
    return (scope) => test(compareValues(a!(scope), b!(scope), collation));
  };
}

function parseCmp(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [a, b] = fixedArgs(name, arg, ctx, 2);
  const collation = ctx.collation;
  return (scope) => {
    const c = compareValues(a!(scope), b!(scope), collation);
    return int32(c < 0 ? -1 : c > 0 ? 1 : 0);
  };
}

export const comparisonOperators: OperatorTable = {
  $cmp: parseCmp,
  $eq: comparison((c) => c === 0),
  $gt: comparison((c) => c > 0),
  $gte: comparison((c) => c >= 0),
  $lt: comparison((c) => c < 0),
  $lte: comparison((c) => c <= 0),
  $ne: comparison((c) => c !== 0),
};
