import { bsonTypeOf } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { fixedArgs } from './args.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { isNullish, long, typeName } from './values.js';

/**
 * Timestamp operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/tsSecond/): the seconds
 * and increment halves of a BSON Timestamp, as longs.
 */

function timestampPart(code: number, pick: (t: { t: number; i: number }) => number) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const [ev] = fixedArgs(name, arg, ctx, 1);
    return (scope) => {
      const v = ev!(scope);
      if (isNullish(v)) return null;
      if (bsonTypeOf(v) !== 'timestamp') {
        throw new MongoServerError(code, `Argument to ${name} must be a timestamp, but is ${typeName(v)}`);
      }
      const ts = v as { t?: number; i?: number; high?: number; low?: number };
      return long(pick({ t: ts.t ?? (ts.high ?? 0) >>> 0, i: ts.i ?? (ts.low ?? 0) >>> 0 }));
    };
  };
}

export const timestampOperators: OperatorTable = {
  $tsIncrement: timestampPart(5687302, (t) => t.i),
  $tsSecond: timestampPart(5687301, (t) => t.t),
};
