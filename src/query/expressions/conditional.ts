import { isDocument } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { fixedArgs, parseArgs } from './args.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { coerceToBool, isNullish, typeName } from './values.js';

/**
 * Conditional operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/#conditional-expression-operators):
 * $cond (object or array form), $ifNull (first non-null of its arguments, else the last) and $switch. Only the
 * chosen branch is evaluated.
 */

function parseCond(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  let ifEv: Evaluator | undefined;
  let thenEv: Evaluator | undefined;
  let elseEv: Evaluator | undefined;
  if (isDocument(arg)) {
    for (const key of Object.keys(arg)) {
      if (key === 'if') ifEv = ctx.parse(arg[key]);
      else if (key === 'then') thenEv = ctx.parse(arg[key]);
      else if (key === 'else') elseEv = ctx.parse(arg[key]);
      else throw new MongoServerError(17083, `Unrecognized parameter to $cond: ${key}`);
    }
    if (!ifEv) throw new MongoServerError(17080, "Missing 'if' parameter to $cond");
    if (!thenEv) throw new MongoServerError(17081, "Missing 'then' parameter to $cond");
    if (!elseEv) throw new MongoServerError(17082, "Missing 'else' parameter to $cond");
  } else {
    [ifEv, thenEv, elseEv] = fixedArgs(name, arg, ctx, 3) as [Evaluator, Evaluator, Evaluator];
  }
  const [i, t, e] = [ifEv, thenEv, elseEv];
  return (scope) => (coerceToBool(i(scope)) ? t(scope) : e(scope));
}

function parseIfNull(arg: unknown, ctx: ParseContext): Evaluator {
  const args = parseArgs(arg, ctx);
  if (args.length < 2) throw new MongoServerError(1257300, `$ifNull needs at least two arguments, had: ${args.length}`);
  const last = args[args.length - 1]!;
  const candidates = args.slice(0, -1);
  return (scope) => {
    for (const ev of candidates) {
      const v = ev(scope);
      if (!isNullish(v)) return v;
    }
    return last(scope);
  };
}

function parseSwitch(arg: unknown, ctx: ParseContext): Evaluator {
  if (!isDocument(arg)) {
    throw new MongoServerError(40060, `$switch requires an object as an argument, found: ${typeName(arg)}`);
  }
  const branches: [Evaluator, Evaluator][] = [];
  let defaultEv: Evaluator | undefined;
  for (const key of Object.keys(arg)) {
    const value = arg[key];
    if (key === 'branches') {
      if (!Array.isArray(value)) {
        throw new MongoServerError(40061, `$switch expected an array for 'branches', found: ${typeName(value)}`);
      }
      for (const branch of value) {
        if (!isDocument(branch)) {
          throw new MongoServerError(40062, `$switch expected each branch to be an object, found: ${typeName(branch)}`);
        }
        let caseEv: Evaluator | undefined;
        let thenEv: Evaluator | undefined;
        for (const bk of Object.keys(branch)) {
          if (bk === 'case') caseEv = ctx.parse(branch[bk]);
          else if (bk === 'then') thenEv = ctx.parse(branch[bk]);
          else throw new MongoServerError(40063, `$switch found an unknown argument to a branch: ${bk}`);
        }
        if (!caseEv) throw new MongoServerError(40064, "$switch requires each branch have a 'case' expression");
        if (!thenEv) throw new MongoServerError(40065, "$switch requires each branch have a 'then' expression.");
        branches.push([caseEv, thenEv]);
      }
    } else if (key === 'default') {
      defaultEv = ctx.parse(value);
    } else {
      throw new MongoServerError(40067, `$switch found an unknown argument: ${key}`);
    }
  }
  if (branches.length === 0) throw new MongoServerError(40068, '$switch requires at least one branch.');
  return (scope) => {
    for (const [c, t] of branches) if (coerceToBool(c(scope))) return t(scope);
    if (!defaultEv) {
      throw new MongoServerError(40066, '$switch could not find a matching branch for an input, and no default was specified.');
    }
    return defaultEv(scope);
  };
}

export const conditionalOperators: OperatorTable = {
  $cond: parseCond,
  $ifNull: parseIfNull,
  $switch: parseSwitch,
};
