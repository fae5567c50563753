import { bsonTypeOf, isDocument } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import type { InitializedAccumulator, InitializedAccumulatorParser } from './accumulators_n.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { typeName } from './values.js';

/**
 * $function (https://www.mongodb.com/docs/manual/reference/operator/aggregation/function/) and the $accumulator
 * accumulator (https://www.mongodb.com/docs/manual/reference/operator/aggregation/accumulator/). eddydb runs no
 * JavaScript: both parse and validate their arguments exactly as mongod does, and then answer what a mongod
 * started with server-side JavaScript disabled (`security.javascriptEnabled: false`) answers as soon as one is
 * run on a document, 31264.
 */

function javascriptDisabled(): MongoServerError {
  return new MongoServerError(31264, 'Cannot run server-side javascript without the javascript engine enabled');
}

/** The value of an operand that is a constant (mongod: an ExpressionConstant once optimized), or undefined. */
function constantValue(raw: unknown, ctx: ParseContext): { value: unknown } | undefined {
  if (typeof raw === 'string' && raw.startsWith('$')) return undefined;
  if (isDocument(raw)) {
    const keys = Object.keys(raw);
    if (keys.length === 1 && keys[0] === '$literal') return { value: raw.$literal };
    return undefined;
  }
  if (Array.isArray(raw)) return undefined;
  ctx.parse(raw);
  return { value: raw };
}

function isCode(v: unknown): boolean {
  return typeof v === 'string' || bsonTypeOf(v) === 'javascript';
}

function parseFunction(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  if (!isDocument(arg)) throw new MongoServerError(31260, `${name} requires an object as an argument, found: ${typeName(arg)}`);
  if (!('body' in arg)) throw new MongoServerError(31261, 'The body function must be specified.');
  const body = constantValue(arg.body, ctx);
  if (!body) {
    ctx.parse(arg.body);
    throw new MongoServerError(31432, 'The body function must be a constant expression');
  }
  if (!isCode(body.value)) throw new MongoServerError(31262, 'The body function must evaluate to type string or code');
  if (!('args' in arg)) throw new MongoServerError(31263, 'The args field must be specified.');
  ctx.parse(arg.args);
  if (!('lang' in arg)) throw new MongoServerError(31418, 'The lang field must be specified.');
  if (arg.lang !== 'js') throw new MongoServerError(31419, "Currently the only supported language specifier is 'js'.");
  return () => {
    throw javascriptDisabled();
  };
}

function accumulatorFunction(field: string, raw: unknown, ctx: ParseContext): string {
  const c = constantValue(raw, ctx);
  if (!c) {
    ctx.parse(raw);
    throw new MongoServerError(4544701, `$accumulator '${field}' must be a constant expression`);
  }
  if (!isCode(c.value)) throw new MongoServerError(4544702, `$accumulator '${field}' must be a String or Code`);
  return String(typeof c.value === 'string' ? c.value : (c.value as { code: unknown }).code);
}

const parseAccumulator: InitializedAccumulatorParser = (arg, ctx, op) => {
  if (!isDocument(arg)) throw new MongoServerError(4544703, `$accumulator expects an object as an argument; found: ${typeName(arg)}`);
  const functions: Record<string, string> = {};
  let init: Evaluator = () => [];
  let input: Evaluator | undefined;
  for (const key of Object.keys(arg)) {
    const value = arg[key];
    if (key === 'init' || key === 'accumulate' || key === 'merge' || key === 'finalize') {
      functions[key] = accumulatorFunction(key, value, ctx);
    } else if (key === 'initArgs') {
      init = ctx.parse(value);
    } else if (key === 'accumulateArgs') {
      input = ctx.parse(value);
    } else if (key === 'lang') {
      if (typeof value !== 'string') throw new MongoServerError(4544704, `$accumulator lang must be a string; found: ${typeName(value)}`);
      if (value !== 'js') throw new MongoServerError(4544705, "$accumulator only supports lang: 'js'");
    } else {
      throw new MongoServerError(4544706, `$accumulator got an unexpected field: ${key}`);
    }
  }
  if (!functions.init) throw new MongoServerError(4544707, "$accumulator missing required argument 'init'");
  if (!functions.accumulate) throw new MongoServerError(4544708, "$accumulator missing required argument 'accumulate'");
  if (!functions.merge) throw new MongoServerError(4544709, "$accumulator missing required argument 'merge'");
  if (!input) throw new MongoServerError(4544710, "$accumulator missing required argument 'accumulateArgs'");
  // mongod calls `init` when a group sees its first document, which is where the engine is missing.
  const start = (): never => {
    throw javascriptDisabled();
  };
  const accumulator: InitializedAccumulator = { op, init, input, make: start, makeRemovable: start };
  return accumulator;
};

export const javascriptOperators: OperatorTable = {
  $function: parseFunction,
};

/** $accumulator, looked up by $group and $bucketAuto with the accumulators that take arguments besides their input. */
export const javascriptAccumulatorParsers: Readonly<Record<string, InitializedAccumulatorParser>> = {
  $accumulator: parseAccumulator,
};
