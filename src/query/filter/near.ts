import { isDocument } from '../../bson/index.js';
import { mongoError, MongoServerError } from '../../errors/index.js';
import { parseNearQuery, type NearQuery } from '../geo/query.js';
import type { FieldOperatorParser, MatchNode } from './types.js';

/**
 * `$near`, `$nearSphere` (and `$geoNear` in a filter): mongod's GeoNearMatchExpression. It matches every document:
 * the near read (engine/geo_index/) returns only documents within the distances, nearest first, and a query with a
 * near operator is refused where no geo index can serve it.
 */
export class NearNode implements MatchNode {
  constructor(readonly near: NearQuery) {}

  matches(): boolean {
    return true;
  }

  matchesSingleElement(): boolean {
    return true;
  }
}

export const parseNear: FieldOperatorParser = ({ path, context, ctx }) => {
  if (ctx.nearNotAllowed) throw new MongoServerError(ctx.nearNotAllowed.code, ctx.nearNotAllowed.message);
  if (!isDocument(context)) throw mongoError('BadValue', 'geo near query argument is not an object');
  return new NearNode(parseNearQuery(path, context));
};
