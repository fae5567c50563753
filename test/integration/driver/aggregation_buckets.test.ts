/**
 * $bucket, $bucketAuto, $sample, $densify and $fill through the official driver: the MongoDB manual's examples on
 * collections inserted as the manual inserts them, results read through cursors (getMore included), and the
 * errors mongod answers for bad specifications and bad data.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal128, type Db, type Document, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { artists, artwork, coffee, dailySales, restaurantReviewsMultiple, stock, weather } from '../../helpers/manual_aggregation_fixtures.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

const dec = (s: string): Decimal128 => Decimal128.fromString(s);

describe('bucket, sample, densify and fill stages through the official driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  let db: Db;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    db = client.db('stages');
    await db.collection('artists').insertMany(artists.map((a): Document => ({ ...a })));
    await db.collection('artwork').insertMany(artwork.map((a): Document => (a._id === 7 ? { ...a, price: dec('159.00') } : { ...a })));
    await db.collection('weather').insertMany(weather.map((w) => ({ ...w })));
    await db.collection('coffee').insertMany(coffee.map((c, i): Document => ({ _id: i, ...c })));
    await db.collection('stock').insertMany(stock.map((s) => ({ ...s })));
    await db.collection('dailySales').insertMany(dailySales.map((s) => ({ ...s })));
    await db.collection('reviews').insertMany(restaurantReviewsMultiple.map((r) => ({ ...r })));
    await db.collection('numbers').insertMany(Array.from({ length: 1000 }, (_, i): Document => ({ _id: i, n: i })));
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test("$bucket: the manual's artists by year born", async () => {
    const out = await db.collection('artists').aggregate([
      {
        $bucket: {
          groupBy: '$year_born',
          boundaries: [1840, 1850, 1860, 1870, 1880],
          default: 'Other',
          output: { count: { $sum: 1 }, artists: { $push: { name: { $concat: ['$first_name', ' ', '$last_name'] }, year_born: '$year_born' } } },
        },
      },
      { $match: { count: { $gt: 3 } } },
    ]).toArray();
    assert.deepStrictEqual(out, [{
      _id: 1860,
      count: 4,
      artists: [
        { name: 'Emil Bernard', year_born: 1868 },
        { name: 'Joszef Rippl-Ronai', year_born: 1861 },
        { name: 'Alfred Maurer', year_born: 1868 },
        { name: 'Edvard Munch', year_born: 1863 },
      ],
    }]);
  });

  test('$bucket: every bucket, sorted by _id, the default last', async () => {
    const out = await db.collection('artists').aggregate([{ $bucket: { groupBy: '$year_died', boundaries: [1900, 1925, 1950], default: 'later or earlier' } }]).toArray();
    assert.deepStrictEqual(out, [{ _id: 1900, count: 1 }, { _id: 1925, count: 5 }, { _id: 'later or earlier', count: 2 }]);
  });

  test("$bucketAuto: the manual's artwork in four buckets by price", async () => {
    const out = await db.collection('artwork').aggregate([{ $bucketAuto: { groupBy: '$price', buckets: 4 } }]).toArray();
    assert.deepStrictEqual(out, [
      { _id: { min: dec('76.04'), max: dec('159.00') }, count: 2 },
      { _id: { min: dec('159.00'), max: dec('199.99') }, count: 2 },
      { _id: { min: dec('199.99'), max: dec('385.00') }, count: 2 },
      { _id: { min: dec('385.00'), max: dec('483.00') }, count: 2 },
    ]);
  });

  test('$bucketAuto with a granularity over a thousand documents', async () => {
    const out = await db.collection('numbers').aggregate([{ $bucketAuto: { groupBy: '$n', buckets: 4, granularity: '1-2-5', output: { count: { $sum: 1 }, top: { $max: '$n' } } } }]).toArray();
    // 250 a bucket: 249 rounds up to 500, so the first bucket takes 0..499; 749 rounds up to 1000.
    assert.deepStrictEqual(out, [
      { _id: { min: 0, max: 500 }, count: 500, top: 499 },
      { _id: { min: 500, max: 1000 }, count: 500, top: 999 },
    ]);
  });

  test('$sample: a uniform sample has the size asked for, without repeats, from the collection', async () => {
    const out = await db.collection('numbers').aggregate([{ $sample: { size: 25 } }]).toArray();
    assert.equal(out.length, 25);
    assert.equal(new Set(out.map((d) => d._id)).size, 25);
    for (const d of out) assert.equal(d.n, d._id);
    const all = await db.collection('numbers').aggregate([{ $sample: { size: 5000 } }], { batchSize: 100 }).toArray();
    assert.deepStrictEqual(all.map((d) => d._id as number).sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
    assert.deepStrictEqual(await db.collection('none').aggregate([{ $sample: { size: 3 } }]).toArray(), []);
  });

  test('$sample on both of mongod\'s paths: random reads for a small sample of a large collection, a sort of the whole otherwise', async () => {
    for (const size of [1, 49, 50, 300]) {
      const out = await db.collection('numbers').aggregate([{ $sample: { size } }, { $project: { n: 1 } }]).toArray();
      assert.equal(out.length, size);
      assert.equal(new Set(out.map((d) => d._id)).size, size, 'no document twice');
      for (const d of out) assert.equal(d.n, d._id);
    }
    // A bad stage after it fails before anything is read, on either path.
    for (const size of [2, 500]) {
      await assert.rejects(db.collection('numbers').aggregate([{ $sample: { size } }, { $bogus: 1 }]).toArray(), (err: Error & { code?: number }) => err.code === 40324);
    }
  });

  test("$densify: the manual's hourly readings between explicit bounds", async () => {
    const out = await db.collection('weather').aggregate([
      { $densify: { field: 'timestamp', range: { step: 1, unit: 'hour', bounds: [new Date('2021-05-18T00:00:00.000Z'), new Date('2021-05-18T08:00:00.000Z')] } } },
      { $project: { _id: 0, timestamp: 1, temp: 1 } },
    ]).toArray();
    assert.deepStrictEqual(out.map((d) => [d.timestamp.toISOString().slice(11, 13), d.temp ?? null]), [
      ['00', 12], ['01', null], ['02', null], ['03', null], ['04', 11], ['05', null], ['06', null], ['07', null], ['08', 11], ['12', 12],
    ]);
  });

  test("$densify: the manual's coffee varieties over the full range and within each partition", async () => {
    const key = (d: Document): string => `${d.variety}@${d.altitude}${d.score === undefined ? '' : '*'}`;
    const full = await db.collection('coffee').aggregate([{ $densify: { field: 'altitude', partitionByFields: ['variety'], range: { bounds: 'full', step: 200 } } }]).toArray();
    assert.deepStrictEqual(full.map(key).sort(), [
      'Arabica Typica@1000', 'Arabica Typica@1200', 'Arabica Typica@1400', 'Arabica Typica@1600', 'Arabica Typica@600*', 'Arabica Typica@750*',
      'Arabica Typica@800', 'Arabica Typica@950*', 'Gesha@1000', 'Gesha@1200', 'Gesha@1250*', 'Gesha@1400', 'Gesha@1600', 'Gesha@1700*', 'Gesha@600', 'Gesha@800',
    ]);
    const partition = await db.collection('coffee').aggregate([{ $densify: { field: 'altitude', partitionByFields: ['variety'], range: { bounds: 'partition', step: 200 } } }]).toArray();
    assert.deepStrictEqual(partition.map(key), [
      'Arabica Typica@600*', 'Arabica Typica@750*', 'Arabica Typica@800', 'Arabica Typica@950*', 'Gesha@1250*', 'Gesha@1450', 'Gesha@1650', 'Gesha@1700*',
    ]);
  });

  test('$densify: many generated documents come out batch by batch', async () => {
    const cursor = db.collection('none').aggregate([{ $densify: { field: 'x', range: { step: 1, bounds: [0, 2500] } } }], { batchSize: 300 });
    let expected = 0;
    for await (const doc of cursor) assert.deepStrictEqual(doc, { x: expected++ });
    assert.equal(expected, 2500);
  });

  test("$fill: the manual's constant values, linear interpolation and partitioned locf", async () => {
    const sales = await db.collection('dailySales').aggregate([
      { $fill: { output: { bootsSold: { value: 0 }, sandalsSold: { value: 0 }, sneakersSold: { value: 0 } } } },
      { $project: { _id: 0, date: 0 } },
    ]).toArray();
    assert.deepStrictEqual(sales, [
      { bootsSold: 10, sandalsSold: 20, sneakersSold: 12 },
      { bootsSold: 7, sneakersSold: 18, sandalsSold: 0 },
      { sneakersSold: 5, bootsSold: 0, sandalsSold: 0 },
    ]);
    const prices = await db.collection('stock').aggregate([{ $fill: { sortBy: { time: 1 }, output: { price: { method: 'linear' } } } }]).toArray();
    assert.deepStrictEqual(prices.map((d) => d.price), [500, 507.5, 515, 505, 495, 485]);
    const reviews = await db.collection('reviews').aggregate([
      { $fill: { sortBy: { date: 1 }, partitionBy: { restaurant: '$restaurant' }, output: { score: { method: 'locf' } } } },
    ]).toArray();
    assert.deepStrictEqual(reviews.map((d) => [d.restaurant, d.score]), [
      ["Joe's Pizza", 90], ["Joe's Pizza", 92], ["Joe's Pizza", 92], ["Joe's Pizza", 93],
      ["Sally's Deli", 75], ["Sally's Deli", 75], ["Sally's Deli", 68], ["Sally's Deli", 68],
    ]);
  });

  test('specification errors answer mongod codes and messages', async () => {
    const artistsColl = db.collection('artists');
    await rejectsWith(artistsColl.aggregate([{ $bucket: { groupBy: '$year_born', boundaries: [1900, 1800] } }]).toArray(), 40194, {
      message: "The 'boundaries' option to $bucket must be sorted, but elements 0 and 1 are not in ascending order (1900 is not less than 1800).",
    });
    await rejectsWith(artistsColl.aggregate([{ $bucket: { groupBy: '$year_born', boundaries: [0, 'a'] } }]).toArray(), 40193);
    await rejectsWith(artistsColl.aggregate([{ $bucketAuto: { groupBy: '$year_born', buckets: 0 } }]).toArray(), 40243);
    await rejectsWith(artistsColl.aggregate([{ $bucketAuto: { groupBy: '$year_born', buckets: 2, granularity: 'R3' } }]).toArray(), 40257);
    await rejectsWith(artistsColl.aggregate([{ $sample: { size: -1 } }]).toArray(), 28747, { message: 'size argument to $sample must not be negative' });
    await rejectsWith(artistsColl.aggregate([{ $densify: { field: 'a', range: { step: 1, bounds: 'partition' } } }]).toArray(), 5733408);
    await rejectsWith(artistsColl.aggregate([{ $densify: { field: 'a', range: { step: 1 } } }]).toArray(), 40414, {
      codeName: 'IDLFailedToParse', message: "BSON field '$densify.range.bounds' is missing but a required field",
    });
    await rejectsWith(artistsColl.aggregate([{ $fill: { output: { a: { method: 'linear' } } } }]).toArray(), 605001);
    await rejectsWith(artistsColl.aggregate([{ $fill: { output: {} } }]).toArray(), 6050203);
  });

  test('data errors while the pipeline runs', async () => {
    const artistsColl = db.collection('artists');
    await rejectsWith(artistsColl.aggregate([{ $bucket: { groupBy: '$year_born', boundaries: [1850, 1860] } }]).toArray(), 40066, {
      message: /\$switch could not find a matching branch for an input, and no default was specified\./,
    });
    await rejectsWith(artistsColl.aggregate([{ $bucketAuto: { groupBy: '$last_name', buckets: 2, granularity: 'E12' } }]).toArray(), 40258);
    await rejectsWith(artistsColl.aggregate([{ $densify: { field: 'last_name', range: { step: 1, bounds: 'full' } } }]).toArray(), 5733201, {
      message: /Densify field type must be numeric or a date/,
    });
    await rejectsWith(db.collection('stock').aggregate([{ $fill: { sortBy: { price: 1 }, output: { time: { method: 'linear' } } } }]).toArray(), 14);
  });
});

describe('bucket, sample, densify and fill stages past the blocking-stage memory limit', () => {
  let server: RunningServer;
  let client: MongoClient;
  let db: Db;
  let dbpath: string;
  const DOCS = 4000;

  before(async () => {
    dbpath = mkdtempSync(join(tmpdir(), 'eddydb-buckets-'));
    // A 64 KiB limit per blocking stage: 4,000 documents of ~100 bytes need spilling.
    server = await startInProcess({ dbpath, internalQueryMaxBlockingSortMemoryUsageBytes: 64 * 1024 });
    client = clientFor(server.address);
    db = client.db('spill');
    await db.collection('docs').insertMany(Array.from({ length: DOCS }, (_, i): Document => ({ _id: i, v: (i * 7919) % DOCS, p: i % 3, s: 'x'.repeat(60) })));
  });

  after(async () => {
    await client?.close();
    await server?.close();
    rmSync(dbpath, { recursive: true, force: true });
  });

  test('$bucketAuto, $sample, $densify and $fill spill with allowDiskUse and answer 292 without it', async () => {
    const coll = db.collection('docs');
    const auto = await coll.aggregate([{ $bucketAuto: { groupBy: '$v', buckets: 4 } }]).toArray();
    assert.deepStrictEqual(auto.map((b) => [b._id.min, b._id.max, b.count]), [[0, 1000, 1000], [1000, 2000, 1000], [2000, 3000, 1000], [3000, 3999, 1000]]);
    const sample = await coll.aggregate([{ $sample: { size: 3000 } }]).toArray();
    assert.equal(new Set(sample.map((d) => d._id)).size, 3000);
    const densified = await coll.aggregate([{ $densify: { field: 'v', range: { step: 1, bounds: [0, DOCS + 5] } } }, { $count: 'n' }]).toArray();
    assert.deepStrictEqual(densified, [{ n: DOCS + 5 }]);
    const filled = await coll.aggregate([{ $fill: { sortBy: { v: -1 }, partitionByFields: ['p'], output: { s: { method: 'locf' } } } }, { $limit: 1 }]).toArray();
    // Partitions come in order of their key, each sorted by sortBy: the first is p 0 at its largest v.
    const top = Math.max(...Array.from({ length: DOCS }, (_, i) => i).filter((i) => i % 3 === 0).map((i) => (i * 7919) % DOCS));
    assert.deepStrictEqual(filled.map((d) => [d.p, d.v]), [[0, top]]);
    for (const stage of [
      { $bucketAuto: { groupBy: '$v', buckets: 4 } },
      { $sample: { size: 3000 } },
      { $densify: { field: 'v', range: { step: 1, bounds: 'full' } } },
      { $fill: { sortBy: { v: 1 }, output: { s: { method: 'locf' } } } },
    ]) {
      await rejectsWith(coll.aggregate([stage], { allowDiskUse: false }).toArray(), 292, { codeName: 'QueryExceededMemoryLimitNoDiskUseAllowed' });
    }
    // A small sample keeps only its size, whatever the memory limit.
    assert.equal((await coll.aggregate([{ $sample: { size: 10 } }], { allowDiskUse: false }).toArray()).length, 10);
    assert.deepStrictEqual(readdirSync(join(dbpath, '_tmp')), []);
  });
});
