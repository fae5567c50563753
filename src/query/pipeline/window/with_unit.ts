import { elementToString, isDocument, Long, type Document } from '../../../bson/index.js';
import { MongoServerError } from '../../../errors/index.js';
import { typeName, type Evaluator } from '../../expressions/index.js';
import { type WindowBounds } from './bounds.js';
import { parseTimeUnit, unitMillis } from './time_unit.js';
import { failedToParse, ownArguments, type WindowParseContext } from './window_function.js';

/** The sortBy checks $derivative and $integral make (mongod's ExpressionWithUnit::validateSortBy). */
export function validateUnitSortBy(ctx: WindowParseContext, name: string): void {
  if (!ctx.sortBy) throw failedToParse(`${name} requires a sortBy`);
  if (ctx.sortBy.size !== 1) throw failedToParse(`${name} requires a non-compound sortBy`);
  if (!ctx.sortBy.singleIsField) throw failedToParse(`${name} requires a non-expression sortBy`);
}

export function parseUnitArgument(v: unknown): number {
  if (typeof v !== 'string') throw failedToParse(`unit' must be a string, but got ${typeName(v)}`);
  const unit = parseTimeUnit(v);
  const ms = unitMillis(unit);
  if (ms === undefined) throw new MongoServerError(5490710, "unit must be 'week' or smaller");
  return ms;
}

/** `{$fn: {input, unit}, window}` of $derivative and $integral. */
export function parseInputUnit(spec: Document, name: string, ctx: WindowParseContext, windowMessage: string): { input: Evaluator; unitMs: number | undefined; bounds: WindowBounds | undefined } {
  validateUnitSortBy(ctx, name);
  const { arg, bounds } = ownArguments(spec, name, ctx, windowMessage);
  if (!isDocument(arg)) throw failedToParse(`${name} expects an object, but got a ${typeName(arg)}: ${elementToString(name, arg)}`);
  let input: Evaluator | undefined;
  let unitMs: number | undefined;
  let unitSeen = false;
  for (const key of Object.keys(arg)) {
    if (key === 'input') input = ctx.expressions.parse(arg[key]);
    else if (key === 'unit') {
      if (unitSeen && name === '$integral') throw failedToParse("There can be only one 'unit' field for $integral");
      unitSeen = true;
      unitMs = parseUnitArgument(arg[key]);
    } else throw failedToParse(`${name} got unexpected argument: ${key}`);
  }
  if (!input) throw failedToParse(`${name} requires an 'input' expression`);
  return { input, unitMs, bounds };
}

/** A sortBy value as the x of a rate: dates count in milliseconds. */
export function timeValue(v: unknown): unknown {
  return v instanceof Date ? Long.fromNumber(v.getTime()) : v;
}
