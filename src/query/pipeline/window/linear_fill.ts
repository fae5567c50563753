import {
  addNumbers, divideNumbers, isNumeric, multiplyNumbers, subtractNumbers, valuesEqual,
} from '../../../bson/index.js';
import { mongoError, MongoServerError } from '../../../errors/index.js';
import { typeName } from '../../expressions/index.js';
import { isNullish } from '../../expressions/values.js';
import { evaluateAll, parseLeftUnbounded, type WindowFunctionParser } from './window_function.js';
import { timeValue } from './with_unit.js';

/** $linearFill: nulls between two numbers on the sortBy axis become the straight line between them. */
export const parseLinearFill: WindowFunctionParser = (spec, _name, ctx) => {
  const { name, input } = parseLeftUnbounded(spec, ctx);
  if (!ctx.sortBy || ctx.sortBy.size !== 1) {
    throw new MongoServerError(605001, `${name} must be specified with a top level sortBy expression with exactly one element`);
  }
  return {
    name,
    *compute(partition) {
      const n = partition.docs.length;
      const ys = evaluateAll(input, partition);
      const xs = partition.sortValues ?? new Array<unknown>(n).fill(null);
      let previous: unknown = undefined;
      for (let i = 0; i < n; i++) {
        const y = ys[i];
        if (!isNumeric(y) && !isNullish(y)) {
          throw mongoError('TypeMismatch', `Value to be filled must be numeric or nullish, but found ${typeName(y)}`);
        }
        const x = xs[i];
        if (!isNumeric(x) && !(x instanceof Date)) {
          throw mongoError('TypeMismatch', `Value of the sortBy field must be numeric or a date, but found ${typeName(x)}`);
        }
        if (previous !== undefined) {
          if (valuesEqual(previous, x, null)) throw new MongoServerError(6050106, 'There can be no repeated values in the sort field');
          if ((previous instanceof Date) !== (x instanceof Date)) {
            throw mongoError('TypeMismatch', `Conflicting sort value types, previously received type ${typeName(previous)}, but found ${typeName(x)}`);
          }
        }
        previous = x;
      }
      const out: unknown[] = new Array(n).fill(null);
      let left = -1;
      for (let i = 0; i < n; i++) {
        if (!isNullish(ys[i])) {
          out[i] = ys[i];
          left = i;
          continue;
        }
        if (left < 0) continue;
        let right = i + 1;
        while (right < n && isNullish(ys[right])) right++;
        if (right >= n) break;
        const [x1, y1, x2, y2] = [timeValue(xs[left]), ys[left], timeValue(xs[right]), ys[right]];
        for (let k = i; k < right; k++) {
          const slope = divideNumbers(subtractNumbers(y2, y1), subtractNumbers(x2, x1));
          out[k] = addNumbers(y1, multiplyNumbers(subtractNumbers(timeValue(xs[k]), x1), slope));
        }
        i = right - 1;
      }
      yield* out;
    },
  };
};
