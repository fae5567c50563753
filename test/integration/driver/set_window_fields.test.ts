/**
 * $setWindowFields through the official driver: results keep mongod's BSON types on the wire, errors carry mongod's
 * codes and codeNames, and a partition past the stage's memory limit fails with 5643011 unless disk use is allowed
 * (mongod's internalDocumentSourceSetWindowFieldsMaxMemoryBytes; eddydb uses the blocking-stage limit).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Double, Int32, Long, type Collection, type Document, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

const MEMORY_LIMIT = 64 * 1024;

/** Documents with numeric `_id`s. */
type Doc = { _id: number } & Document;

describe('$setWindowFields through the official driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  let sales: Collection<Doc>;
  let big: Collection<Doc>;

  before(async () => {
    server = await startInProcess({ internalQueryMaxBlockingSortMemoryUsageBytes: MEMORY_LIMIT });
    client = clientFor(server.address);
    const db = client.db('windows');
    sales = db.collection<Doc>('sales');
    await sales.insertMany([
      { _id: 1, state: 'CA', day: 1, qty: new Int32(5), price: new Double(2.5) },
      { _id: 2, state: 'CA', day: 2, qty: new Int32(7), price: new Double(3) },
      { _id: 3, state: 'WA', day: 1, qty: Long.fromNumber(4), price: new Double(1.25) },
      { _id: 4, state: 'CA', day: 3, qty: new Int32(2 ** 31 - 1), price: new Double(4) },
    ]);
    big = db.collection<Doc>('big');
    // About 100 KiB in one partition: over the stage's 64 KiB limit.
    await big.insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i, pad: 'x'.repeat(1000) })));
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('sends the window functions\' results with their BSON types', async () => {
    const out = await sales.aggregate<Document>([
      { $setWindowFields: {
        partitionBy: '$state', sortBy: { day: 1 },
        output: {
          running: { $sum: '$qty', window: { documents: ['unbounded', 'current'] } },
          rank: { $rank: {} },
          avgPrice: { $avg: '$price', window: { documents: [-1, 0] } },
          count: { $count: {} },
        },
      } },
      { $project: { running: 1, rank: 1, avgPrice: 1, count: 1 } },
    ], { promoteValues: false }).toArray();
    assert.deepEqual(out.map((d) => d._id), [new Int32(1), new Int32(2), new Int32(4), new Int32(3)]);
    assert.deepEqual(out.map((d) => d.running), [new Int32(5), new Int32(12), Long.fromNumber(2 ** 31 + 11), Long.fromNumber(4)]);
    assert.deepEqual(out.map((d) => d.rank), [new Int32(1), new Int32(2), new Int32(3), new Int32(1)]);
    assert.deepEqual(out.map((d) => d.avgPrice), [new Double(2.5), new Double(2.75), new Double(3.5), new Double(1.25)]);
    assert.deepEqual(out.map((d) => d.count), [new Int32(3), new Int32(3), new Int32(3), new Int32(1)]);
  });

  test('answers bad specifications with mongod\'s codes and codeNames', async () => {
    await rejectsWith(sales.aggregate([{ $setWindowFields: { output: { a: { $foo: 1 } } } }]).toArray(), 9,
      { codeName: 'FailedToParse', message: 'Unrecognized window function, $foo' });
    await rejectsWith(sales.aggregate([{ $setWindowFields: { output: { a: { $rank: {} } } } }]).toArray(), 5371602,
      { codeName: 'Location5371602' });
    await rejectsWith(sales.aggregate([{ $setWindowFields: { sortBy: { day: 1 }, output: { a: { $sum: 1, window: { documents: [1, 0] } } } } }]).toArray(), 5339900,
      { message: 'Lower bound must not exceed upper bound: [1, 0]' });
  });

  test('a partition over the memory limit fails with 5643011 when disk use is not allowed', async () => {
    const pipeline = [{ $setWindowFields: { output: { total: { $sum: '$_id' } } } }, { $limit: 1 }, { $project: { total: 1 } }];
    await rejectsWith(big.aggregate(pipeline, { allowDiskUse: false }).toArray(), 5643011, {
      codeName: 'Location5643011',
      message: "PlanExecutor error during aggregation :: caused by :: Exceeded max memory. Set 'allowDiskUse: true' to spill to disk",
    });
    assert.deepEqual(await big.aggregate(pipeline, { allowDiskUse: true }).toArray(), [{ _id: 0, total: 4950 }]);
    // mongod 8.0 allows disk use by default.
    assert.deepEqual(await big.aggregate(pipeline).toArray(), [{ _id: 0, total: 4950 }]);
  });

  test('with a sortBy, the sort in front of the window holds the input first, within its own limit', async () => {
    const pipeline = [{ $setWindowFields: { sortBy: { _id: -1 }, output: { n: { $documentNumber: {} } } } }, { $limit: 2 }, { $project: { n: 1 } }];
    await rejectsWith(big.aggregate(pipeline, { allowDiskUse: false }).toArray(), 292, { codeName: 'QueryExceededMemoryLimitNoDiskUseAllowed' });
    assert.deepEqual(await big.aggregate(pipeline, { allowDiskUse: true }).toArray(), [{ _id: 99, n: 1 }, { _id: 98, n: 2 }]);
  });
});
