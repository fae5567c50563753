import { type Document } from '../../../bson/index.js';
import { RemovableAvg, RemovableStdDev, RemovableSum, SlidingExtreme } from './removable.js';
import {
  failedToParse, type WindowFunction, type WindowFunctionParser, type WindowParseContext,
} from './window_function.js';
import { accumulatorFunction, covariance, initializedFunction, parseCount } from './accumulators.js';
import { parseDerivative } from './derivative.js';
import { parseExpMovingAvg } from './exp_moving_avg.js';
import { firstLast } from './first_last.js';
import { parseIntegral } from './integral.js';
import { parseLinearFill } from './linear_fill.js';
import { parseLocf } from './locf.js';
import { rankFunction } from './rank.js';
import { parseShift } from './shift.js';

/**
 * Window functions (https://www.mongodb.com/docs/manual/reference/operator/aggregation/setWindowFields/#window-operators):
 * each output field of $setWindowFields computes one value per document of a partition from the documents of its
 * window. Parsing follows mongod's window_function parsers (their codes and messages); the accumulators are those
 * of $group (query/expressions/accumulators.ts), with removable states (removable.ts) for sliding windows.
 */


/** The window functions eddydb runs, by name (sorted). */
const PARSERS: Readonly<Record<string, WindowFunctionParser>> = {
  $addToSet: accumulatorFunction(undefined, true),
  $avg: accumulatorFunction(() => new RemovableAvg()),
  $bottom: initializedFunction,
  $bottomN: initializedFunction,
  $count: parseCount,
  $covariancePop: covariance(false),
  $covarianceSamp: covariance(true),
  $denseRank: rankFunction('dense'),
  $derivative: parseDerivative,
  $documentNumber: rankFunction('number'),
  $expMovingAvg: parseExpMovingAvg,
  $first: firstLast(false),
  $firstN: initializedFunction,
  $integral: parseIntegral,
  $last: firstLast(true),
  $lastN: initializedFunction,
  $linearFill: parseLinearFill,
  $locf: parseLocf,
  $max: accumulatorFunction((collation) => new SlidingExtreme(1, collation)),
  $maxN: initializedFunction,
  $median: initializedFunction,
  $min: accumulatorFunction((collation) => new SlidingExtreme(-1, collation)),
  $minN: initializedFunction,
  $percentile: initializedFunction,
  $push: accumulatorFunction(),
  $rank: rankFunction('rank'),
  $shift: parseShift,
  $stdDevPop: accumulatorFunction(() => new RemovableStdDev(false)),
  $stdDevSamp: accumulatorFunction(() => new RemovableStdDev(true)),
  $sum: accumulatorFunction(() => new RemovableSum()),
  $top: initializedFunction,
  $topN: initializedFunction,
};

/** The window function names eddydb runs, sorted (for scripts/compatibility-table.mjs). */
export function windowFunctionNames(): string[] {
  return Object.keys(PARSERS);
}

function isWindowFunctionName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(PARSERS, name);
}

/**
 * Parses one output field's specification (`{$sum: '$x', window: {...}}`) as mongod's
 * window_function::Expression::parse: the first `$`-prefixed field names the function.
 */
export function parseWindowFunction(spec: Document, stage: Omit<WindowParseContext, 'isFunction'>): WindowFunction {
  const ctx: WindowParseContext = { ...stage, isFunction: isWindowFunctionName };
  const keys = Object.keys(spec);
  for (const key of keys) {
    if (!key.startsWith('$')) continue;
    const parser = Object.prototype.hasOwnProperty.call(PARSERS, key) ? PARSERS[key] : undefined;
    if (!parser) throw failedToParse(`Unrecognized window function, ${key}`);
    return parser(spec, key, ctx);
  }
  throw failedToParse(`Expected a $-prefixed window function${keys.length > 0 ? `, ${keys[0]}` : ''}`);
}

