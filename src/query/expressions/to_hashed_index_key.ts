import { hashedKeyValue } from '../../bson/index.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';

/**
 * $toHashedIndexKey (https://www.mongodb.com/docs/manual/reference/operator/aggregation/toHashedIndexKey/): the
 * key a hashed index stores for the value, the same Long eddydb's hashed indexes hold (a missing value hashes as
 * null, as an index entry for a document without the field does).
 */
function parseToHashedIndexKey(arg: unknown, ctx: ParseContext): Evaluator {
  const ev = ctx.parse(arg);
  return (scope) => hashedKeyValue(ev(scope));
}

export const hashedKeyOperators: OperatorTable = {
  $toHashedIndexKey: parseToHashedIndexKey,
};
