import { parseGeoQuery, type GeoQuery } from '../geo/query.js';
import { intersectsSphere, within } from '../geo/relations.js';
import { storedGeometry } from '../geo/stored.js';
import { PathNode } from './node.js';
import type { FieldOperatorParser } from './types.js';

/** `$geoWithin` (and its old name `$within`) and `$geoIntersects`: mongod's GeoMatchExpression. */
export class GeoNode extends PathNode {
  constructor(
    path: string,
    readonly query: GeoQuery,
  ) {
    super(path);
  }

  matchesSingleElement(value: unknown): boolean {
    const shape = storedGeometry(value);
    if (!shape) return false;
    return this.query.predicate === 'within' ? within(shape, this.query.shape) : intersectsSphere(shape, this.query.shape);
  }
}

export const parseGeoWithin: FieldOperatorParser = ({ name, path, value }) => new GeoNode(path, parseGeoQuery(name, value));
