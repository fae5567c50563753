import { MongoServerError } from '../../errors/index.js';
import type { StageParser } from './types.js';
import { Int32, setField } from '../../bson/index.js';

/**
 * $count (https://www.mongodb.com/docs/manual/reference/operator/aggregation/count/): one document
 * `{<name>: <count>}`, or nothing for an empty input (it is $group + $project underneath in mongod).
 */
export const parseCount: StageParser = (spec) => {
  if (typeof spec !== 'string') throw new MongoServerError(40156, 'the count field must be a non-empty string');
  if (spec.length === 0) throw new MongoServerError(40157, 'the count field must be a non-empty string');
  if (spec.startsWith('$')) throw new MongoServerError(40158, 'the count field cannot be a $-prefixed path');
  if (spec.includes('\0')) throw new MongoServerError(40159, 'the count field cannot contain a null byte');
  if (spec.includes('.')) throw new MongoServerError(40160, "the count field cannot contain '.'");
  return {
    kind: 'batch',
    name: '$count',
    countField: spec,
    run(docs) {
      if (docs.length === 0) return [];
      const out: Record<string, unknown> = {};
      setField(out, spec, new Int32(docs.length));
      return [out];
    },
  };
};
