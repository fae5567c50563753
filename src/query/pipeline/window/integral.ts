import {
  addNumbers, divideNumbers, isNumeric, multiplyNumbers, subtractNumbers, toNumber, Int32, Long,
} from '../../../bson/index.js';
import { MongoServerError } from '../../../errors/index.js';
import { double } from '../../expressions/values.js';
import { DEFAULT_BOUNDS, isWholePartition, type Endpoints } from './bounds.js';
import { RemovableSum } from './removable.js';
import { endpointsOf, evaluateAll, type WindowFunctionParser } from './window_function.js';
import { parseInputUnit, timeValue } from './with_unit.js';

/** The trapezoid between two points of $integral (0 across a NaN or mixed types, as mongod). */
function trapezoid(x0: unknown, y0: unknown, x1: unknown, y1: unknown): unknown {
  if ([x0, y0, x1, y1].some((v) => isNumeric(v) && Number.isNaN(toNumber(v)))) return new Int32(0);
  const bothDates = x0 instanceof Date && x1 instanceof Date;
  if (!bothDates && !(isNumeric(x0) && isNumeric(x1))) return new Int32(0);
  const delta = subtractNumbers(timeValue(x1), timeValue(x0));
  return divideNumbers(multiplyNumbers(addNumbers(y1, y0), delta), double(2));
}

/**
 * $integral: the area under the input over the sortBy axis by the trapezoidal rule, in `unit`s when the axis is
 * dates; kept as a sliding sum of the trapezoids between neighbours.
 */
export const parseIntegral: WindowFunctionParser = (spec, name, ctx) => {
  const { input, unitMs, bounds } = parseInputUnit(spec, name, ctx, "There can be only one 'window' field for $integral");
  const windowBounds = bounds ?? DEFAULT_BOUNDS;
  const check = (x: unknown, y: unknown): void => {
    if (!isNumeric(y) || !(isNumeric(x) || x instanceof Date)) {
      throw new MongoServerError(5423900, 'The input value of $integral window function must be a vector of 2 value, the first value must be numeric or date type and the second must be numeric.');
    }
    if (unitMs !== undefined && !(x instanceof Date)) {
      throw new MongoServerError(5423901, "$integral with 'outputUnit' expects the sortBy field to be a Date");
    }
    if (unitMs === undefined && !isNumeric(x)) {
      throw new MongoServerError(5423902, "$integral (with no 'outputUnit') expects the sortBy field to be numeric");
    }
  };
  return {
    name,
    *compute(partition) {
      const n = partition.docs.length;
      const xs = partition.sortValues ?? [];
      const ys = evaluateAll(input, partition);
      const endpoints = isWholePartition(windowBounds)
        ? new Array<Endpoints>(n).fill(n > 0 ? [0, n - 1] : null)
        : endpointsOf(windowBounds, partition);
      const isNaNPoint = (k: number): boolean => [xs[k], ys[k]].some((v) => isNumeric(v) && Number.isNaN(toNumber(v)));
      // A sliding sum of the trapezoids between neighbours: the window [lo, hi] holds trapezoids lo .. hi-1.
      const areas = new RemovableSum();
      let lo = -1;
      let hi = -1;
      let nans = 0;
      const valueAt = (ep: Endpoints): unknown => {
        if (!ep) return null;
        if (lo < 0) {
          lo = ep[0];
          hi = ep[0];
          check(xs[lo], ys[lo]);
          if (isNaNPoint(lo)) nans++;
        }
        while (hi < ep[1]) {
          hi++;
          check(xs[hi], ys[hi]);
          if (isNaNPoint(hi)) nans++;
          areas.add(trapezoid(xs[hi - 1], ys[hi - 1], xs[hi], ys[hi]));
        }
        while (lo < ep[0]) {
          if (isNaNPoint(lo)) nans--;
          areas.remove(trapezoid(xs[lo], ys[lo], xs[lo + 1], ys[lo + 1]));
          lo++;
        }
        if (nans > 0) return double(NaN);
        const total = areas.result();
        return unitMs === undefined ? total : divideNumbers(total, Long.fromNumber(unitMs));
      };
      for (const ep of endpoints) yield valueAt(ep);
    },
  };
};
