// $bucket, $bucketAuto, $sample, $densify and $fill through the embedded client on every storage mode, with the
// MongoDB manual's examples as fixtures.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, type Client, type Db, type Document } from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';
import { rejectsWith } from '../../helpers/assertions.js';
import { artists, artwork, coffee, restaurantReviews, stock } from '../../helpers/manual_aggregation_fixtures.js';

for (const mode of modes()) {
  describe(`bucket, sample, densify and fill stages (${mode})`, () => {
    let client: Client;
    let cleanup: () => Promise<void>;
    let db: Db;

    before(async () => {
      ({ client, cleanup } = await openClient(mode));
      db = client.db('stages');
      await db.collection('artists').insertMany(artists.map((a): Document => ({ ...a })));
      await db.collection('artwork').insertMany(artwork.map((a): Document => ({ ...a })));
      await db.collection('coffee').insertMany(coffee.map((c, i): Document => ({ _id: i, ...c })));
      await db.collection('stock').insertMany(stock.map((s, i): Document => ({ _id: i, ...s })));
      await db.collection('reviews').insertMany(restaurantReviews.map((r, i): Document => ({ _id: i, ...r })));
    });
    after(async () => {
      await cleanup();
    });

    it('$bucket groups by boundaries, with the default bucket', async () => {
      const out = await db.collection('artwork').aggregate([
        { $bucket: { groupBy: '$price', boundaries: [0, 200, 400], default: 'Other', output: { count: { $sum: 1 }, titles: { $push: '$title' } } } },
      ]).toArray();
      assert.deepStrictEqual(out, [
        { _id: 0, count: 4, titles: ['The Pillars of Society', 'Dancer', 'The Great Wave off Kanagawa', 'Blue Flower'] },
        { _id: 200, count: 2, titles: ['Melancholy III', 'Composition VII'] },
        { _id: 'Other', count: 2, titles: ['The Persistence of Memory', 'The Scream'] },
      ]);
      await rejectsWith(() => db.collection('artists').aggregate([{ $bucket: { groupBy: '$year_born', boundaries: [1800, 1850] } }]).toArray(), 40066);
    });

    it('$bucketAuto spreads documents evenly', async () => {
      const out = await db.collection('artists').aggregate([{ $bucketAuto: { groupBy: '$year_born', buckets: 4, output: { n: { $sum: 1 } } } }]).toArray();
      assert.deepStrictEqual(out, [
        { _id: { min: 1840, max: 1855 }, n: 2 },
        { _id: { min: 1855, max: 1863 }, n: 2 },
        { _id: { min: 1863, max: 1871 }, n: 3 },
        { _id: { min: 1871, max: 1871 }, n: 1 },
      ]);
      const decimals = await db.collection('artwork').aggregate([{ $match: { price: { $exists: true } } }, { $bucketAuto: { groupBy: '$price', buckets: 1 } }]).toArray();
      assert.deepStrictEqual(decimals, [{ _id: { min: Decimal128.fromString('76.04'), max: Decimal128.fromString('483.00') }, count: 7 }]);
    });

    it('$sample returns distinct documents of the collection', async () => {
      const out = await db.collection('artists').aggregate([{ $sample: { size: 3 } }]).toArray();
      assert.equal(out.length, 3);
      assert.equal(new Set(out.map((d) => d._id)).size, 3);
      for (const d of out) assert.deepStrictEqual(d, artists.find((a) => a._id === d._id));
      await rejectsWith(() => db.collection('artists').aggregate([{ $sample: {} }]).toArray(), 28749);
    });

    it('$densify fills each partition', async () => {
      const out = await db.collection('coffee').aggregate([
        { $densify: { field: 'altitude', partitionByFields: ['variety'], range: { bounds: 'partition', step: 200 } } },
        { $project: { _id: 0, variety: 1, altitude: 1 } },
      ]).toArray();
      assert.deepStrictEqual(out.map((d) => `${d.variety}@${d.altitude}`), [
        'Arabica Typica@600', 'Arabica Typica@750', 'Arabica Typica@800', 'Arabica Typica@950', 'Gesha@1250', 'Gesha@1450', 'Gesha@1650', 'Gesha@1700',
      ]);
    });

    it('$fill carries values forward and interpolates', async () => {
      const scores = await db.collection('reviews').aggregate([{ $fill: { sortBy: { date: 1 }, output: { score: { method: 'locf' } } } }]).toArray();
      assert.deepStrictEqual(scores.map((d) => d.score), [90, 92, 92, 92, 85, 85]);
      const prices = await db.collection('stock').aggregate([{ $fill: { sortBy: { time: 1 }, output: { price: { method: 'linear' } } } }]).toArray();
      assert.deepStrictEqual(prices.map((d) => d.price), [500, 507.5, 515, 505, 495, 485]);
      await rejectsWith(() => db.collection('stock').aggregate([{ $fill: { output: { price: { method: 'spline' } } } }]).toArray(), 6050202);
    });
  });
}
