import { MongoServerError } from '../../errors/index.js';
import { textScoreOf } from '../text/index.js';
import type { OperatorTable } from './types.js';

/** The metadata names `$meta` accepts (mongod's DocumentMetadataFields); any other is 17308. */
export const META_NAMES: ReadonlySet<string> = new Set([
  'textScore', 'randVal', 'searchScore', 'searchHighlights', 'sortKey', 'recordId', 'indexKey', 'geoNearDistance',
  'geoNearPoint', 'searchScoreDetails', 'vectorSearchScore', 'score', 'scoreDetails', 'searchSequenceToken',
]);

/**
 * `$meta` (https://www.mongodb.com/docs/manual/reference/operator/aggregation/meta/): a document's metadata. eddydb
 * keeps the text score of a `$text` query's documents; the other kinds (Atlas Search's, `$geoNear`'s, record ids,
 * index keys) are never set, so they read as missing, as in mongod for a document without them.
 */
export const metaOperators: OperatorTable = {
  $meta(arg) {
    const name = typeof arg === 'string' ? arg : '';
    if (!META_NAMES.has(name)) throw new MongoServerError(17308, `Unsupported argument to $meta: ${String(arg)}`);
    if (name === 'textScore') return (scope) => textScoreOf(scope.root);
    return () => undefined;
  },
};
