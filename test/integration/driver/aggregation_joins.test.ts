/**
 * $lookup, $unionWith, $facet and $graphLookup through the official driver: results across getMore batches (a joined
 * `$unwind` streams), joins inside a transaction, errors over the wire, and with --auth, `find` required on every
 * collection the stages read.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, MongoServerError, type Db, type Document } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { scramCredential } from '../../../src/auth/scram.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

const ORDERS = 300;
const CUSTOMERS = 30;

describe('aggregation joins through the official driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  let db: Db;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    db = client.db('joins');
    await db.collection('customers').insertMany(Array.from({ length: CUSTOMERS }, (_, j) => ({ _id: j, custId: j, name: `c${j}` })) as never[]);
    await db.collection('customers').createIndex({ custId: 1 }, { unique: true });
    await db.collection('orders').insertMany(Array.from({ length: ORDERS }, (_, i) => ({ _id: i, custId: i % CUSTOMERS, n: i })) as never[]);
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('$lookup on an indexed foreign field, read in small batches', async () => {
    const cursor = db.collection('orders').aggregate([
      { $lookup: { from: 'customers', localField: 'custId', foreignField: 'custId', as: 'customer' } },
      { $project: { name: { $first: '$customer.name' } } },
    ], { batchSize: 7 });
    const out = await cursor.toArray();
    assert.equal(out.length, ORDERS);
    out.forEach((doc, i) => assert.deepEqual(doc, { _id: i, name: `c${i % CUSTOMERS}` }));
  });

  test('$lookup then $unwind streams every joined document across getMores', async () => {
    const out = await db.collection('customers').aggregate([
      { $match: { _id: { $lt: 3 } } },
      { $lookup: { from: 'orders', localField: 'custId', foreignField: 'custId', as: 'order' } },
      { $unwind: { path: '$order', includeArrayIndex: 'i' } },
      { $project: { order: '$order._id', i: 1 } },
    ], { batchSize: 5 }).toArray();
    assert.equal(out.length, 3 * (ORDERS / CUSTOMERS));
    assert.deepEqual(out.slice(0, 3).map((d) => [d._id, d.order, Number(d.i)]), [[0, 0, 0], [0, 30, 1], [0, 60, 2]]);
    assert.deepEqual(out[out.length - 1], { _id: 2, i: 9, order: 272 });
  });

  test('$unionWith, $facet and $graphLookup', async () => {
    const union = await db.collection('customers').aggregate([{ $match: { _id: 0 } }, { $unionWith: { coll: 'orders', pipeline: [{ $match: { _id: 299 } }] } }]).toArray();
    assert.deepEqual(union, [{ _id: 0, custId: 0, name: 'c0' }, { _id: 299, custId: 29, n: 299 }]);
    const facet = await db.collection('orders').aggregate([{ $facet: { count: [{ $count: 'n' }], last: [{ $sort: { _id: -1 } }, { $limit: 1 }] } }]).toArray();
    assert.deepEqual(facet, [{ count: [{ n: ORDERS }], last: [{ _id: 299, custId: 29, n: 299 }] }]);
    await db.collection('chain').insertMany([{ _id: 1, next: 2 }, { _id: 2, next: 3 }, { _id: 3, next: null }] as never[]);
    const graph = await db.collection('chain').aggregate([
      { $match: { _id: 1 } },
      { $graphLookup: { from: 'chain', startWith: '$next', connectFromField: 'next', connectToField: '_id', depthField: 'depth', as: 'reached' } },
    ]).toArray();
    assert.deepEqual(graph[0]!.reached.map((d: Document) => [d._id, Number(d.depth)]), [[2, 0], [3, 1]]);
  });

  test('inside a transaction the join sees the transaction’s own writes', async () => {
    const session = client.startSession();
    try {
      session.startTransaction();
      await db.collection('customers').updateOne({ _id: 1 } as never, { $set: { name: 'renamed' } }, { session });
      const out = await db.collection('orders').aggregate([
        { $match: { _id: 1 } },
        { $lookup: { from: 'customers', localField: 'custId', foreignField: 'custId', as: 'c' } },
        { $project: { name: { $first: '$c.name' } } },
      ], { session }).toArray();
      assert.deepEqual(out, [{ _id: 1, name: 'renamed' }]);
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
  });

  test('errors come back with mongod’s codes', async () => {
    await rejectsWith(db.collection('orders').aggregate([{ $lookup: { from: 'customers', as: 'x' } }]).toArray(), 9, { codeName: 'FailedToParse' });
    await rejectsWith(db.collection('orders').aggregate([{ $lookup: { from: 'customers', pipeline: [{ $out: 'x' }], as: 'x' } }]).toArray(), 51047);
    await rejectsWith(db.collection('orders').aggregate([{ $facet: { a: [{ $out: 'x' }] } }]).toArray(), 40600);
    await rejectsWith(db.collection('orders').aggregate([{ $unionWith: 1 }]).toArray(), 9, { codeName: 'FailedToParse' });
    await rejectsWith(db.collection('orders').aggregate([{ $graphLookup: { from: 'c' } }]).toArray(), 40105);
  });

  test('a change stream still refuses them', async () => {
    await rejectsWith(db.collection('orders').watch([{ $lookup: { from: 'customers', localField: 'a', foreignField: 'b', as: 'c' } }]).tryNext(), 20);
  });
});

type RoleRef = { role: string; db: string };

function user(name: string, roles: RoleRef[]) {
  return { _id: `admin.${name}`, user: name, db: 'admin', credentials: { 'SCRAM-SHA-256': scramCredential('SCRAM-SHA-256', name, `pw-${name}`) }, roles };
}

function findOn(name: string, collections: string[]) {
  return { _id: `admin.${name}`, role: name, db: 'admin', roles: [], privileges: collections.map((collection) => ({ resource: { db: 'test', collection }, actions: ['find'] })) };
}

describe('aggregation joins with --auth: find on every collection read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-joins-authz-'));
  const dbpath = join(dir, 'db');
  let server: RunningServer;
  const clients: MongoClient[] = [];

  async function as(name: string): Promise<Db> {
    const c = new MongoClient(`mongodb://${name}:pw-${name}@${server.address}/?authSource=admin`, { directConnection: true, serverSelectionTimeoutMS: 5000 });
    await c.connect();
    clients.push(c);
    return c.db('test');
  }

  async function unauthorized(action: Promise<unknown>): Promise<void> {
    await assert.rejects(action, (err: unknown) => {
      assert.ok(err instanceof MongoServerError, String(err));
      assert.equal(err.code, 13, err.message);
      assert.equal(err.codeName, 'Unauthorized');
      return true;
    });
  }

  before(async () => {
    const setup = await startInProcess({ dbpath });
    const c = new MongoClient(`mongodb://${setup.address}/`, { directConnection: true });
    await c.db('admin').collection('system.roles').insertMany([
      findOn('ordersOnly', ['orders']),
      findOn('ordersAndCustomers', ['orders', 'customers']),
    ] as never[]);
    await c.db('admin').collection('system.users').insertMany([
      user('narrow', [{ role: 'ordersOnly', db: 'admin' }]),
      user('wide', [{ role: 'ordersAndCustomers', db: 'admin' }]),
    ] as never[]);
    await c.db('test').collection('orders').insertOne({ _id: 1, custId: 7 } as never);
    await c.db('test').collection('customers').insertOne({ _id: 7, custId: 7 } as never);
    await c.close();
    await setup.close();
    server = await startInProcess({ dbpath, auth: true });
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const joins: [string, Document[]][] = [
    ['$lookup', [{ $lookup: { from: 'customers', localField: 'custId', foreignField: 'custId', as: 'c' } }]],
    ['$lookup with a pipeline', [{ $lookup: { from: 'customers', pipeline: [{ $match: {} }], as: 'c' } }]],
    ['$unionWith', [{ $unionWith: 'customers' }]],
    ['$graphLookup', [{ $graphLookup: { from: 'customers', startWith: '$custId', connectFromField: 'custId', connectToField: 'custId', as: 'c' } }]],
    ['$lookup inside $facet', [{ $facet: { a: [{ $lookup: { from: 'customers', localField: 'custId', foreignField: 'custId', as: 'c' } }] } }]],
    ['$lookup inside $unionWith', [{ $unionWith: { coll: 'orders', pipeline: [{ $lookup: { from: 'customers', localField: 'custId', foreignField: 'custId', as: 'c' } }] } }]],
  ];

  for (const [name, pipeline] of joins) {
    test(`${name} needs find on the collection it reads`, async () => {
      await unauthorized((await as('narrow')).collection('orders').aggregate(pipeline).toArray());
      const out = await (await as('wide')).collection('orders').aggregate(pipeline).toArray();
      assert.ok(out.length >= 1);
    });
  }

  test('a $lookup of $documents reads no collection and needs nothing more', async () => {
    const out = await (await as('narrow')).collection('orders').aggregate([
      { $lookup: { from: 'customers', pipeline: [{ $documents: [{ x: 1 }] }], as: 'd' } },
    ]).toArray();
    assert.deepEqual(out, [{ _id: 1, custId: 7, d: [{ x: 1 }] }]);
  });
});
