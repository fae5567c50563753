import { bsonTypeOf, Binary } from '../../bson/index.js';
import { mongoError, MongoServerError } from '../../errors/index.js';
import { parseArgs } from './args.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { isNullish, typeName } from './values.js';

/**
 * $toUUID (https://www.mongodb.com/docs/manual/reference/operator/aggregation/toUUID/): a UUID string
 * ("123e4567-e89b-12d3-a456-426614174000", either case) to BinData subtype 4; a UUID stays as it is. It is mongod's
 * `$convert` to `{type: "binData", subtype: 4}`, so what cannot convert is ConversionFailure (241).
 */

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_SUBTYPE = 4;

function toUuid(v: unknown): unknown {
  if (typeof v === 'string') {
    if (!UUID_PATTERN.test(v)) {
      throw mongoError('ConversionFailure', `Failed to parse BinData '${v}' in $convert with no onError value: Invalid UUID string: ${v}`);
    }
    return new Binary(Buffer.from(v.replace(/-/g, ''), 'hex'), UUID_SUBTYPE);
  }
  if (bsonTypeOf(v) === 'binData' && (v as Binary).sub_type === UUID_SUBTYPE) return v;
  throw mongoError('ConversionFailure', `Unsupported conversion from ${typeName(v)} to binData in $convert with no onError value`);
}

function parseToUuid(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const args = parseArgs(arg, ctx);
  if (args.length !== 1) throw new MongoServerError(50723, `${name} requires a single argument, got ${args.length}`);
  const ev = args[0]!;
  return (scope) => {
    const v = ev(scope);
    return isNullish(v) ? null : toUuid(v);
  };
}

export const uuidOperators: OperatorTable = {
  $toUUID: parseToUuid,
};
