// $lookup, $unionWith, $facet and $graphLookup through the embedded client on every storage mode: the MongoDB
// manual's examples for each stage (expected outputs as the manual gives them), views and missing collections as
// the joined side, transactions, index use on the foreign field, and mongod's errors for bad specs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, type Client, type Db, type Document } from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';
import { rejectsWith } from '../../helpers/assertions.js';

const byId = (a: Document, b: Document) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);

for (const mode of modes()) {
  describe(`aggregation joins (${mode})`, () => {
    let client: Client;
    let cleanup: () => Promise<void>;
    let db: Db;

    before(async () => {
      ({ client, cleanup } = await openClient(mode));
      db = client.db('joins');
    });

    after(async () => {
      await cleanup();
    });

    describe('$lookup', () => {
      before(async () => {
        await db.collection('orders').insertMany([
          { _id: 1, item: 'almonds', price: 12, quantity: 2 },
          { _id: 2, item: 'pecans', price: 20, quantity: 1 },
          { _id: 3 },
        ]);
        await db.collection('inventory').insertMany([
          { _id: 1, sku: 'almonds', description: 'product 1', instock: 120 },
          { _id: 2, sku: 'bread', description: 'product 2', instock: 80 },
          { _id: 3, sku: 'cashews', description: 'product 3', instock: 60 },
          { _id: 4, sku: 'pecans', description: 'product 4', instock: 70 },
          { _id: 5, sku: null, description: 'Incomplete' },
          { _id: 6 },
        ]);
      });

      it('the manual: a single equality join (a missing local field matches null and missing)', async () => {
        const out = await db.collection('orders').aggregate([
          { $lookup: { from: 'inventory', localField: 'item', foreignField: 'sku', as: 'inventory_docs' } },
        ]).toArray();
        assert.deepEqual(out, [
          { _id: 1, item: 'almonds', price: 12, quantity: 2, inventory_docs: [{ _id: 1, sku: 'almonds', description: 'product 1', instock: 120 }] },
          { _id: 2, item: 'pecans', price: 20, quantity: 1, inventory_docs: [{ _id: 4, sku: 'pecans', description: 'product 4', instock: 70 }] },
          { _id: 3, inventory_docs: [{ _id: 5, sku: null, description: 'Incomplete' }, { _id: 6 }] },
        ]);
      });

      it('an index on the foreign field gives the same join, reading only the matching documents', async () => {
        const scanned = async () => Number((((await db.admin().command({ serverStatus: 1 })).metrics as Document).queryExecutor as Document).scannedObjects);
        const join = async () => {
          const before = await scanned();
          const out = await db.collection('orders').aggregate([
            { $lookup: { from: 'inventory', localField: 'item', foreignField: 'sku', as: 'docs' } },
            { $project: { ids: '$docs._id' } },
          ]).toArray();
          assert.deepEqual(out, [{ _id: 1, ids: [1] }, { _id: 2, ids: [4] }, { _id: 3, ids: [5, 6] }]);
          return (await scanned()) - before;
        };
        // Without an index the chunk of orders reads the 6 inventory documents once; with one, only their matches.
        assert.equal(await join(), 6);
        await db.collection('inventory').createIndex({ sku: 1 });
        assert.equal(await join(), 1 + 1 + 2);
        await db.collection('inventory').dropIndex('sku_1');
      });

      it('the manual: an array local field joins each of its elements', async () => {
        await db.collection('classes').insertMany([
          { _id: 1, title: 'Reading is ...', enrollmentlist: ['giraffe2', 'pandabear', 'artie'], days: ['M', 'W', 'F'] },
          { _id: 2, title: 'But Writing ...', enrollmentlist: ['giraffe1', 'artie'], days: ['T', 'F'] },
        ]);
        await db.collection('members').insertMany([
          { _id: 1, name: 'artie', joined: new Date('2016-05-01'), status: 'A' },
          { _id: 2, name: 'giraffe', joined: new Date('2017-05-01'), status: 'D' },
          { _id: 3, name: 'giraffe1', joined: new Date('2017-10-01'), status: 'A' },
          { _id: 4, name: 'panda', joined: new Date('2018-10-11'), status: 'A' },
          { _id: 5, name: 'pandabear', joined: new Date('2018-12-01'), status: 'A' },
          { _id: 6, name: 'giraffe2', joined: new Date('2018-12-01'), status: 'D' },
        ]);
        const out = await db.collection('classes').aggregate([
          { $lookup: { from: 'members', localField: 'enrollmentlist', foreignField: 'name', as: 'enrollee_info' } },
        ]).toArray();
        assert.deepEqual(out.map((c) => [c._id, (c.enrollee_info as Document[]).map((m) => m.name)]), [
          [1, ['artie', 'pandabear', 'giraffe2']],
          [2, ['artie', 'giraffe1']],
        ]);
        assert.deepEqual((out[0]!.enrollee_info as Document[])[0], { _id: 1, name: 'artie', joined: new Date('2016-05-01'), status: 'A' });
      });

      it('the manual: $lookup with $mergeObjects', async () => {
        await db.collection('orders2').insertMany([
          { _id: 1, item: 'almonds', price: 12, quantity: 2 },
          { _id: 2, item: 'pecans', price: 20, quantity: 1 },
        ]);
        await db.collection('items').insertMany([
          { _id: 1, item: 'almonds', description: 'almond clusters', instock: 120 },
          { _id: 2, item: 'bread', description: 'raisin and nut bread', instock: 80 },
          { _id: 3, item: 'pecans', description: 'candied pecans', instock: 60 },
        ]);
        const out = await db.collection('orders2').aggregate([
          { $lookup: { from: 'items', localField: 'item', foreignField: 'item', as: 'fromItems' } },
          { $replaceRoot: { newRoot: { $mergeObjects: [{ $arrayElemAt: ['$fromItems', 0] }, '$$ROOT'] } } },
          { $project: { fromItems: 0 } },
        ]).toArray();
        assert.deepEqual(out, [
          { _id: 1, item: 'almonds', description: 'almond clusters', instock: 120, price: 12, quantity: 2 },
          { _id: 2, item: 'pecans', description: 'candied pecans', instock: 60, price: 20, quantity: 1 },
        ]);
      });

      it('the manual: multiple join conditions with let and a correlated pipeline', async () => {
        await db.collection('orders3').insertMany([
          { _id: 1, item: 'almonds', price: 12, ordered: 2 },
          { _id: 2, item: 'pecans', price: 20, ordered: 1 },
          { _id: 3, item: 'cookies', price: 10, ordered: 60 },
        ]);
        await db.collection('warehouses').insertMany([
          { _id: 1, stock_item: 'almonds', warehouse: 'A', instock: 120 },
          { _id: 2, stock_item: 'pecans', warehouse: 'A', instock: 80 },
          { _id: 3, stock_item: 'almonds', warehouse: 'B', instock: 60 },
          { _id: 4, stock_item: 'cookies', warehouse: 'B', instock: 40 },
          { _id: 5, stock_item: 'cookies', warehouse: 'A', instock: 80 },
        ]);
        const pipeline = [
          {
            $lookup: {
              from: 'warehouses',
              let: { order_item: '$item', order_qty: '$ordered' },
              pipeline: [
                { $match: { $expr: { $and: [{ $eq: ['$stock_item', '$$order_item'] }, { $gte: ['$instock', '$$order_qty'] }] } } },
                { $project: { stock_item: 0, _id: 0 } },
              ],
              as: 'stockdata',
            },
          },
        ];
        const expected = [
          { _id: 1, item: 'almonds', price: 12, ordered: 2, stockdata: [{ warehouse: 'A', instock: 120 }, { warehouse: 'B', instock: 60 }] },
          { _id: 2, item: 'pecans', price: 20, ordered: 1, stockdata: [{ warehouse: 'A', instock: 80 }] },
          { _id: 3, item: 'cookies', price: 10, ordered: 60, stockdata: [{ warehouse: 'A', instock: 80 }] },
        ];
        assert.deepEqual(await db.collection('orders3').aggregate(pipeline).toArray(), expected);
        // With an index on the correlated field the answer is the same (the equality narrows the read).
        await db.collection('warehouses').createIndex({ stock_item: 1 });
        assert.deepEqual(await db.collection('orders3').aggregate(pipeline).toArray(), expected);
      });

      it('the manual: an uncorrelated subquery', async () => {
        await db.collection('absences').insertMany([
          { _id: 1, student: 'Ann Aardvark', sickdays: [new Date('2018-05-01'), new Date('2018-08-23')] },
          { _id: 2, student: 'Zoe Zebra', sickdays: [new Date('2018-02-01'), new Date('2018-05-23')] },
        ]);
        await db.collection('holidays').insertMany([
          { _id: 1, year: 2018, name: 'New Years', date: new Date('2018-01-01') },
          { _id: 2, year: 2018, name: 'Pi Day', date: new Date('2018-03-14') },
          { _id: 3, year: 2018, name: 'Ice Cream Day', date: new Date('2018-07-15') },
          { _id: 4, year: 2017, name: 'New Years', date: new Date('2017-01-01') },
          { _id: 5, year: 2017, name: 'Ice Cream Day', date: new Date('2017-07-16') },
        ]);
        const out = await db.collection('absences').aggregate([
          {
            $lookup: {
              from: 'holidays',
              pipeline: [
                { $match: { year: 2018 } },
                { $project: { _id: 0, date: { name: '$name', date: '$date' } } },
                { $replaceRoot: { newRoot: '$date' } },
              ],
              as: 'holidays',
            },
          },
        ]).toArray();
        const holidays = [
          { name: 'New Years', date: new Date('2018-01-01') },
          { name: 'Pi Day', date: new Date('2018-03-14') },
          { name: 'Ice Cream Day', date: new Date('2018-07-15') },
        ];
        assert.deepEqual(out, [
          { _id: 1, student: 'Ann Aardvark', sickdays: [new Date('2018-05-01'), new Date('2018-08-23')], holidays },
          { _id: 2, student: 'Zoe Zebra', sickdays: [new Date('2018-02-01'), new Date('2018-05-23')], holidays },
        ]);
      });

      it('the manual: the concise correlated form (localField/foreignField with let and pipeline)', async () => {
        await db.collection('restaurants').insertMany([
          { _id: 1, name: 'American Steak House', food: ['filet', 'sirloin'], beverages: ['beer', 'wine'] },
          { _id: 2, name: 'Honest John Pizza', food: ['cheese pizza', 'pepperoni pizza'], beverages: ['soda'] },
        ]);
        await db.collection('rorders').insertMany([
          { _id: 1, item: 'filet', restaurant_name: 'American Steak House' },
          { _id: 2, item: 'cheese pizza', restaurant_name: 'Honest John Pizza', drink: 'lemonade' },
          { _id: 3, item: 'cheese pizza', restaurant_name: 'Honest John Pizza', drink: 'soda' },
        ]);
        const out = await db.collection('rorders').aggregate([
          {
            $lookup: {
              from: 'restaurants',
              localField: 'restaurant_name',
              foreignField: 'name',
              let: { orders_drink: '$drink' },
              pipeline: [{ $match: { $expr: { $in: ['$$orders_drink', '$beverages'] } } }],
              as: 'matches',
            },
          },
        ]).toArray();
        assert.deepEqual(out, [
          { _id: 1, item: 'filet', restaurant_name: 'American Steak House', matches: [] },
          { _id: 2, item: 'cheese pizza', restaurant_name: 'Honest John Pizza', drink: 'lemonade', matches: [] },
          {
            _id: 3, item: 'cheese pizza', restaurant_name: 'Honest John Pizza', drink: 'soda',
            matches: [{ _id: 2, name: 'Honest John Pizza', food: ['cheese pizza', 'pepperoni pizza'], beverages: ['soda'] }],
          },
        ]);
      });

      it('arrays on the foreign side match element by element', async () => {
        await db.collection('tagged').insertMany([{ _id: 1, tags: ['almonds', 'x'] }, { _id: 2, tags: ['y'] }, { _id: 3, tags: 'pecans' }]);
        const out = await db.collection('orders').aggregate([
          { $match: { _id: { $lte: 2 } } },
          { $lookup: { from: 'tagged', localField: 'item', foreignField: 'tags', as: 't' } },
          { $project: { t: '$t._id' } },
        ]).toArray();
        assert.deepEqual(out, [{ _id: 1, t: [1] }, { _id: 2, t: [3] }]);
      });

      it('a chunk of inputs joined with one read finds what each input’s own read finds', async () => {
        const shapes = [
          1, 2, 'a', 'A', null, [1, 2], [[1, 2]], [], { x: 1 }, [{ x: 1 }], new Date(0), 1.0, /^a/,
        ];
        await db.collection('shapes_foreign').insertMany([
          ...shapes.map((v, i) => ({ _id: i, f: v })),
          { _id: 100 },
          { _id: 101, f: [null, 2] },
          { _id: 102, f: [[1, 2], 1] },
          { _id: 103, g: 1 },
          { _id: 104, f: [] },
        ]);
        await db.collection('shapes_local').insertMany([...shapes.map((v, i) => ({ _id: i, l: v })), { _id: 100 }, { _id: 101, l: [2, 'a'] }, { _id: 102, l: [[1, 2]] }]);
        const join = (extra: Document) => db.collection('shapes_local').aggregate([
          { $lookup: { from: 'shapes_foreign', localField: 'l', foreignField: 'f', as: 'm', ...extra } },
          { $project: { m: '$m._id' } },
        ]).toArray();
        // With `let`, each input reads on its own; without, a chunk reads once.
        const oneByOne = () => join({ let: { unused: 1 }, pipeline: [] });
        const scanned = await oneByOne();
        assert.deepEqual(await join({}), scanned);
        assert.deepEqual(scanned.find((d) => d._id === 4), { _id: 4, m: [4, 100, 101, 103] });
        assert.deepEqual(scanned.find((d) => d._id === 0), { _id: 0, m: [0, 5, 11, 102] });
        assert.deepEqual(scanned.find((d) => d._id === 12), { _id: 12, m: [12] });
        await db.collection('shapes_foreign').createIndex({ f: 1 });
        assert.deepEqual(await join({}), await oneByOne());
      });

      it('followed by $unwind: one document per match, preserveNullAndEmptyArrays and includeArrayIndex kept', async () => {
        const unwound = await db.collection('orders').aggregate([
          { $lookup: { from: 'inventory', localField: 'item', foreignField: 'sku', as: 'inv' } },
          { $unwind: '$inv' },
          { $project: { inv: '$inv._id' } },
        ]).toArray();
        assert.deepEqual(unwound, [{ _id: 1, inv: 1 }, { _id: 2, inv: 4 }, { _id: 3, inv: 5 }, { _id: 3, inv: 6 }]);
        const preserved = await db.collection('orders').aggregate([
          { $lookup: { from: 'inventory', localField: 'item', foreignField: 'description', as: 'inv.found' } },
          { $unwind: { path: '$inv.found', preserveNullAndEmptyArrays: true, includeArrayIndex: 'i' } },
          { $project: { inv: 1, i: 1 } },
        ]).toArray();
        assert.deepEqual(preserved, [
          { _id: 1, inv: {}, i: null },
          { _id: 2, inv: {}, i: null },
          { _id: 3, inv: { found: { _id: 6 } }, i: 0 },
        ]);
      });

      it('from a view, and from a missing collection (no documents)', async () => {
        await db.createCollection('instock', { viewOn: 'inventory', pipeline: [{ $match: { instock: { $gte: 70 } } }, { $project: { description: 0 } }] });
        const out = await db.collection('orders').aggregate([
          { $lookup: { from: 'instock', localField: 'item', foreignField: 'sku', as: 'inv' } },
          { $lookup: { from: 'no_such_collection', localField: 'item', foreignField: 'sku', as: 'none' } },
        ]).toArray();
        assert.deepEqual(out, [
          { _id: 1, item: 'almonds', price: 12, quantity: 2, inv: [{ _id: 1, sku: 'almonds', instock: 120 }], none: [] },
          { _id: 2, item: 'pecans', price: 20, quantity: 1, inv: [{ _id: 4, sku: 'pecans', instock: 70 }], none: [] },
          { _id: 3, inv: [], none: [] },
        ]);
        // A view whose own pipeline joins, read by find and by aggregate.
        await db.createCollection('orders_with_stock', { viewOn: 'orders', pipeline: [{ $lookup: { from: 'inventory', localField: 'item', foreignField: 'sku', as: 'inv' } }, { $project: { n: { $size: '$inv' } } }] });
        assert.deepEqual(await db.collection('orders_with_stock').find().toArray(), [{ _id: 1, n: 1 }, { _id: 2, n: 1 }, { _id: 3, n: 2 }]);
      });

      it('the aggregate collation applies to the join', async () => {
        await db.collection('letters').insertMany([{ _id: 1, v: 'A' }]);
        await db.collection('lower').insertMany([{ _id: 1, v: 'a' }, { _id: 2, v: 'b' }]);
        const pipeline = [{ $lookup: { from: 'lower', localField: 'v', foreignField: 'v', as: 'm' } }, { $project: { m: '$m._id' } }];
        assert.deepEqual(await db.collection('letters').aggregate(pipeline).toArray(), [{ _id: 1, m: [] }]);
        assert.deepEqual(await db.collection('letters').aggregate(pipeline, { collation: { locale: 'en', strength: 2 } }).toArray(), [{ _id: 1, m: [1] }]);
      });

      it('a $documents pipeline without from, and nested joins', async () => {
        const out = await db.collection('orders').aggregate([
          { $match: { _id: 1 } },
          { $lookup: { let: { it: '$item' }, pipeline: [{ $documents: [{ k: 'almonds' }, { k: 'pecans' }] }, { $match: { $expr: { $eq: ['$k', '$$it'] } } }], as: 'docs' } },
          {
            $lookup: {
              from: 'inventory', let: { it: '$item' }, as: 'nested',
              pipeline: [
                { $match: { $expr: { $eq: ['$sku', '$$it'] } } },
                { $lookup: { from: 'orders', let: { s: '$sku' }, pipeline: [{ $match: { $expr: { $eq: ['$item', '$$s'] } } }, { $project: { _id: 1 } }], as: 'back' } },
                { $project: { back: 1 } },
              ],
            },
          },
          { $project: { docs: 1, nested: 1 } },
        ]).toArray();
        assert.deepEqual(out, [{ _id: 1, docs: [{ k: 'almonds' }], nested: [{ _id: 1, back: [{ _id: 1 }] }] }]);
      });

      it('inside a transaction, the join sees the transaction’s snapshot and its own writes', async () => {
        const session = client.startSession();
        try {
          session.startTransaction();
          await db.collection('inventory').insertOne({ _id: 7, sku: 'almonds', description: 'in the transaction' }, { session });
          const inside = await db.collection('orders').aggregate([
            { $match: { _id: 1 } },
            { $lookup: { from: 'inventory', localField: 'item', foreignField: 'sku', as: 'inv' } },
            { $project: { ids: '$inv._id' } },
          ], { session }).toArray();
          assert.deepEqual(inside, [{ _id: 1, ids: [1, 7] }]);
          await session.abortTransaction();
        } finally {
          await session.endSession();
        }
        const outside = await db.collection('orders').aggregate([
          { $match: { _id: 1 } },
          { $lookup: { from: 'inventory', localField: 'item', foreignField: 'sku', as: 'inv' } },
          { $project: { ids: '$inv._id' } },
        ]).toArray();
        assert.deepEqual(outside, [{ _id: 1, ids: [1] }]);
      });

      it('feeds $out and $merge', async () => {
        await db.collection('orders').aggregate([
          { $lookup: { from: 'inventory', localField: 'item', foreignField: 'sku', as: 'inv' } },
          { $project: { n: { $size: '$inv' } } },
          { $out: 'joined_out' },
        ]).toArray();
        assert.deepEqual(await db.collection('joined_out').find().toArray(), [{ _id: 1, n: 1 }, { _id: 2, n: 1 }, { _id: 3, n: 2 }]);
      });

      it('refuses bad specifications with mongod’s codes and messages', async () => {
        const run = (stage: Document) => db.collection('orders').aggregate([{ $lookup: stage }]).toArray();
        await rejectsWith(() => db.collection('orders').aggregate([{ $lookup: 1 }]).toArray(), 9, { codeName: 'FailedToParse', message: 'the $lookup stage specification must be an object, but found int' });
        await rejectsWith(() => run({ from: 'inventory', localField: 'item', foreignField: 'sku' }), 9, { message: "must specify 'as' field for a $lookup" });
        await rejectsWith(() => run({ from: 'inventory', localField: 'item', as: 'x' }), 9, { message: "$lookup requires either 'pipeline' or both 'localField' and 'foreignField' to be specified" });
        await rejectsWith(() => run({ from: 'inventory', localField: 'item', pipeline: [], as: 'x' }), 9, { message: "$lookup requires both or neither of 'localField' and 'foreignField' to be specified" });
        await rejectsWith(() => run({ from: 'inventory', localField: 'item', foreignField: 'sku', let: { a: 1 }, as: 'x' }), 9, { message: "$lookup with a 'let' argument must also specify 'pipeline'" });
        await rejectsWith(() => run({ from: 'inventory', localField: 1, foreignField: 'sku', as: 'x' }), 9, { message: "$lookup argument 'localField' must be a string, found localField: 1: int" });
        await rejectsWith(() => run({ from: 'inventory', pipeline: [], as: 'x', bogus: 'y' }), 9, { message: 'unknown argument to $lookup: bogus' });
        await rejectsWith(() => run({ from: 'inventory', pipeline: [], as: 'x', let: 'abc' }), 9, { message: "$lookup argument 'let: \"abc\"' must be an object, is type string" });
        await rejectsWith(() => run({ from: 1, pipeline: [], as: 'x' }), 9, { message: "$lookup 'from' field must be a string, but found int" });
        await rejectsWith(() => run({ from: { db: 'other', coll: 'c' }, pipeline: [], as: 'x' }), 9, { message: '$lookup with syntax {from: {db:<>, coll:<>},..} is not supported for db: other and coll: c' });
        await rejectsWith(() => run({ pipeline: [{ $match: {} }], as: 'x' }), 9, { message: '$lookup stage without explicit collection must have a pipeline with $documents as first stage' });
        await rejectsWith(() => run({ as: 'x' }), 9, { message: "must specify 'pipeline' when 'from' is empty" });
        await rejectsWith(() => run({ from: 'inventory', pipeline: [{ $out: 'x' }], as: 'x' }), 51047, { message: "$out is not allowed within a $lookup's sub-pipeline" });
        await rejectsWith(() => run({ from: 'inventory', pipeline: [{ $merge: 'x' }], as: 'x' }), 51047, { message: "$merge is not allowed within a $lookup's sub-pipeline" });
        await rejectsWith(() => run({ from: 'inventory', pipeline: 1, as: 'x' }), 14, { codeName: 'TypeMismatch' });
        await rejectsWith(() => run({ from: 'inventory', pipeline: [{ $bogus: 1 }], as: 'x' }), 40324);
        await rejectsWith(() => run({ from: 'inventory', let: { Upper: 1 }, pipeline: [], as: 'x' }), 9, { message: "'Upper' starts with an invalid character for a user variable name" });
        await rejectsWith(() => run({ from: 'inventory', pipeline: [{ $match: { $expr: '$$undefinedVar' } }], as: 'x' }), 17276);
        await rejectsWith(() => run({ from: 'inventory', pipeline: [], as: '$x' }), 16410);
        let nested: Document = { from: 'inventory', pipeline: [], as: 'x' };
        for (let i = 0; i < 20; i++) nested = { from: 'inventory', pipeline: [{ $lookup: nested }], as: 'x' };
        await rejectsWith(() => run(nested), 232, { codeName: 'MaxSubPipelineDepthExceeded', message: 'Maximum number of nested sub-pipelines exceeded. Limit is 20' });
      });
    });

    describe('$unionWith', () => {
      before(async () => {
        await db.collection('sales_2017').insertMany([
          { store: 'General Store', item: 'Chocolates', quantity: 150 },
          { store: 'ShopMart', item: 'Chocolates', quantity: 50 },
          { store: 'General Store', item: 'Cookies', quantity: 100 },
          { store: 'ShopMart', item: 'Cookies', quantity: 120 },
          { store: 'General Store', item: 'Pie', quantity: 10 },
          { store: 'ShopMart', item: 'Pie', quantity: 5 },
        ]);
        await db.collection('sales_2018').insertMany([
          { store: 'General Store', item: 'Cheese', quantity: 30 },
          { store: 'ShopMart', item: 'Cheese', quantity: 50 },
          { store: 'General Store', item: 'Chocolates', quantity: 125 },
          { store: 'ShopMart', item: 'Chocolates', quantity: 150 },
          { store: 'General Store', item: 'Cookies', quantity: 200 },
          { store: 'ShopMart', item: 'Cookies', quantity: 100 },
          { store: 'ShopMart', item: 'Nuts', quantity: 100 },
          { store: 'General Store', item: 'Pie', quantity: 30 },
          { store: 'ShopMart', item: 'Pie', quantity: 25 },
        ]);
        await db.collection('sales_2019').insertMany([
          { store: 'General Store', item: 'Cheese', quantity: 50 },
          { store: 'ShopMart', item: 'Cheese', quantity: 20 },
          { store: 'General Store', item: 'Chocolates', quantity: 125 },
          { store: 'ShopMart', item: 'Chocolates', quantity: 150 },
          { store: 'General Store', item: 'Cookies', quantity: 200 },
          { store: 'ShopMart', item: 'Cookies', quantity: 100 },
          { store: 'General Store', item: 'Nuts', quantity: 80 },
          { store: 'ShopMart', item: 'Nuts', quantity: 30 },
          { store: 'General Store', item: 'Pie', quantity: 50 },
          { store: 'ShopMart', item: 'Pie', quantity: 75 },
        ]);
        await db.collection('sales_2020').insertMany([
          { store: 'ShopMart', item: 'Cheese', quantity: 100 },
          { store: 'General Store', item: 'Cheese', quantity: 30 },
          { store: 'General Store', item: 'Chocolates', quantity: 125 },
          { store: 'ShopMart', item: 'Chocolates', quantity: 150 },
          { store: 'General Store', item: 'Cookies', quantity: 200 },
          { store: 'ShopMart', item: 'Cookies', quantity: 100 },
          { store: 'General Store', item: 'Pie', quantity: 30 },
          { store: 'ShopMart', item: 'Pie', quantity: 100 },
        ]);
      });

      it('the manual: a report of all sales by year, store and item', async () => {
        const out = await db.collection('sales_2017').aggregate([
          { $set: { _id: '2017' } },
          { $unionWith: { coll: 'sales_2018', pipeline: [{ $set: { _id: '2018' } }] } },
          { $unionWith: { coll: 'sales_2019', pipeline: [{ $set: { _id: '2019' } }] } },
          { $unionWith: { coll: 'sales_2020', pipeline: [{ $set: { _id: '2020' } }] } },
          { $sort: { _id: 1, store: 1, item: 1 } },
        ]).toArray();
        assert.equal(out.length, 33);
        assert.deepEqual(out.slice(0, 4), [
          { _id: '2017', store: 'General Store', item: 'Chocolates', quantity: 150 },
          { _id: '2017', store: 'General Store', item: 'Cookies', quantity: 100 },
          { _id: '2017', store: 'General Store', item: 'Pie', quantity: 10 },
          { _id: '2017', store: 'ShopMart', item: 'Chocolates', quantity: 50 },
        ]);
        assert.deepEqual(out[out.length - 1], { _id: '2020', store: 'ShopMart', item: 'Pie', quantity: 100 });
      });

      it('the manual: total sales by item', async () => {
        const out = await db.collection('sales_2017').aggregate([
          { $unionWith: 'sales_2018' },
          { $unionWith: 'sales_2019' },
          { $unionWith: 'sales_2020' },
          { $group: { _id: '$item', total: { $sum: '$quantity' } } },
          { $sort: { total: -1 } },
        ]).toArray();
        assert.deepEqual(out, [
          { _id: 'Cookies', total: 1120 },
          { _id: 'Chocolates', total: 1025 },
          { _id: 'Pie', total: 325 },
          { _id: 'Cheese', total: 280 },
          { _id: 'Nuts', total: 210 },
        ]);
      });

      it('input first, then the other collection; views, missing collections and $documents', async () => {
        await db.createCollection('big_sales', { viewOn: 'sales_2018', pipeline: [{ $match: { quantity: { $gte: 150 } } }] });
        const out = await db.collection('sales_2017').aggregate([
          { $match: { quantity: { $gte: 150 } } },
          { $project: { _id: 0, item: 1, quantity: 1 } },
          { $unionWith: { coll: 'big_sales', pipeline: [{ $project: { _id: 0, item: 1, quantity: 1 } }] } },
          { $unionWith: 'nothing_here' },
          { $unionWith: { pipeline: [{ $documents: [{ item: 'Extra', quantity: 1 }] }] } },
        ]).toArray();
        assert.deepEqual(out, [
          { item: 'Chocolates', quantity: 150 },
          { item: 'Chocolates', quantity: 150 },
          { item: 'Cookies', quantity: 200 },
          { item: 'Extra', quantity: 1 },
        ]);
        const limited = await db.collection('sales_2017').aggregate([{ $unionWith: 'sales_2018' }, { $limit: 7 }, { $count: 'n' }]).toArray();
        assert.deepEqual(limited, [{ n: 7 }]);
      });

      it('refuses bad specifications with mongod’s codes and messages', async () => {
        const run = (spec: unknown) => db.collection('sales_2017').aggregate([{ $unionWith: spec }]).toArray();
        await rejectsWith(() => run(1), 9, { message: 'the $unionWith stage specification must be an object or string, but found int' });
        await rejectsWith(() => run({ pipeline: [{ $match: {} }] }), 9, { message: '$unionWith stage without explicit collection must have a pipeline with $documents as first stage' });
        await rejectsWith(() => run({ coll: 'sales_2018', other: 1 }), 40415, { message: "BSON field '$unionWith.other' is an unknown field." });
        await rejectsWith(() => run({ coll: 1 }), 14, { message: "BSON field '$unionWith.coll' is the wrong type 'int', expected type 'string'" });
        await rejectsWith(() => run({ coll: 'sales_2018', pipeline: [{ $out: 'x' }] }), 31441, { message: "$out is not allowed within a $unionWith's sub-pipeline" });
      });
    });

    describe('$facet', () => {
      before(async () => {
        await db.collection('artwork').insertMany([
          { _id: 1, title: 'The Pillars of Society', artist: 'Grosz', year: 1926, price: Decimal128.fromString('199.99'), tags: ['painting', 'satire', 'Expressionism', 'caricature'] },
          { _id: 2, title: 'Melancholy III', artist: 'Munch', year: 1902, price: Decimal128.fromString('280.00'), tags: ['woodcut', 'Expressionism'] },
          { _id: 3, title: 'Dancer', artist: 'Miro', year: 1925, price: Decimal128.fromString('76.04'), tags: ['oil', 'Surrealism', 'painting'] },
          { _id: 4, title: 'The Great Wave off Kanagawa', artist: 'Hokusai', price: Decimal128.fromString('167.30'), tags: ['woodblock', 'ukiyo-e'] },
          { _id: 5, title: 'The Persistence of Memory', artist: 'Dali', year: 1931, price: Decimal128.fromString('483.00'), tags: ['Surrealism', 'painting', 'oil'] },
          { _id: 6, title: 'Composition VII', artist: 'Kandinsky', year: 1913, price: Decimal128.fromString('385.00'), tags: ['oil', 'painting', 'abstract'] },
          { _id: 7, title: 'The Scream', artist: 'Munch', year: 1893, tags: ['Expressionism', 'painting', 'oil'] },
          { _id: 8, title: 'Blue Flower', artist: "O'Keefe", year: 1918, price: Decimal128.fromString('118.42'), tags: ['abstract', 'painting'] },
        ]);
      });

      it('the manual: categorized by tags, beside other facets over the same input', async () => {
        const out = await db.collection('artwork').aggregate([
          {
            $facet: {
              categorizedByTags: [{ $unwind: '$tags' }, { $sortByCount: '$tags' }],
              byArtist: [{ $group: { _id: '$artist', n: { $sum: 1 } } }, { $match: { n: { $gt: 1 } } }],
              count: [{ $count: 'n' }],
            },
          },
        ]).toArray();
        assert.equal(out.length, 1);
        const tags = (out[0]!.categorizedByTags as Document[]).slice().sort((a, b) => b.count - a.count || byId(a, b));
        assert.deepEqual(tags, [
          { _id: 'painting', count: 6 },
          { _id: 'oil', count: 4 },
          { _id: 'Expressionism', count: 3 },
          { _id: 'Surrealism', count: 2 },
          { _id: 'abstract', count: 2 },
          { _id: 'caricature', count: 1 },
          { _id: 'satire', count: 1 },
          { _id: 'ukiyo-e', count: 1 },
          { _id: 'woodblock', count: 1 },
          { _id: 'woodcut', count: 1 },
        ]);
        assert.deepEqual(out[0]!.byArtist, [{ _id: 'Munch', n: 2 }]);
        assert.deepEqual(out[0]!.count, [{ n: 8 }]);
      });

      it('one document even for no input; joins inside a facet', async () => {
        const out = await db.collection('artwork').aggregate([
          { $match: { _id: 0 } },
          { $facet: { none: [{ $match: {} }] } },
        ]).toArray();
        assert.deepEqual(out, [{ none: [] }]);
        const joined = await db.collection('artwork').aggregate([
          { $match: { _id: 2 } },
          { $facet: { same: [{ $lookup: { from: 'artwork', localField: 'artist', foreignField: 'artist', as: 'a' } }, { $project: { ids: '$a._id' } }] } },
        ]).toArray();
        assert.deepEqual(joined, [{ same: [{ _id: 2, ids: [2, 7] }] }]);
      });

      it('refuses bad specifications with mongod’s codes and messages', async () => {
        const run = (spec: unknown) => db.collection('artwork').aggregate([{ $facet: spec }]).toArray();
        await rejectsWith(() => run({}), 40169);
        await rejectsWith(() => run(1), 40169);
        await rejectsWith(() => run({ a: 1 }), 40170, { message: 'arguments to $facet must be arrays, a is type int' });
        await rejectsWith(() => run({ a: [1] }), 40171);
        await rejectsWith(() => run({ a: [] }), 2, { codeName: 'BadValue', message: 'sub-pipeline in $facet stage cannot be empty' });
        await rejectsWith(() => run({ $a: [] }), 16410);
        for (const stage of [{ $facet: { b: [{ $match: {} }] } }, { $out: 'x' }, { $merge: 'x' }, { $collStats: {} }, { $indexStats: {} }, { $documents: [] }]) {
          const name = Object.keys(stage)[0];
          await rejectsWith(() => run({ a: [stage] }), 40600, { message: `${name} is not allowed to be used within a $facet stage` });
        }
        await rejectsWith(() => run({ a: [{ $lookup: { from: 'x', pipeline: [{ $out: 'y' }], as: 'z' } }] }), 40600, { message: '$out inside of $lookup is not allowed to be used within a $facet stage' });
      });
    });

    describe('$graphLookup', () => {
      before(async () => {
        await db.collection('employees').insertMany([
          { _id: 1, name: 'Dev' },
          { _id: 2, name: 'Eliot', reportsTo: 'Dev' },
          { _id: 3, name: 'Ron', reportsTo: 'Eliot' },
          { _id: 4, name: 'Andrew', reportsTo: 'Eliot' },
          { _id: 5, name: 'Asya', reportsTo: 'Ron' },
          { _id: 6, name: 'Dan', reportsTo: 'Andrew' },
        ]);
        await db.collection('airports').insertMany([
          { _id: 0, airport: 'JFK', connects: ['BOS', 'ORD'] },
          { _id: 1, airport: 'BOS', connects: ['JFK', 'PWM'] },
          { _id: 2, airport: 'ORD', connects: ['JFK'] },
          { _id: 3, airport: 'PWM', connects: ['BOS', 'LHR'] },
          { _id: 4, airport: 'LHR', connects: ['PWM'] },
        ]);
        await db.collection('travelers').insertMany([
          { _id: 1, name: 'Dev', nearestAirport: 'JFK' },
          { _id: 2, name: 'Eliot', nearestAirport: 'JFK' },
          { _id: 3, name: 'Jeff', nearestAirport: 'BOS' },
        ]);
        await db.collection('people').insertMany([
          { _id: 1, name: 'Tanya Jordan', friends: ['Shirley Soto', 'Terry Hawkins', 'Carole Hale'], hobbies: ['tennis', 'unicycling', 'golf'] },
          { _id: 2, name: 'Carole Hale', friends: ['Joseph Dennis', 'Tanya Jordan', 'Terry Hawkins'], hobbies: ['archery', 'golf', 'woodworking'] },
          { _id: 3, name: 'Terry Hawkins', friends: ['Tanya Jordan', 'Carole Hale', 'Angelo Ward'], hobbies: ['knitting', 'frisbee'] },
          { _id: 4, name: 'Joseph Dennis', friends: ['Angelo Ward', 'Carole Hale'], hobbies: ['tennis', 'golf', 'topiary'] },
          { _id: 5, name: 'Angelo Ward', friends: ['Terry Hawkins', 'Shirley Soto', 'Joseph Dennis'], hobbies: ['travel', 'ceramics', 'golf'] },
          { _id: 6, name: 'Shirley Soto', friends: ['Angelo Ward', 'Tanya Jordan', 'Carole Hale'], hobbies: ['frisbee', 'set theory'] },
        ]);
      });

      it('the manual: within a single collection', async () => {
        const out = await db.collection('employees').aggregate([
          { $graphLookup: { from: 'employees', startWith: '$reportsTo', connectFromField: 'reportsTo', connectToField: 'name', as: 'reportingHierarchy' } },
        ]).toArray();
        const hierarchy = out.map((e) => [e.name, (e.reportingHierarchy as Document[]).slice().sort(byId)]);
        assert.deepEqual(hierarchy, [
          ['Dev', []],
          ['Eliot', [{ _id: 1, name: 'Dev' }]],
          ['Ron', [{ _id: 1, name: 'Dev' }, { _id: 2, name: 'Eliot', reportsTo: 'Dev' }]],
          ['Andrew', [{ _id: 1, name: 'Dev' }, { _id: 2, name: 'Eliot', reportsTo: 'Dev' }]],
          ['Asya', [{ _id: 1, name: 'Dev' }, { _id: 2, name: 'Eliot', reportsTo: 'Dev' }, { _id: 3, name: 'Ron', reportsTo: 'Eliot' }]],
          ['Dan', [{ _id: 1, name: 'Dev' }, { _id: 2, name: 'Eliot', reportsTo: 'Dev' }, { _id: 4, name: 'Andrew', reportsTo: 'Eliot' }]],
        ]);
      });

      it('the manual: across collections, with maxDepth and depthField', async () => {
        const out = await db.collection('travelers').aggregate([
          { $graphLookup: { from: 'airports', startWith: '$nearestAirport', connectFromField: 'connects', connectToField: 'airport', maxDepth: 2, depthField: 'numConnections', as: 'destinations' } },
        ]).toArray();
        const reach = out.map((t) => [t.name, (t.destinations as Document[]).map((d) => [d.airport, d.numConnections]).sort()]);
        assert.deepEqual(reach, [
          ['Dev', [['BOS', 1], ['JFK', 0], ['ORD', 1], ['PWM', 2]]],
          ['Eliot', [['BOS', 1], ['JFK', 0], ['ORD', 1], ['PWM', 2]]],
          ['Jeff', [['BOS', 0], ['JFK', 1], ['LHR', 2], ['ORD', 2], ['PWM', 1]]],
        ]);
        const jfk = (out[0]!.destinations as Document[]).find((d) => d.airport === 'JFK');
        assert.deepEqual(jfk, { _id: 0, airport: 'JFK', connects: ['BOS', 'ORD'], numConnections: 0 });
      });

      it('the manual: restrictSearchWithMatch', async () => {
        const out = await db.collection('people').aggregate([
          { $match: { name: 'Tanya Jordan' } },
          { $graphLookup: { from: 'people', startWith: '$friends', connectFromField: 'friends', connectToField: 'name', as: 'golfers', restrictSearchWithMatch: { hobbies: 'golf' } } },
          { $project: { name: 1, friends: 1, 'connections who play golf': '$golfers.name' } },
        ]).toArray();
        assert.equal(out.length, 1);
        const golfers = (out[0]!['connections who play golf'] as string[]).slice().sort();
        assert.deepEqual(golfers, ['Angelo Ward', 'Carole Hale', 'Joseph Dennis', 'Tanya Jordan']);
        assert.deepEqual(out[0]!.friends, ['Shirley Soto', 'Terry Hawkins', 'Carole Hale']);
      });

      it('followed by $unwind, one document per reached one', async () => {
        const out = await db.collection('travelers').aggregate([
          { $match: { _id: 3 } },
          { $graphLookup: { from: 'airports', startWith: '$nearestAirport', connectFromField: 'connects', connectToField: 'airport', maxDepth: 0, as: 'd' } },
          { $unwind: '$d' },
          { $project: { d: '$d.airport' } },
        ]).toArray();
        assert.deepEqual(out, [{ _id: 3, d: 'BOS' }]);
      });

      it('refuses bad specifications with mongod’s codes and messages', async () => {
        const base = { from: 'airports', startWith: '$nearestAirport', connectFromField: 'connects', connectToField: 'airport', as: 'd' };
        const run = (spec: unknown) => db.collection('travelers').aggregate([{ $graphLookup: spec }]).toArray();
        await rejectsWith(() => run(1), 9);
        await rejectsWith(() => run({ ...base, maxDepth: 'a' }), 40100, { message: 'maxDepth must be numeric, found type: string' });
        await rejectsWith(() => run({ ...base, maxDepth: -1 }), 40101, { message: 'maxDepth requires a nonnegative argument, found: -1' });
        await rejectsWith(() => run({ ...base, maxDepth: 1.5 }), 40102);
        await rejectsWith(() => run({ ...base, as: 1 }), 40103, { message: 'expected string as argument for as, found: int' });
        await rejectsWith(() => run({ ...base, other: 1 }), 40104, { message: 'Unknown argument to $graphLookup: other' });
        const { connectToField, ...missing } = base;
        void connectToField;
        await rejectsWith(() => run(missing), 40105, { message: "$graphLookup requires 'from', 'as', 'startWith', 'connectFromField', and 'connectToField' to be specified." });
        await rejectsWith(() => run({ ...base, restrictSearchWithMatch: 1 }), 40185, { message: 'restrictSearchWithMatch must be an object, found int' });
        await rejectsWith(() => run({ ...base, restrictSearchWithMatch: { $bogus: 1 } }), 2);
      });
    });
  });
}
