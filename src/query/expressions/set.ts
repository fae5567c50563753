import { compareValues } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { fixedArgs, nullableBinary, parseArgs } from './args.js';
import type { Collation, Evaluator, OperatorTable, ParseContext } from './types.js';
import { coerceToBool, isNullish, typeName } from './values.js';

/**
 * Set operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/#set-expression-operators):
 * arrays read as sets under the expression's collation; results that are sets come out sorted and distinct, as
 * mongod's ordered ValueSet yields them.
 */

/** Sorted, de-duplicated copy of an array under a collation (mongod's ValueSet). */
function toSet(values: readonly unknown[], collation: Collation | null): unknown[] {
  const sorted = [...values].sort((a, b) => compareValues(a, b, collation));
  const out: unknown[] = [];
  for (const v of sorted) if (out.length === 0 || compareValues(out[out.length - 1], v, collation) !== 0) out.push(v);
  return out;
}

function setHas(set: readonly unknown[], v: unknown, collation: Collation | null): boolean {
  return set.some((x) => compareValues(x, v, collation) === 0);
}

function parseSetUnion(arg: unknown, ctx: ParseContext): Evaluator {
  const args = parseArgs(arg, ctx);
  const collation = ctx.collation;
  return (scope) => {
    const all: unknown[] = [];
    for (const ev of args) {
      const v = ev(scope);
      if (isNullish(v)) return null;
      if (!Array.isArray(v)) {
        throw new MongoServerError(17043, `All operands of $setUnion must be arrays. One argument is of type: ${typeName(v)}`);
      }
      all.push(...v);
    }
    return toSet(all, collation);
  };
}

function parseSetIntersection(arg: unknown, ctx: ParseContext): Evaluator {
  const args = parseArgs(arg, ctx);
  const collation = ctx.collation;
  return (scope) => {
    let current: unknown[] | null = null;
    for (const ev of args) {
      const v = ev(scope);
      if (isNullish(v)) return null;
      if (!Array.isArray(v)) {
        throw new MongoServerError(17047, `All operands of $setIntersection must be arrays. One argument is of type: ${typeName(v)}`);
      }
      current = current === null ? toSet(v, collation) : current.filter((x) => setHas(v, x, collation));
    }
    return current ?? [];
  };
}

/** The operands of $setDifference and $setIsSubset, which must both be arrays; each side has its own error code. */
function twoArrays(name: string, lhs: unknown, rhs: unknown, firstCode: number, secondCode: number): [unknown[], unknown[]] {
  if (!Array.isArray(lhs)) {
    throw new MongoServerError(firstCode, `both operands of ${name} must be arrays. First argument is of type: ${typeName(lhs)}`);
  }
  if (!Array.isArray(rhs)) {
    throw new MongoServerError(secondCode, `both operands of ${name} must be arrays. Second argument is of type: ${typeName(rhs)}`);
  }
  return [lhs, rhs];
}

function parseSetDifference(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const collation = ctx.collation;
  return nullableBinary(name, arg, ctx, (a, b) => {
    const [lhs, rhs] = twoArrays(name, a, b, 17048, 17049);
    const seen = [...rhs];
    const out: unknown[] = [];
    for (const v of lhs) {
      if (!setHas(seen, v, collation)) {
        out.push(v);
        seen.push(v);
      }
    }
    return out;
  });
}

function parseSetEquals(arg: unknown, ctx: ParseContext): Evaluator {
  const args = parseArgs(arg, ctx);
  if (args.length < 2) throw new MongoServerError(17045, `$setEquals needs at least two arguments had: ${args.length}`);
  const collation = ctx.collation;
  return (scope) => {
    let first: unknown[] | null = null;
    let result = true;
    for (const ev of args) {
      const v = ev(scope);
      if (!Array.isArray(v)) {
        throw new MongoServerError(17044, `All operands of $setEquals must be arrays. One argument is of type: ${typeName(v)}`);
      }
      const set = toSet(v, collation);
      if (first === null) first = set;
      else if (set.length !== first.length || set.some((x, i) => compareValues(x, first![i], collation) !== 0)) result = false;
    }
    return result;
  };
}

function parseSetIsSubset(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [a, b] = fixedArgs(name, arg, ctx, 2);
  const collation = ctx.collation;
  return (scope) => {
    const [lhs, rhs] = twoArrays(name, a!(scope), b!(scope), 17046, 17042);
    return lhs.every((v) => setHas(rhs, v, collation));
  };
}

function elementsTrue(any: boolean, code: number) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const [ev] = fixedArgs(name, arg, ctx, 1);
    return (scope) => {
      const v = ev!(scope);
      if (!Array.isArray(v)) throw new MongoServerError(code, `${name}'s argument must be an array, but is ${typeName(v)}`);
      return any ? v.some(coerceToBool) : v.every(coerceToBool);
    };
  };
}

export const setOperators: OperatorTable = {
  $allElementsTrue: elementsTrue(false, 17040),
  $anyElementTrue: elementsTrue(true, 17041),
  $setDifference: parseSetDifference,
  $setEquals: parseSetEquals,
  $setIntersection: parseSetIntersection,
  $setIsSubset: parseSetIsSubset,
  $setUnion: parseSetUnion,
};
