import { divideNumbers, isNumeric, multiplyNumbers, subtractNumbers, toNumber, Long } from '../../../bson/index.js';
import { MongoServerError } from '../../../errors/index.js';
import { typeName } from '../../expressions/index.js';
import { isNullish } from '../../expressions/values.js';
import { type Endpoints } from './bounds.js';
import { endpointsOf, failedToParse, type WindowFunctionParser } from './window_function.js';
import { parseInputUnit, timeValue } from './with_unit.js';

/**
 * $derivative: the rate of change between the first and last documents of the window, rise over run on the sortBy
 * axis (per `unit` when the axis is dates); null for a window of one point in time.
 */
export const parseDerivative: WindowFunctionParser = (spec, name, ctx) => {
  const { input, unitMs, bounds } = parseInputUnit(spec, name, ctx, `saw multiple 'window' fields in '${name}' expression`);
  if (!bounds) throw failedToParse('$derivative requires explicit window bounds');
  return {
    name,
    *compute(partition) {
      const endpoints = endpointsOf(bounds, partition);
      const times = partition.sortValues ?? [];
      const valueAt = (ep: Endpoints): unknown => {
        if (!ep) return null;
        const [l, r] = ep;
        const leftTime = times[l];
        const rightTime = times[r];
        if (unitMs !== undefined) {
          if (!(leftTime instanceof Date) || !(rightTime instanceof Date)) {
            throw new MongoServerError(5624900, "$derivative with 'unit' expects the sortBy field to be a Date");
          }
        } else {
          if (leftTime instanceof Date || rightTime instanceof Date) {
            throw new MongoServerError(5624901, "$derivative where the sortBy is a Date requires an 'unit'");
          }
          if (!isNumeric(leftTime) || !isNumeric(rightTime)) {
            throw new MongoServerError(5624902, "$derivative (with no 'unit') expects the sortBy field to be numeric");
          }
        }
        const run = subtractNumbers(timeValue(rightTime), timeValue(leftTime));
        const top = input(partition.scopes[r]!);
        const bottom = input(partition.scopes[l]!);
        if (isNullish(top) || isNullish(bottom)) throw new MongoServerError(5624903, '$derivative input must not be null or missing');
        const rise = difference(top, bottom);
        if (toNumber(run) === 0) return null;
        if (!isNumeric(rise)) throw new MongoServerError(16609, `$divide only supports numeric types, not ${typeName(rise)} and ${typeName(run)}`);
        const rate = divideNumbers(rise, run);
        return unitMs === undefined ? rate : multiplyNumbers(rate, Long.fromNumber(unitMs));
      };
      for (const ep of endpoints) yield valueAt(ep);
    },
  };
};

/** `a - b` as $subtract computes it for $derivative's rise (two dates give milliseconds), with its errors. */
function difference(a: unknown, b: unknown): unknown {
  if (isNumeric(a) && isNumeric(b)) return subtractNumbers(a, b);
  if (a instanceof Date) {
    if (b instanceof Date) return Long.fromNumber(a.getTime() - b.getTime());
    if (isNumeric(b)) return new Date(a.getTime() - Math.trunc(toNumber(b)));
    throw new MongoServerError(16613, `cant $subtract a ${typeName(b)} from a Date`);
  }
  throw new MongoServerError(16556, `cant $subtract a ${typeName(b)} from a ${typeName(a)}`);
}
