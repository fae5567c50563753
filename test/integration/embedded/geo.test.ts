// Geospatial queries and indexes through the embedded client, on every storage mode: 2dsphere and 2d indexes,
// $geoWithin/$geoIntersects with and without an index (the same documents either way), $near/$nearSphere in exact
// distance order through the index, $geoNear with the manual's examples, and mongod's errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { modes, openClient } from '../../helpers/embedded.js';
import { EARTH_RADIUS_METERS, haversine, neighborhood, places, restaurants } from '../../helpers/manual_geo_fixtures.js';
import { prng } from '../../helpers/random.js';
import type { Client } from '../../../src/index.js';

async function withClient(mode: Parameters<typeof openClient>[0], fn: (client: Client) => Promise<void>): Promise<void> {
  const { client, cleanup } = await openClient(mode);
  try {
    await fn(client);
  } finally {
    await cleanup();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;
const names = (docs: { name?: unknown }[]) => docs.map((d) => d.name);

for (const mode of modes()) {
  describe(`geospatial (${mode})`, () => {
    it("the manual's places: $near and $nearSphere with distances, nearest first", async () => {
      await withClient(mode, async (client) => {
        const c = client.db('geo').collection('places');
        await c.insertMany(places.map((p) => ({ ...p })));
        assert.equal(await c.createIndex({ location: '2dsphere' }), 'location_2dsphere');
        const indexes = await c.listIndexes().toArray();
        assert.deepEqual(indexes[1], { v: 2, key: { location: '2dsphere' }, name: 'location_2dsphere', '2dsphereIndexVersion': 3 });
        const from = { type: 'Point', coordinates: [-73.9667, 40.78] };
        // The manual: at least 1000 m and at most 5000 m from the point, nearest to farthest.
        assert.deepEqual(names(await c.find({ location: { $near: { $geometry: from, $minDistance: 1000, $maxDistance: 5000 } } }).toArray()), ['Central Park']);
        assert.deepEqual(names(await c.find({ location: { $nearSphere: { $geometry: from } } }).toArray()), ['Central Park', 'Polo Grounds', 'Sara D. Roosevelt Park']);
        // A legacy pair with $nearSphere measures in radians.
        const legacy = await c.find({ location: { $nearSphere: [-73.9667, 40.78], $maxDistance: 0.0002 } }).toArray();
        assert.deepEqual(names(legacy), ['Central Park']);
        // With a sort, the near order gives way to it.
        assert.deepEqual(names(await c.find({ location: { $near: { $geometry: from } } }).sort({ name: 1 }).toArray()), ['Central Park', 'Polo Grounds', 'Sara D. Roosevelt Park']);
        assert.deepEqual(names(await c.find({ location: { $near: { $geometry: from } }, category: 'Parks' }).limit(1).toArray()), ['Central Park']);
      });
    });

    it("the manual's $geoNear examples: maxDistance, minDistance, key, includeLocs, distanceMultiplier", async () => {
      await withClient(mode, async (client) => {
        const c = client.db('geo').collection('places');
        await c.insertMany(places.map((p) => ({ ...p })));
        await c.createIndex({ location: '2dsphere' });
        const near = { type: 'Point', coordinates: [-73.99279, 40.719296] };
        const max: Doc[] = await c.aggregate([{ $geoNear: { near, distanceField: 'dist.calculated', maxDistance: 2, query: { category: 'Parks' }, includeLocs: 'dist.location', spherical: true } }]).toArray();
        assert.equal(max.length, 1);
        assert.equal(max[0]!.name, 'Sara D. Roosevelt Park');
        assert.deepEqual(max[0]!.dist.location, places[1]!.location);
        const expected = haversine(near.coordinates, places[1]!.location.coordinates) * EARTH_RADIUS_METERS;
        assert.ok(Math.abs(max[0]!.dist.calculated - expected) < 1e-6, `${max[0]!.dist.calculated} vs ${expected}`);
        const min = await c.aggregate([{ $geoNear: { near, distanceField: 'dist.calculated', minDistance: 2, query: { category: 'Parks' }, includeLocs: 'dist.location', spherical: true } }]).toArray();
        assert.deepEqual(names(min), ['Central Park']);
        const keyed = await c.aggregate([{ $geoNear: { near: { type: 'Point', coordinates: [-73.98142, 40.71782] }, key: 'location', distanceField: 'dist.calculated', query: { category: 'Parks' } } }, { $limit: 5 }]).toArray();
        assert.deepEqual(names(keyed), ['Sara D. Roosevelt Park', 'Central Park']);
        const km: Doc[] = await c.aggregate([{ $geoNear: { near, distanceField: 'km', distanceMultiplier: 0.001 } }, { $project: { _id: 0, name: 1, km: 1 } }]).toArray();
        assert.deepEqual(names(km), ['Sara D. Roosevelt Park', 'Central Park', 'Polo Grounds']);
        for (const doc of km) {
          const p = places.find((x) => x.name === doc.name)!;
          assert.ok(Math.abs(doc.km - (haversine(near.coordinates, p.location.coordinates) * EARTH_RADIUS_METERS) / 1000) < 1e-9);
        }
      });
    });

    it('$geoNear errors: options, position, the index to use', async () => {
      await withClient(mode, async (client) => {
        const c = client.db('geo').collection('places');
        await c.insertMany(places.map((p) => ({ ...p })));
        const run = (pipeline: Doc[]) => c.aggregate(pipeline).toArray();
        await assert.rejects(run([{ $geoNear: { near: [0, 0], distanceField: 'd' } }]), { code: 27, message: '$geoNear requires a 2d or 2dsphere index, but none were found' });
        await c.createIndex({ location: '2dsphere' });
        await c.createIndex({ other: '2dsphere' });
        await assert.rejects(run([{ $geoNear: { near: [0, 0], distanceField: 'd', spherical: true } }]), { code: 27, message: 'There is more than one 2dsphere index on geo.places; unsure which to use for $geoNear' });
        await assert.rejects(run([{ $geoNear: { distanceField: 'd' } }]), { code: 5860400 });
        await assert.rejects(run([{ $geoNear: { near: [0, 0] } }]), { code: 16606 });
        await assert.rejects(run([{ $geoNear: { near: [0, 0], distanceField: 'd', limit: 5 } }]), { code: 50858 });
        await assert.rejects(run([{ $geoNear: { near: [0, 0], distanceField: 'd', maxDistance: -1 } }]), { code: 2, message: 'maxDistance must be nonnegative' });
        await assert.rejects(run([{ $geoNear: { near: [0, 0], distanceField: 'd', key: 1 } }]), { code: 14 });
        await assert.rejects(run([{ $geoNear: { near: 'x', distanceField: 'd', key: 'location' } }]), { code: 5860401 });
        await assert.rejects(run([{ $match: {} }, { $geoNear: { near: [0, 0], distanceField: 'd' } }]), { code: 40602 });
        // A legacy pair without spherical is a flat query, which no 2dsphere index serves.
        await assert.rejects(run([{ $geoNear: { near: [0, 0], distanceField: 'd', key: 'location' } }]), { code: 291 });
        await assert.rejects(run([{ $match: { location: { $near: [0, 0] } } }]), { code: 5626500 });
      });
    });

    it('$near needs a geo index (291); bad geometry is refused on insert and at index build (16755)', async () => {
      await withClient(mode, async (client) => {
        const c = client.db('geo').collection('r');
        await c.insertMany(restaurants.map((r) => ({ ...r })));
        const near = { location: { $near: { $geometry: { type: 'Point', coordinates: [-73.93, 40.82] } } } };
        await assert.rejects(c.find(near).toArray(), { code: 291, codeName: 'NoQueryExecutionPlans', message: /unable to find index for \$geoNear query/ });
        await c.insertOne({ _id: 99, location: { type: 'Point', coordinates: [200, 0] } });
        await assert.rejects(c.createIndex({ location: '2dsphere' }), { code: 16755, message: /^Can't extract geo keys: .*Longitude\/latitude is out of bounds, lng: 200 lat: 0/ });
        await c.deleteOne({ _id: 99 });
        await c.createIndex({ location: '2dsphere' });
        await assert.rejects(c.insertOne({ _id: 100, location: { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [0, 0]]] } }), { code: 16755 });
        await assert.rejects(c.insertOne({ _id: 101, location: 'nowhere' }), { code: 16755, message: /geo element must be an array or object/ });
        // No geometry at all: not indexed, not refused.
        await c.insertOne({ _id: 102, name: 'no location' });
        assert.equal((await c.find(near).toArray()).length, restaurants.length);
        await assert.rejects(c.find({ $or: [near, { _id: 1 }] }).toArray(), { code: 2, message: 'geoNear must be top-level expr' });
        await assert.rejects(c.find(near).sort({ $natural: 1 }).toArray(), { code: 2 });
      });
    });

    it('$geoWithin and $geoIntersects return the same documents with and without an index, and explain shows the index', async () => {
      await withClient(mode, async (client) => {
        const db = client.db('geo');
        const random = prng(7);
        const docs = Array.from({ length: 600 }, (_, i) => ({ _id: i, loc: { type: 'Point', coordinates: [-74.2 + random() * 0.6, 40.5 + random() * 0.5] } }));
        docs.push({ _id: 1000, loc: { type: 'LineString', coordinates: [[-73.95, 40.70], [-73.80, 40.80]] } } as never);
        docs.push({ _id: 1001, loc: { type: 'Polygon', coordinates: [[[-73.88, 40.74], [-73.86, 40.74], [-73.86, 40.76], [-73.88, 40.76], [-73.88, 40.74]]] } } as never);
        const plain = db.collection('plain');
        const indexed = db.collection('indexed');
        await plain.insertMany(docs.map((d) => ({ ...d })));
        await indexed.insertMany(docs.map((d) => ({ ...d })));
        await indexed.createIndex({ loc: '2dsphere' });
        const queries = [
          { loc: { $geoWithin: { $geometry: neighborhood.geometry } } },
          { loc: { $geoIntersects: { $geometry: neighborhood.geometry } } },
          { loc: { $geoWithin: { $centerSphere: [[-73.93, 40.82], 5 / 3963.2] } } },
          { loc: { $geoIntersects: { $geometry: { type: 'LineString', coordinates: [[-73.87, 40.70], [-73.87, 40.80]] } } } },
        ];
        for (const q of queries) {
          const a = (await plain.find(q).sort({ _id: 1 }).toArray()).map((d) => d._id);
          const b = (await indexed.find(q).sort({ _id: 1 }).toArray()).map((d) => d._id);
          assert.deepEqual(b, a, JSON.stringify(q));
          assert.ok(a.length > 0, JSON.stringify(q));
        }
        // The manual's within test, by hand: every point inside the quadrilateral's lat/lng box (its edges are short).
        const inBox = docs.filter((d) => d._id < 1000 && (d.loc.coordinates as number[])[0]! > -73.9 && (d.loc.coordinates as number[])[0]! < -73.84 && (d.loc.coordinates as number[])[1]! > 40.72 && (d.loc.coordinates as number[])[1]! < 40.78).map((d) => d._id);
        const within = (await indexed.find(queries[0]!).sort({ _id: 1 }).toArray()).map((d) => d._id).filter((id) => (id as number) < 1000);
        assert.deepEqual(within, inBox);
        const explained: Doc = await indexed.find(queries[0]!).explain();
        const winning = explained.queryPlanner.winningPlan;
        assert.equal(winning.stage, 'FETCH');
        assert.equal(winning.inputStage.stage, 'IXSCAN');
        assert.equal(winning.inputStage.indexName, 'loc_2dsphere');
        assert.ok(explained.executionStats.totalDocsExamined < 600);
      });
    });

    it('over the whole globe (all six cube faces), big polygons and collections: the index finds what a scan finds', async () => {
      await withClient(mode, async (client) => {
        const c = client.db('geo').collection('globe');
        await c.createIndex({ loc: '2dsphere' });
        const random = prng(5);
        const docs: Doc[] = Array.from({ length: 1200 }, (_, i) => ({ _id: i, loc: { type: 'Point', coordinates: [-180 + random() * 360, -89 + random() * 178] } }));
        docs.push({ _id: 'poly', loc: { type: 'Polygon', coordinates: [[[0, 0], [20, 0], [20, 20], [0, 20], [0, 0]]] } });
        docs.push({ _id: 'gc', loc: { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [100, 10] }, { type: 'LineString', coordinates: [[100, 10], [101, 11]] }] } });
        await c.insertMany(docs);
        const crs = { type: 'name', properties: { name: 'urn:x-mongodb:crs:strictwinding:EPSG:4326' } };
        const queries: Doc[] = [
          { loc: { $geoWithin: { $geometry: { type: 'Polygon', coordinates: [[[-100, -60], [-100, 60], [-60, 60], [-60, -60], [-100, -60]]], crs } } } },
          { loc: { $geoIntersects: { $geometry: { type: 'MultiPolygon', coordinates: [[[[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]]], [[[99, 9], [102, 9], [102, 12], [99, 12], [99, 9]]]] } } } },
          { loc: { $geoIntersects: { $geometry: { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [10, 10] }] } } } },
          { loc: { $geoWithin: { $centerSphere: [[0, 90], 0.3] } } },
          { loc: { $geoWithin: { $centerSphere: [[45, -45], 1.2] } } },
          { loc: { $geoWithin: { $geometry: { type: 'Polygon', coordinates: [[[-179, -80], [179, -80], [179, 80], [-179, 80], [-179, -80]]] } } } },
        ];
        const ids = (found: Doc[]) => found.map((d) => String(d._id)).sort();
        for (const q of queries) {
          const scanned = ids(await c.find(q).hint({ $natural: 1 }).toArray());
          assert.deepEqual(ids(await c.find(q).toArray()), scanned, JSON.stringify(q));
          assert.ok(scanned.length > 0, JSON.stringify(q));
        }
        // The clockwise band is everything outside it: most of the points, and both other geometries.
        assert.ok(ids(await c.find(queries[0]!).toArray()).length > 1000);
        assert.deepEqual(ids(await c.find(queries[1]!).toArray()).filter((id) => Number.isNaN(Number(id))), ['gc', 'poly']);
        for (const center of [[0, -89], [-45, 0], [135, 45], [90, 89]]) {
          const expected = docs.filter((d) => typeof d._id === 'number').map((d) => ({ id: d._id, d: haversine(center, d.loc.coordinates) })).sort((a, b) => a.d - b.d || a.id - b.id);
          const got = await c.find({ loc: { $nearSphere: { $geometry: { type: 'Point', coordinates: center }, $maxDistance: 3_000_000 } }, _id: { $type: 'number' } }).toArray();
          assert.deepEqual(got.map((d) => d._id), expected.filter((e) => e.d * EARTH_RADIUS_METERS <= 3_000_000).map((e) => e.id), `from ${center}`);
        }
      });
    });

    it('$near through the index is in exact distance order, with a limit and after writes', async () => {
      await withClient(mode, async (client) => {
        const c = client.db('geo').collection('pts');
        const random = prng(11);
        const docs = Array.from({ length: 1500 }, (_, i) => ({ _id: i, loc: { type: 'Point', coordinates: [-180 + random() * 360, -80 + random() * 160] } }));
        await c.insertMany(docs.map((d) => ({ ...d })));
        await c.createIndex({ loc: '2dsphere' });
        for (const center of [[0, 0], [-73.9, 40.7], [179.9, -10], [10, 79]]) {
          const expected = docs
            .map((d) => ({ id: d._id, d: haversine(center, d.loc.coordinates) }))
            .sort((a, b) => a.d - b.d || a.id - b.id);
          const got: Doc[] = await c.aggregate([{ $geoNear: { near: { type: 'Point', coordinates: center }, distanceField: 'dist' } }, { $limit: 25 }]).toArray();
          assert.deepEqual(got.map((g) => g._id), expected.slice(0, 25).map((e) => e.id), `from ${center}`);
          for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]!.dist - expected[i]!.d * EARTH_RADIUS_METERS) < 1e-3);
          const within = expected.filter((e) => e.d * EARTH_RADIUS_METERS <= 1_500_000).map((e) => e.id);
          const near = await c.find({ loc: { $near: { $geometry: { type: 'Point', coordinates: center }, $maxDistance: 1_500_000 } } }).toArray();
          assert.deepEqual(near.map((d) => d._id), within);
        }
        // Move the nearest point far away: it leaves the front, and the index follows.
        const first = (await c.find({ loc: { $near: { $geometry: { type: 'Point', coordinates: [0, 0] } } } }).limit(1).toArray())[0]!;
        await c.updateOne({ _id: first._id }, { $set: { loc: { type: 'Point', coordinates: [180, 0] } } });
        const next = (await c.find({ loc: { $near: { $geometry: { type: 'Point', coordinates: [0, 0] } } } }).limit(1).toArray())[0]!;
        assert.notEqual(next._id, first._id);
        await c.deleteOne({ _id: next._id });
        const third = (await c.find({ loc: { $near: { $geometry: { type: 'Point', coordinates: [0, 0] } } } }).limit(1).toArray())[0]!;
        assert.notEqual(third._id, next._id);
      });
    });

    it('2d indexes: legacy pairs, flat $near, $box/$center/$polygon, $nearSphere in radians, bits and bounds', async () => {
      await withClient(mode, async (client) => {
        const c = client.db('geo').collection('flat');
        const random = prng(3);
        const docs = Array.from({ length: 400 }, (_, i) => ({ _id: i, loc: [random() * 100 - 50, random() * 100 - 50] }));
        await c.insertMany(docs.map((d) => ({ ...d })));
        assert.equal(await c.createIndex({ loc: '2d' }), 'loc_2d');
        const flat = (p: number[], q: number[]) => Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!);
        const expected = docs.map((d) => ({ id: d._id, d: flat([3, 4], d.loc) })).sort((a, b) => a.d - b.d || a.id - b.id);
        const got = await c.find({ loc: { $near: [3, 4], $maxDistance: 20 } }).toArray();
        assert.deepEqual(got.map((d) => d._id), expected.filter((e) => e.d <= 20).map((e) => e.id));
        const geo: Doc[] = await c.aggregate([{ $geoNear: { near: [3, 4], distanceField: 'd', includeLocs: 'at' } }, { $limit: 10 }]).toArray();
        assert.deepEqual(geo.map((d) => d._id), expected.slice(0, 10).map((e) => e.id));
        assert.deepEqual(geo[0]!.at, docs[geo[0]!._id as number]!.loc);
        const box = await c.find({ loc: { $geoWithin: { $box: [[0, 0], [20, 20]] } } }).sort({ _id: 1 }).toArray();
        assert.deepEqual(box.map((d) => d._id), docs.filter((d) => d.loc[0]! >= 0 && d.loc[0]! <= 20 && d.loc[1]! >= 0 && d.loc[1]! <= 20).map((d) => d._id));
        const circle = await c.find({ loc: { $geoWithin: { $center: [[-10, -10], 15] } } }).sort({ _id: 1 }).toArray();
        assert.deepEqual(circle.map((d) => d._id), docs.filter((d) => flat([-10, -10], d.loc) <= 15).map((d) => d._id));
        const explained: Doc = await c.find({ loc: { $geoWithin: { $box: [[0, 0], [20, 20]] } } }).explain();
        assert.equal(explained.queryPlanner.winningPlan.inputStage.indexName, 'loc_2d');
        const sphere = await c.find({ loc: { $nearSphere: [3, 4], $maxDistance: 0.2 } }).toArray();
        const bySphere = docs.map((d) => ({ id: d._id, d: haversine([3, 4], d.loc) })).sort((a, b) => a.d - b.d || a.id - b.id);
        assert.deepEqual(sphere.map((d) => d._id), bySphere.filter((e) => e.d <= 0.2).map((e) => e.id));
        await assert.rejects(c.insertOne({ loc: [200, 0] }), { code: 13027 });
        await assert.rejects(c.insertOne({ loc: { type: 'Point', coordinates: [1, 2] } }), { code: 13026 });
        const small = client.db('geo').collection('small');
        await small.createIndex({ p: '2d' }, { min: 0, max: 10, bits: 4 });
        await small.insertMany([{ _id: 1, p: [1, 1] }, { _id: 2, p: [9, 9] }, { _id: 3, p: [2, 2] }]);
        assert.deepEqual((await small.find({ p: { $near: [0, 0] } }).toArray()).map((d) => d._id), [1, 3, 2]);
        await assert.rejects(small.insertOne({ p: [10, 1] }), { code: 13027 });
      });
    });

    it('index specifications: plugins, versions, levels, compound keys', async () => {
      await withClient(mode, async (client) => {
        const c = client.db('geo').collection('specs');
        await assert.rejects(c.createIndex({ a: '2d', b: '2dsphere' }), { code: 67, message: /Can't use more than one index plugin for a single index\./ });
        await assert.rejects(c.createIndex({ b: 1, a: '2d' }), { code: 16801 });
        await assert.rejects(c.createIndex({ a: '2d' }, { bits: 40 }), { code: 2 });
        await assert.rejects(c.createIndex({ a: '2dsphere' }, { '2dsphereIndexVersion': 4 }), { code: 67 });
        await assert.rejects(c.createIndex({ a: '2dsphere' }, { finestIndexedLevel: 31 }), { code: 16748 });
        await assert.rejects(c.createIndex({ a: 'geoHaystack' }), { code: 67, message: /Unknown index plugin 'geoHaystack'$/ });
        assert.equal(await c.createIndex({ category: 1, location: '2dsphere' }), 'category_1_location_2dsphere');
        // Creating it again is a no-op, as for any index.
        assert.equal(await c.createIndex({ category: 1, location: '2dsphere' }), 'category_1_location_2dsphere');
        await c.insertMany(restaurants.map((r, i) => ({ ...r, category: i % 2 === 0 ? 'bakery' : 'pub' })));
        await c.insertOne({ _id: 50, category: 'bakery' });
        const q = { category: 'bakery', location: { $geoWithin: { $geometry: neighborhood.geometry } } };
        const expected = restaurants
          .filter((r, i) => i % 2 === 0)
          .filter((r) => r.location.coordinates[0]! > -73.9 && r.location.coordinates[0]! < -73.84 && r.location.coordinates[1]! > 40.72 && r.location.coordinates[1]! < 40.78)
          .map((r) => r._id);
        assert.deepEqual((await c.find(q).sort({ _id: 1 }).toArray()).map((d) => d._id), expected);
        const explained: Doc = await c.find(q).explain();
        assert.equal(explained.queryPlanner.winningPlan.inputStage.indexName, 'category_1_location_2dsphere');
        // Without a geo predicate the geo index is not read (documents without a location are not in it).
        assert.deepEqual((await c.find({ category: 'bakery' }).sort({ _id: 1 }).toArray()).map((d) => d._id), [11, 13, 15, 17, 50]);
      });
    });
  });
}
