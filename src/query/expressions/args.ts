import { isDocument, toNumber } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import type { Evaluator, ParseContext } from './types.js';
import { formatValue, isIntegral32, isNullish, typeName } from './values.js';

/**
 * Argument parsing shared by operators: positional arguments (an array, or one bare operand) with mongod's
 * arity errors, and named-argument objects ({input, as, in}) with per-operator error codes.
 */

/** ExpressionNary::parseArguments: an array is the argument list, anything else is a single argument. */
export function parseArgs(arg: unknown, ctx: ParseContext): Evaluator[] {
  return Array.isArray(arg) ? arg.map((a) => ctx.parse(a)) : [ctx.parse(arg)];
}

/** Exactly `n` arguments, else 16020 "Expression $x takes exactly N arguments. M were passed in." */
export function fixedArgs(name: string, arg: unknown, ctx: ParseContext, n: number): Evaluator[] {
  const args = parseArgs(arg, ctx);
  if (args.length !== n) {
    throw new MongoServerError(16020, `Expression ${name} takes exactly ${n} arguments. ${args.length} were passed in.`);
  }
  return args;
}

/** Exactly two arguments, where null or missing on either side makes the result null before `fn` sees them. */
export function nullableBinary(
  name: string,
  arg: unknown,
  ctx: ParseContext,
  fn: (lhs: unknown, rhs: unknown) => unknown,
): Evaluator {
  const [lhsEv, rhsEv] = fixedArgs(name, arg, ctx, 2);
  return (scope) => {
    const lhs = lhsEv!(scope);
    const rhs = rhsEv!(scope);
    return isNullish(lhs) || isNullish(rhs) ? null : fn(lhs, rhs);
  };
}

/** Between `min` and `max` arguments, else 28667, as mongod's ExpressionRangedArity. */
export function rangedArgs(name: string, arg: unknown, ctx: ParseContext, min: number, max: number): Evaluator[] {
  const args = parseArgs(arg, ctx);
  if (args.length < min || args.length > max) {
    throw new MongoServerError(
      28667,
      `Expression ${name} takes at least ${min} arguments, and at most ${max}. ${args.length} were passed in.`,
    );
  }
  return args;
}

/** Error codes a named-argument operator uses for its parse failures. */
export interface NamedArgCodes {
  /** The argument is not an object. */
  readonly notObject: [number, string];
  /** A field outside `allowed`; the message gets the field name appended. */
  readonly unknown: [number, string];
  /** The fields that must be present, each with its error, checked in this order after the unknown fields. */
  readonly required?: Readonly<Record<string, [number, string]>>;
}

/**
 * Reads an operator's named arguments ({input: ..., as: ...}) without compiling them, so the caller can compile
 * some of them with extra variables in scope. Fields outside `allowed` are rejected, then missing required ones.
 */
export function namedArgs(arg: unknown, allowed: readonly string[], codes: NamedArgCodes): Record<string, unknown> {
  if (!isDocument(arg)) throw new MongoServerError(codes.notObject[0], codes.notObject[1]);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(arg)) {
    if (!allowed.includes(key)) throw new MongoServerError(codes.unknown[0], `${codes.unknown[1]}${key}`);
    out[key] = arg[key];
  }
  for (const [field, [code, message]] of Object.entries(codes.required ?? {})) {
    if (!(field in out)) throw new MongoServerError(code, message);
  }
  return out;
}

/**
 * The optional start and end index arguments of $indexOfArray, $indexOfBytes and $indexOfCP: integral (40096) and
 * non-negative (40097). `what` is "starting index" or "ending index".
 */
export function indexBound(v: unknown, name: string, what: string): number {
  if (!isIntegral32(v)) {
    throw new MongoServerError(40096, `${name}requires an integral ${what}, found a value of type: ${typeName(v)}, with value: ${formatValue(v)}`);
  }
  const n = toNumber(v);
  if (n < 0) throw new MongoServerError(40097, `${name} requires a nonnegative ${what}, found: ${formatValue(v)}`);
  return n;
}
