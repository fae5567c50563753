import { bsonTypeOf, isNumeric, toNumber } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { formatValue } from '../expressions/index.js';

/** The integer argument of $limit/$skip (mongod's parseIntegerElementToNonNegativeLong, with its errors). */
export function integerArgument(stage: '$limit' | '$skip', spec: unknown): number {
  if (!isNumeric(spec)) {
    if (stage === '$limit') throw new MongoServerError(15957, 'the limit must be specified as a number');
    throw new MongoServerError(15972, 'Argument to $skip must be a number');
  }
  const n = toNumber(spec);
  const code = stage === '$limit' ? 5107201 : 5107200;
  if (!Number.isInteger(n)) {
    throw new MongoServerError(code, `invalid argument to ${stage} stage: Expected an integer: ${stage}: ${formatValue(spec)}`);
  }
  if (n < 0) {
    throw new MongoServerError(code, `invalid argument to ${stage} stage: Expected a non-negative number in: ${stage}: ${formatValue(spec)}`);
  }
  if (bsonTypeOf(spec) === 'decimal' && !Number.isSafeInteger(n)) {
    throw new MongoServerError(code, `invalid argument to ${stage} stage: Cannot represent as a 64-bit integer: ${stage}: ${formatValue(spec)}`);
  }
  return n;
}
