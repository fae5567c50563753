/**
 * When a cursor closes, through the official driver: as mongod, the server never reads ahead to learn whether a
 * batch holds the last result. A batch closes the cursor (id 0) when the plan ran into its end while filling it, or,
 * for find, when the plan knows it is exhausted without reading further (a limit reached, a sort with a limit
 * drained). A scan that has returned its last document has not yet tried to read past it, so a batch that ends
 * exactly there leaves the cursor open and the next getMore returns an empty batch with id 0.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Document, MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { asLong, clientFor, CommandLog, startInProcess } from './harness.js';

/** The documents and cursor state of each reply: [ids, open] for the first batch and every getMore after it. */
type Batches = [number[], boolean][];

describe('cursors close as mongod closes them, never by reading ahead', () => {
  let server: RunningServer;
  let client: MongoClient;
  let log: CommandLog;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    log = new CommandLog(client);
    await client.db('ends').collection<{ _id: number; n: number }>('four').insertMany([1, 2, 3, 4].map((n) => ({ _id: n, n })));
    await client.db('ends').collection<{ _id: number; n: number }>('seven').insertMany([1, 2, 3, 4, 5, 6, 7].map((n) => ({ _id: n, n })));
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  /** Runs `command`, then getMores with `getMoreBatchSize` until the cursor closes; returns every batch. */
  async function pages(command: Document, getMoreBatchSize?: number): Promise<Batches> {
    const db = client.db('ends');
    const first = await db.command(command);
    const out: Batches = [[first.cursor.firstBatch.map((d: Document) => d._id), !asLong(first.cursor.id).isZero()]];
    let id = asLong(first.cursor.id);
    const collection = String(command.find ?? command.aggregate);
    while (!id.isZero()) {
      const more = await db.command({ getMore: id, collection, ...(getMoreBatchSize === undefined ? {} : { batchSize: getMoreBatchSize }) });
      id = asLong(more.cursor.id);
      out.push([more.cursor.nextBatch.map((d: Document) => d._id), !id.isZero()]);
      assert.ok(out.length < 10, 'the cursor closes');
    }
    return out;
  }

  test('a find batch that ends on the last document of a scan leaves the cursor open; the next getMore is empty', async () => {
    assert.deepEqual(await pages({ find: 'four', batchSize: 4 }), [[[1, 2, 3, 4], true], [[], false]]);
    assert.deepEqual(await pages({ find: 'four', batchSize: 2 }, 2), [[[1, 2], true], [[3, 4], true], [[], false]]);
    assert.deepEqual(await pages({ find: 'four', filter: { n: { $gte: 3 } }, batchSize: 2 }), [[[3, 4], true], [[], false]]);
    // A batch with room left has run into the end: closed at once.
    assert.deepEqual(await pages({ find: 'four', batchSize: 5 }), [[[1, 2, 3, 4], false]]);
    assert.deepEqual(await pages({ find: 'seven', batchSize: 2 }, 3), [[[1, 2], true], [[3, 4, 5], true], [[6, 7], false]]);
  });

  test('a lookup of one _id is at its end once answered; a missing collection is EOF, even for batchSize 0', async () => {
    assert.deepEqual(await pages({ find: 'four', filter: { _id: 2 }, batchSize: 1 }), [[[2], false]]);
    assert.deepEqual(await pages({ find: 'four', filter: { _id: { $in: [2, 3] } }, batchSize: 2 }), [[[2, 3], true], [[], false]]);
    assert.deepEqual(await pages({ find: 'nothing_here', batchSize: 0 }), [[[], false]]);
  });

  test('a sort without a limit knows its end only once asked past it', async () => {
    assert.deepEqual(await pages({ find: 'four', sort: { n: -1 }, batchSize: 4 }), [[[4, 3, 2, 1], true], [[], false]]);
  });

  test('a reached limit closes the find cursor with the batch that reaches it', async () => {
    assert.deepEqual(await pages({ find: 'seven', limit: 4, batchSize: 4 }), [[[1, 2, 3, 4], false]]);
    assert.deepEqual(await pages({ find: 'seven', limit: 5, batchSize: 2 }, 2), [[[1, 2], true], [[3, 4], true], [[5], false]]);
    assert.deepEqual(await pages({ find: 'seven', limit: 3, batchSize: 1 }, 2), [[[1], true], [[2, 3], false]]);
    // Through a projection and a skip.
    assert.deepEqual(await pages({ find: 'seven', projection: { n: 1 }, skip: 2, limit: 2, batchSize: 2 }), [[[3, 4], false]]);
    // A limit the scan does not reach: the scan has not yet met its end.
    assert.deepEqual(await pages({ find: 'four', limit: 10, batchSize: 4 }), [[[1, 2, 3, 4], true], [[], false]]);
  });

  test('a sort with a limit knows its last result once it has sorted', async () => {
    assert.deepEqual(await pages({ find: 'four', sort: { n: -1 }, limit: 10, batchSize: 4 }), [[[4, 3, 2, 1], false]]);
    assert.deepEqual(await pages({ find: 'seven', sort: { n: -1 }, skip: 1, limit: 10, batchSize: 3 }, 3), [[[6, 5, 4], true], [[3, 2, 1], false]]);
  });

  test('an aggregate closes its cursor in the first batch only when it ran into the end', async () => {
    const agg = (pipeline: Document[], batchSize: number): Document => ({ aggregate: 'seven', pipeline, cursor: { batchSize } });
    assert.deepEqual(await pages(agg([{ $limit: 2 }], 2)), [[[1, 2], true], [[], false]]);
    assert.deepEqual(await pages(agg([{ $sort: { n: 1 } }, { $limit: 3 }], 3)), [[[1, 2, 3], true], [[], false]]);
    assert.deepEqual(await pages(agg([{ $match: {} }], 7)), [[[1, 2, 3, 4, 5, 6, 7], true], [[], false]]);
    assert.deepEqual(await pages(agg([{ $match: {} }], 8)), [[[1, 2, 3, 4, 5, 6, 7], false]]);
    // Its getMores page through the find plan when mongod absorbed the whole pipeline into it ...
    assert.deepEqual(await pages(agg([{ $match: { n: { $gt: 1 } } }, { $limit: 4 }], 2), 2), [[[2, 3], true], [[4, 5], false]]);
    // ... and through the pipeline otherwise, which knows its end only once it has met it.
    assert.deepEqual(await pages(agg([{ $limit: 4 }, { $project: { n: 1 } }], 2), 2), [[[1, 2], true], [[3, 4], true], [[], false]]);
  });

  test('the driver sends one getMore per open cursor and stops at id 0', async () => {
    const coll = client.db('ends').collection('four');
    log.clear();
    assert.equal((await coll.find({}, { batchSize: 2 }).toArray()).length, 4);
    assert.deepEqual(log.replies('getMore').map((r) => r.cursor.nextBatch.length), [2, 0]);
    log.clear();
    assert.equal((await coll.find({}, { batchSize: 2, limit: 4 }).toArray()).length, 4);
    assert.deepEqual(log.replies('getMore').map((r) => r.cursor.nextBatch.length), [2]);
    log.clear();
    assert.equal((await coll.find({}, { batchSize: 3 }).toArray()).length, 4);
    assert.deepEqual(log.replies('getMore').map((r) => r.cursor.nextBatch.length), [1]);
    assert.equal(log.started('killCursors').length, 0);
  });

  test('inside a transaction the cursor closes at the same batch', async () => {
    const session = client.startSession();
    try {
      session.startTransaction();
      const db = client.db('ends');
      const first = await db.command({ find: 'four', batchSize: 4 }, { session });
      assert.equal(asLong(first.cursor.id).isZero(), false);
      const more = await db.command({ getMore: first.cursor.id, collection: 'four' }, { session });
      assert.deepEqual(more.cursor.nextBatch, []);
      assert.equal(asLong(more.cursor.id).isZero(), true);
      const limited = await db.command({ find: 'seven', limit: 2, batchSize: 2 }, { session });
      assert.equal(asLong(limited.cursor.id).isZero(), true);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
  });
});
