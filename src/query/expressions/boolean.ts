import { fixedArgs, parseArgs } from './args.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { coerceToBool } from './values.js';

/**
 * Boolean operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/#boolean-expression-operators):
 * arguments are coerced to booleans (null, missing, false and numeric zero are false) and evaluation
 * short-circuits left to right.
 */

function parseAnd(arg: unknown, ctx: ParseContext): Evaluator {
  const args = parseArgs(arg, ctx);
  return (scope) => args.every((ev) => coerceToBool(ev(scope)));
}

function parseOr(arg: unknown, ctx: ParseContext): Evaluator {
  const args = parseArgs(arg, ctx);
  return (scope) => args.some((ev) => coerceToBool(ev(scope)));
}

function parseNot(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [ev] = fixedArgs(name, arg, ctx, 1);
  return (scope) => !coerceToBool(ev!(scope));
}

export const booleanOperators: OperatorTable = {
  $and: parseAnd,
  $not: parseNot,
  $or: parseOr,
};
