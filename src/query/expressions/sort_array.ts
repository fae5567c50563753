import { compareValues, isDocument, isNumeric, toNumber, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { compileSortKeys } from '../sort.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { isNullish, typeName } from './values.js';

/**
 * $sortArray (https://www.mongodb.com/docs/manual/reference/operator/aggregation/sortArray/): a stable sort of an
 * array, either of its values in BSON order (`sortBy: 1` or `-1`) or of its documents by a sort document, which
 * orders them as $sort orders documents (an array field by its least or greatest element, missing as null). The
 * aggregation's collation applies.
 */

function parseSortArray(arg: unknown, ctx: ParseContext): Evaluator {
  if (!isDocument(arg)) throw new MongoServerError(2942500, `$sortArray requires an object as an argument, found: ${typeName(arg)}`);
  for (const key of Object.keys(arg)) {
    if (key !== 'input' && key !== 'sortBy') throw new MongoServerError(2942501, `$sortArray found an unknown argument: ${key}`);
  }
  if (!('input' in arg)) throw new MongoServerError(2942502, "$sortArray requires 'input' to be specified");
  if (!('sortBy' in arg)) throw new MongoServerError(2942503, "$sortArray requires 'sortBy' to be specified");
  const input = ctx.parse(arg.input);
  const collation = ctx.collation;
  const compare = comparatorFor(arg.sortBy, ctx);
  return (scope) => {
    const v = input(scope);
    if (isNullish(v)) return null;
    if (!Array.isArray(v)) {
      throw new MongoServerError(2942504, `The input argument to $sortArray must be an array, but was of type: ${typeName(v)}`);
    }
    return compare(v, collation);
  };
}

type ArraySorter = (values: readonly unknown[], collation: ParseContext['collation']) => unknown[];

function comparatorFor(sortBy: unknown, ctx: ParseContext): ArraySorter {
  if (isDocument(sortBy)) {
    const keys = compileSortKeys(sortBy, ctx.collation);
    // A value that is not a document has none of the sort fields, so it sorts as a document missing them.
    const noFields = keys.keysOf({});
    return (values) => {
      const keyed = values.map((value) => ({ value, keys: isDocument(value) ? keys.keysOf(value as Document) : noFields }));
      keyed.sort((a, b) => keys.compareKeys(a.keys, b.keys));
      return keyed.map((k) => k.value);
    };
  }
  if (!isNumeric(sortBy) || (toNumber(sortBy) !== 1 && toNumber(sortBy) !== -1)) {
    throw new MongoServerError(2942506, 'The $sort element value must be either 1 or -1');
  }
  const direction = toNumber(sortBy);
  return (values, collation) => [...values].sort((a, b) => compareValues(a, b, collation) * direction);
}

export const sortArrayOperators: OperatorTable = {
  $sortArray: parseSortArray,
};
