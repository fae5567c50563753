/**
 * Geospatial queries through the official driver against the wire server: the MongoDB manual's examples on the
 * `places` and restaurants fixtures, big polygons with the strict-winding CRS, explain of $near and $geoNear, cursors
 * across getMore in distance order, and the errors mongod answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db, Document, MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { EARTH_RADIUS_METERS, haversine, neighborhood, places, restaurants } from '../../helpers/manual_geo_fixtures.js';
import { prng } from '../../helpers/random.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

describe('geospatial queries through the official driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  let db: Db;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    db = client.db('geo');
    await db.collection('places').insertMany(places.map((p): Document => ({ ...p })));
    await db.collection('places').createIndex({ location: '2dsphere' });
    await db.collection('restaurants').insertMany(restaurants.map((r): Document => ({ ...r })));
    await db.collection('restaurants').createIndex({ location: '2dsphere' });
    await db.collection('neighborhoods').insertOne({ ...neighborhood });
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test("the manual's $near: within 1000 to 5000 meters, nearest first", async () => {
    const found = await db.collection('places').find({ location: { $near: { $geometry: { type: 'Point', coordinates: [-73.9667, 40.78] }, $minDistance: 1000, $maxDistance: 5000 } } }).toArray();
    assert.deepEqual(found.map((d) => d.name), ['Central Park']);
  });

  test("the tutorial's restaurants: the neighborhood a point is in, the restaurants in it, those within five miles sorted", async () => {
    const here = { type: 'Point', coordinates: [-73.87, 40.75] };
    const hood = await db.collection('neighborhoods').findOne({ geometry: { $geoIntersects: { $geometry: here } } });
    assert.equal(hood?.name, 'Queens East');
    const inside = await db.collection('restaurants').find({ location: { $geoWithin: { $geometry: hood!.geometry } } }).sort({ _id: 1 }).toArray();
    assert.deepEqual(inside.map((r) => r.name), ['Tov Kosher Kitchen', 'Brunos On The Boulevard']);
    const METERS_PER_MILE = 1609.34;
    const sorted = await db.collection('restaurants').find({ location: { $nearSphere: { $geometry: here, $maxDistance: 5 * METERS_PER_MILE } } }).toArray();
    const expected = restaurants
      .map((r) => ({ name: r.name, d: haversine(here.coordinates, r.location.coordinates) * EARTH_RADIUS_METERS }))
      .filter((r) => r.d <= 5 * METERS_PER_MILE)
      .sort((a, b) => a.d - b.d)
      .map((r) => r.name);
    assert.deepEqual(sorted.map((r) => r.name), expected);
    const unsorted = await db.collection('restaurants').find({ location: { $geoWithin: { $centerSphere: [[-73.87, 40.75], 5 / 3963.2] } } }).sort({ _id: 1 }).toArray();
    assert.deepEqual(unsorted.map((r) => r.name).sort(), [...expected].sort());
  });

  test('a big polygon with the strict-winding CRS covers more than a hemisphere', async () => {
    const crs = { type: 'name', properties: { name: 'urn:x-mongodb:crs:strictwinding:EPSG:4326' } };
    const band = [[-100, -60], [-100, 60], [-60, 60], [-60, -60], [-100, -60]];
    // Clockwise as written (north, east, south, west): the region on its left is the whole globe but the band around
    // New York's longitude, so no restaurant is in it.
    const outside = await db.collection('restaurants').find({ location: { $geoWithin: { $geometry: { type: 'Polygon', coordinates: [band], crs } } } }).toArray();
    assert.equal(outside.length, 0);
    // Counterclockwise: the band itself, holding every restaurant.
    const inside = await db.collection('restaurants').find({ location: { $geoWithin: { $geometry: { type: 'Polygon', coordinates: [[...band].reverse()], crs } } } }).toArray();
    assert.equal(inside.length, restaurants.length);
    // The same clockwise ring without the CRS is the small polygon (mongod takes the smaller side).
    const plain = await db.collection('restaurants').find({ location: { $geoWithin: { $geometry: { type: 'Polygon', coordinates: [band] } } } }).toArray();
    assert.equal(plain.length, restaurants.length);
    await rejectsWith(db.collection('restaurants').find({ location: { $geoIntersects: { $geometry: { type: 'Point', coordinates: [0, 0], crs } } } }).toArray(), 2, { message: 'Strict winding order CRS is only supported by polygon' });
  });

  test('explain: GEO_NEAR_2DSPHERE for $near, $geoNearCursor for $geoNear, IXSCAN for $geoWithin', async () => {
    const near = await db.collection('places').find({ location: { $near: { $geometry: { type: 'Point', coordinates: [-73.9667, 40.78] } } } }).explain('executionStats');
    assert.equal(near.queryPlanner.winningPlan.inputStage.stage, 'GEO_NEAR_2DSPHERE');
    assert.equal(near.queryPlanner.winningPlan.inputStage.indexName, 'location_2dsphere');
    assert.equal(near.executionStats.nReturned, 3);
    const agg = await db.collection('places').aggregate([{ $geoNear: { near: { type: 'Point', coordinates: [-73.9667, 40.78] }, distanceField: 'd' } }, { $limit: 2 }]).explain('queryPlanner');
    const stages = agg.stages as Document[];
    assert.equal(stages[0]!.$geoNearCursor.queryPlanner.winningPlan.inputStage.stage, 'GEO_NEAR_2DSPHERE');
    assert.deepEqual(Object.keys(stages[1]!), ['$limit']);
    const within = await db.collection('restaurants').find({ location: { $geoWithin: { $geometry: neighborhood.geometry } } }).explain();
    assert.equal(within.queryPlanner.winningPlan.inputStage.stage, 'IXSCAN');
  });

  test('a near cursor keeps its distance order across getMore batches', async () => {
    const coll = db.collection('many');
    const random = prng(5);
    const docs = Array.from({ length: 700 }, (_, i) => ({ _id: i, p: { type: 'Point', coordinates: [random() * 40 - 20, random() * 40 - 20] } }));
    await coll.insertMany(docs.map((d): Document => ({ ...d })));
    await coll.createIndex({ p: '2dsphere' });
    const center = [1, 1];
    const got = await coll.find({ p: { $nearSphere: { $geometry: { type: 'Point', coordinates: center } } } }, { batchSize: 50 }).toArray();
    const expected = docs.map((d) => ({ id: d._id, d: haversine(center, d.p.coordinates) })).sort((a, b) => a.d - b.d || a.id - b.id).map((e) => e.id);
    assert.deepEqual(got.map((d) => d._id), expected);
  });

  test("mongod's errors: no index, bad geometry, bad operands", async () => {
    await db.collection('bare').insertOne({ loc: [1, 1] });
    await rejectsWith(db.collection('bare').find({ loc: { $near: [0, 0] } }).toArray(), 291, { codeName: 'NoQueryExecutionPlans' });
    await rejectsWith(db.collection('places').insertOne({ location: { type: 'LineString', coordinates: [[0, 0]] } }), 16755, { message: /^Can't extract geo keys: .*GeoJSON LineString must have at least 2 vertices/ });
    await rejectsWith(db.collection('places').find({ location: { $geoWithin: { $geometry: { type: 'Point', coordinates: [0, 0] } } } }).toArray(), 2, { message: /^\$geoWithin not supported with provided geometry/ });
    await rejectsWith(db.collection('places').find({ location: { $near: { $geometry: { type: 'Point', coordinates: [0, 100] } } } }).toArray(), 2, { message: /^invalid point in geo near query \$geometry argument: .*Longitude\/latitude is out of bounds/ });
    await rejectsWith(db.collection('places').countDocuments({ location: { $near: { $geometry: { type: 'Point', coordinates: [0, 0] } } } }), 5626500);
  });
});
