import { bsonTypeOf, calculateObjectSize, isDocument, type Binary } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { fixedArgs } from './args.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { int32, isNullish, typeName } from './values.js';

/**
 * Data size operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/#data-size-operators):
 * the BSON size of a document and the byte length of a string or binary value, as ints.
 */

function parseBsonSize(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [ev] = fixedArgs(name, arg, ctx, 1);
  return (scope) => {
    const v = ev!(scope);
    if (isNullish(v)) return null;
    if (!isDocument(v)) throw new MongoServerError(31393, `$bsonSize requires a document input, found: ${typeName(v)}`);
    return int32(calculateObjectSize(v));
  };
}

function parseBinarySize(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [ev] = fixedArgs(name, arg, ctx, 1);
  return (scope) => {
    const v = ev!(scope);
    if (isNullish(v)) return null;
    if (typeof v === 'string') return int32(Buffer.byteLength(v, 'utf8'));
    if (bsonTypeOf(v) === 'binData') return int32((v as Binary).length());
    throw new MongoServerError(51276, `$binarySize requires a string or BinData argument, found: ${typeName(v)}`);
  };
}

export const dataSizeOperators: OperatorTable = {
  $binarySize: parseBinarySize,
  $bsonSize: parseBsonSize,
};
