import { isDocument, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { compileSortKeys, sortByKeys } from '../sort.js';
import type { StageParser } from './types.js';

/**
 * $sort (https://www.mongodb.com/docs/manual/reference/operator/aggregation/sort/): a stable sort with the query
 * sort comparator (MongoDB's type order, arrays by their min/max element, the pipeline's collation).
 */
export const parseSort: StageParser = (spec, ctx) => {
  if (!isDocument(spec)) throw new MongoServerError(15973, 'the $sort key specification must be an object');
  if (Object.keys(spec).length === 0) throw new MongoServerError(15976, '$sort stage must have at least one sort key');
  const sortKeys = compileSortKeys(spec, ctx.collation ?? undefined, { textScore: ctx.textScore === true });
  return {
    kind: 'batch',
    name: '$sort',
    sortKeys,
    // Array.prototype.sort is stable, so equal keys keep their input order.
    run: (docs: Document[]) => sortByKeys(docs, sortKeys, (d) => d),
  };
};
