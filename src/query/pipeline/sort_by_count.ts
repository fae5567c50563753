import { compareValues, isDocument, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { groupChunks, parseGroupSpec, runGroup } from './group.js';
import { sortedChunks } from './stream.js';
import type { SortKeys } from '../sort.js';

const byCount = (a: Document, b: Document): number => compareValues(b.count, a.count);
const countKeys: SortKeys = { keysOf: (doc) => [doc.count], compareKeys: (a, b) => compareValues(b[0], a[0]) };
import type { StageParser } from './types.js';

/**
 * $sortByCount (https://www.mongodb.com/docs/manual/reference/operator/aggregation/sortByCount/): $group by the
 * expression with `count: {$sum: 1}`, then the largest counts first (ties keep first-seen order).
 */
const SHAPE = 'the sortByCount field must be defined as a $-prefixed path or an expression inside an object';

export const parseSortByCount: StageParser = (spec, ctx) => {
  if (isDocument(spec)) {
    if (!(Object.keys(spec)[0] ?? '').startsWith('$')) throw new MongoServerError(40147, SHAPE);
  } else if (typeof spec === 'string') {
    if (!spec.startsWith('$')) throw new MongoServerError(40148, SHAPE);
  } else {
    throw new MongoServerError(40149, 'the sortByCount field must be specified as a string or as an object');
  }
  const group = parseGroupSpec({ _id: spec, count: { $sum: 1 } }, ctx);
  return {
    kind: 'batch',
    name: '$sortByCount',
    run: (docs, runtime) => runGroup(group, docs, runtime, ctx).sort(byCount),
    stream: (input, runtime, control) => sortedChunks(groupChunks(group, input, runtime, ctx, control), countKeys, control),
  };
};
