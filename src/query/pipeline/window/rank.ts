import { isDocument } from '../../../bson/index.js';
import { MongoServerError } from '../../../errors/index.js';
import { intOrLong } from '../../expressions/values.js';
import { type WindowFunctionParser } from './window_function.js';

/** $rank, $denseRank, $documentNumber: positions in the sortBy order (mongod's ExpressionFromRankAccumulator). */
export function rankFunction(kind: 'rank' | 'dense' | 'number'): WindowFunctionParser {
  return (spec, name, ctx) => {
    if (Object.keys(spec).length !== 1) throw new MongoServerError(5371601, 'Rank style window functions take no other arguments');
    const arg = spec[name];
    if (!isDocument(arg) || Object.keys(arg).length !== 0) {
      throw new MongoServerError(5371603, `${name} must be specified with '{}' as the value`);
    }
    if (!ctx.sortBy || ctx.sortBy.size !== 1) {
      throw new MongoServerError(5371602, `${name} must be specified with a top level sortBy expression with exactly one element`);
    }
    return {
      name,
      *compute(partition) {
        let rank = 0;
        let dense = 0;
        for (let i = 0; i < partition.docs.length; i++) {
          if (i === 0 || kind === 'number' || !partition.sameSortKey(i - 1, i)) {
            rank = i + 1;
            dense++;
          }
          yield intOrLong(kind === 'dense' ? dense : rank);
        }
      },
    };
  };
}
