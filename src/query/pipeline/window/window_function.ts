import { type Collation, type Document } from '../../../bson/index.js';
import { mongoError, MongoServerError } from '../../../errors/index.js';
import { type Evaluator, type ParseContext, type Scope } from '../../expressions/index.js';
import {
  DEFAULT_BOUNDS, parseWindowBounds, windowEndpoints, type Endpoints, type SortByShape, type WindowBounds,
} from './bounds.js';

/**
 * What every window function of $setWindowFields shares: the partition it reads, the form of a parsed function,
 * and the argument shapes mongod's window_function parsers accept (with their messages).
 */

/** One sorted partition, as the window functions read it. */
export interface Partition {
  readonly docs: readonly Document[];
  /** The expression scope of each document. */
  readonly scopes: readonly Scope[];
  /** The single sortBy field's value of each document (undefined without a one-field sortBy). */
  readonly sortValues: readonly unknown[] | undefined;
  /** Whether two documents tie on the sortBy (as mongod's sort keys compare: nullish values tie, arrays by their sort key). */
  readonly sameSortKey: (i: number, j: number) => boolean;
  readonly collation: Collation | null;
}

/**
 * A parsed window function. `compute` gives its value for each document of a partition, in order and only as they
 * are asked for, so a partition's outputs can be handed on (and the event loop let go) a chunk at a time; undefined
 * leaves the field unset.
 */
export interface WindowFunction {
  readonly name: string;
  compute(partition: Partition): Iterator<unknown>;
}

/** What parsing a window function needs from the stage. */
export interface WindowParseContext {
  readonly expressions: ParseContext;
  readonly sortBy: SortByShape | undefined;
  /** Evaluates a constant expression (window bounds, $shift's default). */
  readonly evaluateConstant: (expr: unknown) => unknown;
  /** Whether a name is a window function (mongod's parsers tell a second function from an unknown argument). */
  readonly isFunction: (name: string) => boolean;
}

/** Parses one output field's function; `name` is the function as written. */
export type WindowFunctionParser = (spec: Document, name: string, ctx: WindowParseContext) => WindowFunction;

export function failedToParse(message: string): MongoServerError {
  return mongoError('FailedToParse', message);
}

/** The `{$fn: <input>, window: {...}}` form shared by the accumulators (mongod's ExpressionRemovable). */
export function parseAccumulatorForm(spec: Document, ctx: WindowParseContext): { name: string; input: unknown; bounds: WindowBounds } {
  let name: string | undefined;
  let input: unknown;
  let bounds: WindowBounds = DEFAULT_BOUNDS;
  for (const key of Object.keys(spec)) {
    if (key === 'window') {
      bounds = parseWindowBounds(spec[key], ctx.sortBy, ctx.evaluateConstant);
    } else if (ctx.isFunction(key)) {
      if (name !== undefined) throw failedToParse('Cannot specify two functions in window function spec');
      name = key;
      input = spec[key];
    } else {
      throw failedToParse(`Window function found an unknown argument: ${key}`);
    }
  }
  if (name === undefined) throw failedToParse('Must specify a window function in output field');
  return { name, input, bounds };
}

export function evaluateAll(ev: Evaluator, partition: Partition): unknown[] {
  return partition.scopes.map((scope) => ev(scope));
}

export function endpointsOf(bounds: WindowBounds, partition: Partition): Endpoints[] {
  return windowEndpoints(bounds, partition.docs.length, partition.sortValues, partition.collation);
}

/** Non-accumulator functions reading `{$fn: ..., window: ...}` with mongod's "$fn got unexpected argument" wording. */
export function ownArguments(spec: Document, name: string, ctx: WindowParseContext, windowMessage: string): { arg: unknown; bounds: WindowBounds | undefined } {
  let bounds: WindowBounds | undefined;
  let arg: unknown;
  for (const key of Object.keys(spec)) {
    if (key === 'window') {
      if (bounds !== undefined) throw failedToParse(windowMessage);
      bounds = parseWindowBounds(spec[key], ctx.sortBy, ctx.evaluateConstant);
    } else if (key === name) {
      arg = spec[key];
    } else {
      throw failedToParse(`${name} got unexpected argument: ${key}`);
    }
  }
  return { arg, bounds };
}

/** `{$fn: <input>}` with no window, of $locf and $linearFill (mongod's ExpressionFromLeftUnboundedWindowFunction). */
export function parseLeftUnbounded(spec: Document, ctx: WindowParseContext): { name: string; input: Evaluator } {
  let name: string | undefined;
  let input: Evaluator | undefined;
  let hasWindow = false;
  for (const key of Object.keys(spec)) {
    if (key === 'window') hasWindow = true;
    else if (ctx.isFunction(key)) {
      if (name !== undefined) throw failedToParse('Cannot specify two functions in window function spec');
      name = key;
      input = ctx.expressions.parse(spec[key]);
    } else throw failedToParse(`Window function found an unknown argument: ${key}`);
  }
  if (name === undefined) throw failedToParse('Must specify a window function in output field');
  if (hasWindow) throw failedToParse(`'window' field is not allowed in ${name}`);
  return { name, input: input! };
}
