import { isNullish } from '../../expressions/values.js';
import { parseLeftUnbounded, type WindowFunctionParser } from './window_function.js';

/** $locf: the last non-null value so far in the partition, null before the first. */
export const parseLocf: WindowFunctionParser = (spec, _name, ctx) => {
  const { name, input } = parseLeftUnbounded(spec, ctx);
  return {
    name,
    *compute(partition) {
      let last: unknown = null;
      for (const scope of partition.scopes) {
        const v = input(scope);
        if (!isNullish(v)) last = v;
        yield last;
      }
    },
  };
};
