import { parseGeoQuery } from '../geo/query.js';
import { GeoNode } from './geoWithin.js';
import type { FieldOperatorParser } from './types.js';

/** `$geoIntersects`: the stored geometry shares a point with the query's GeoJSON geometry, on the sphere. */
export const parseGeoIntersects: FieldOperatorParser = ({ name, path, value }) => new GeoNode(path, parseGeoQuery(name, value));
