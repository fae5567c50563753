import { s2 } from 's2js';

/**
 * Geometries as mongod's GeometryContainer holds them. A legacy coordinate pair is FLAT (x, y on a plane) and can be
 * projected onto the sphere when it is a valid longitude/latitude; GeoJSON is always on the sphere, its edges
 * great-circle arcs. A polygon with the strict-winding CRS is a "big polygon": one loop taken exactly as wound, so it
 * may cover more than a hemisphere.
 */
export type Crs = 'flat' | 'sphere';

/** A point: `x`/`y` as given (longitude/latitude for GeoJSON); `point` on the sphere when it has one. */
export interface PointShape {
  kind: 'point';
  crs: Crs;
  x: number;
  y: number;
  /** The point on the unit sphere: GeoJSON points, and legacy points whose pair is a valid longitude/latitude. */
  point: s2.Point | null;
}

export interface LineShape {
  kind: 'line';
  line: s2.Polyline;
}

export interface PolygonShape {
  kind: 'polygon';
  polygon: s2.Polygon;
}

/** A strict-winding polygon: its one loop, unnormalised (the region on the loop's left). */
export interface BigPolygonShape {
  kind: 'bigPolygon';
  loop: s2.Loop;
}

export interface MultiPointShape {
  kind: 'multiPoint';
  points: s2.Point[];
}

export interface MultiLineShape {
  kind: 'multiLine';
  lines: s2.Polyline[];
}

export interface MultiPolygonShape {
  kind: 'multiPolygon';
  polygons: s2.Polygon[];
}

export interface CollectionShape {
  kind: 'collection';
  members: Shape[];
}

/** `$box`: the flat rectangle between two corners. */
export interface BoxShape {
  kind: 'box';
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** `$polygon`: a flat polygon of legacy points. */
export interface FlatPolygonShape {
  kind: 'flatPolygon';
  points: { x: number; y: number }[];
}

/** `$center`: a flat circle. */
export interface CircleShape {
  kind: 'circle';
  x: number;
  y: number;
  radius: number;
}

/** `$centerSphere`: a spherical cap, its radius in radians. */
export interface CapShape {
  kind: 'cap';
  x: number;
  y: number;
  radius: number;
  cap: s2.Cap;
  center: s2.Point;
}

export type Shape =
  | PointShape
  | LineShape
  | PolygonShape
  | BigPolygonShape
  | MultiPointShape
  | MultiLineShape
  | MultiPolygonShape
  | CollectionShape
  | BoxShape
  | FlatPolygonShape
  | CircleShape
  | CapShape;

/** mongod's isValidLngLat: a pair that can be projected onto the sphere. */
export function isValidLngLat(lng: number, lat: number): boolean {
  return lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180;
}

/** The point on the unit sphere of a (longitude, latitude) pair in degrees, normalised as S2LatLng does. */
export function pointOf(lng: number, lat: number): s2.Point {
  return s2.Point.fromLatLng(s2.LatLng.fromDegrees(lat, lng).normalized());
}
