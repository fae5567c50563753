import { DEFAULT_BOUNDS, isWholePartition } from './bounds.js';
import { endpointsOf, ownArguments, type WindowFunctionParser } from './window_function.js';

/** $first/$last: the input evaluated at one end of the window; null for an empty window. */
export function firstLast(last: boolean): WindowFunctionParser {
  return (spec, name, ctx) => {
    const { arg, bounds } = ownArguments(spec, name, ctx, `saw multiple 'window' fields in '${name}' expression`);
    const ev = ctx.expressions.parse(arg);
    const windowBounds = bounds ?? DEFAULT_BOUNDS;
    return {
      name,
      *compute(partition) {
        const n = partition.docs.length;
        const endpoints = isWholePartition(windowBounds) ? undefined : endpointsOf(windowBounds, partition);
        for (let i = 0; i < n; i++) {
          const ep = endpoints ? endpoints[i]! : ([0, n - 1] as const);
          yield ep ? ev(partition.scopes[last ? ep[1] : ep[0]]!) : null;
        }
      },
    };
  };
}
