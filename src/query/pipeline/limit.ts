import { MongoServerError } from '../../errors/index.js';
import { integerArgument } from './limit_skip.js';
import type { StageParser } from './types.js';

/** $limit (https://www.mongodb.com/docs/manual/reference/operator/aggregation/limit/): a positive integer. */
export const parseLimit: StageParser = (spec) => {
  const n = integerArgument('$limit', spec);
  if (n <= 0) throw new MongoServerError(15958, 'the limit must be positive');
  return { kind: 'batch', name: '$limit', limitCount: n, run: (docs) => docs.slice(0, n) };
};
