import { integerArgument } from './limit_skip.js';
import type { StageParser } from './types.js';

/** $skip (https://www.mongodb.com/docs/manual/reference/operator/aggregation/skip/): a non-negative integer. */
export const parseSkip: StageParser = (spec) => {
  const n = integerArgument('$skip', spec);
  return { kind: 'batch', name: '$skip', skipCount: n, run: (docs) => docs.slice(n) };
};
