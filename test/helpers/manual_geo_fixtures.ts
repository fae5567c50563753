/**
 * The MongoDB manual's geospatial examples as fixtures: the `places` collection of the $geoNear and $near pages, and
 * a few restaurants and neighborhoods in the shape of the manual's "Find Restaurants with Geospatial Queries"
 * tutorial. Expected outputs in the tests are the manual's documents and orders; distances are checked against
 * the haversine formula with mongod's earth radius (6378.1 km), computed independently of the code under test.
 */

export const places = [
  { _id: 1, name: 'Central Park', location: { type: 'Point', coordinates: [-73.97, 40.77] }, category: 'Parks' },
  { _id: 2, name: 'Sara D. Roosevelt Park', location: { type: 'Point', coordinates: [-73.9928, 40.7193] }, category: 'Parks' },
  { _id: 3, name: 'Polo Grounds', location: { type: 'Point', coordinates: [-73.9375, 40.8303] }, category: 'Stadiums' },
];

/** Restaurants around lower Manhattan (legacy tutorial shape: GeoJSON points in `location`). */
export const restaurants = [
  { _id: 11, name: 'Morris Park Bake Shop', location: { type: 'Point', coordinates: [-73.856077, 40.848447] } },
  { _id: 12, name: 'Riviera Caterer', location: { type: 'Point', coordinates: [-73.98241999999999, 40.579505] } },
  { _id: 13, name: 'Wendy S', location: { type: 'Point', coordinates: [-73.961704, 40.662942] } },
  { _id: 14, name: 'Dj Reynolds Pub And Restaurant', location: { type: 'Point', coordinates: [-73.98513559999999, 40.7676919] } },
  { _id: 15, name: 'Tov Kosher Kitchen', location: { type: 'Point', coordinates: [-73.8601152, 40.7311739] } },
  { _id: 16, name: 'Brunos On The Boulevard', location: { type: 'Point', coordinates: [-73.8803827, 40.7643124] } },
  { _id: 17, name: 'Kosher Island', location: { type: 'Point', coordinates: [-74.1377286, 40.6119572] } },
];

/** A neighborhood polygon in the tutorial's shape: a quadrilateral over part of Queens. */
export const neighborhood = {
  name: 'Queens East',
  geometry: { type: 'Polygon', coordinates: [[[-73.90, 40.72], [-73.84, 40.72], [-73.84, 40.78], [-73.90, 40.78], [-73.90, 40.72]]] },
};

/** mongod's kRadiusOfEarthInMeters. */
export const EARTH_RADIUS_METERS = 6378.1 * 1000;

/** The great-circle distance in radians between two [lng, lat] pairs, by the haversine formula. */
export function haversine(a: readonly number[], b: readonly number[]): number {
  const rad = Math.PI / 180;
  const dLat = (b[1]! - a[1]!) * rad;
  const dLng = (b[0]! - a[0]!) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1]! * rad) * Math.cos(b[1]! * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * Math.asin(Math.sqrt(h));
}

