/**
 * The expression operators added for MongoDB 8.0 parity (trigonometry, bitwise, date arithmetic, $sortArray, the
 * data size operators, $toHashedIndexKey, $toUUID, $function and $accumulator) through the official driver: the
 * MongoDB manual's examples on collections inserted as the manual inserts them, with the outputs the manual prints,
 * and the errors mongod answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BSON, Binary, Decimal128, Int32, Long, ObjectId, type Db, type Document, type MongoClient } from 'mongodb';
import type { RunningServer } from '../../../src/server/index.js';
import { clientFor, rejectsWith, startInProcess } from './harness.js';

const dec = (s: string): Decimal128 => Decimal128.fromString(s);
const at = (s: string): Date => new Date(s);

const cakeSales = [
  { _id: 0, type: 'chocolate', orderDate: at('2020-05-18T14:10:30Z'), state: 'CA', price: 13, quantity: 120 },
  { _id: 1, type: 'chocolate', orderDate: at('2021-03-20T11:30:05Z'), state: 'WA', price: 14, quantity: 140 },
  { _id: 2, type: 'vanilla', orderDate: at('2021-01-11T06:31:15Z'), state: 'CA', price: 12, quantity: 145 },
  { _id: 3, type: 'vanilla', orderDate: at('2020-02-08T13:13:23Z'), state: 'WA', price: 13, quantity: 104 },
  { _id: 4, type: 'strawberry', orderDate: at('2019-05-18T16:09:01Z'), state: 'CA', price: 41, quantity: 162 },
  { _id: 5, type: 'strawberry', orderDate: at('2019-01-08T06:12:03Z'), state: 'WA', price: 43, quantity: 134 },
];

const employees = [
  {
    _id: 1, name: 'Alice', email: 'alice@company.com', position: 'Software Developer',
    current_task: { project_id: 1, project_name: 'Aggregation Improvements', project_duration: 5, hours: 20 },
  },
  {
    _id: 2, name: 'Bob', email: 'bob@company.com', position: 'Sales',
    current_task: { project_id: 2, project_name: 'Write Blog Posts', project_duration: 2, hours: 10, notes: 'Progress is slow. Waiting for feedback.' },
  },
  { _id: 3, name: 'Charlie', email: 'charlie@company.com', position: 'HR (On Leave)', current_task: null },
  {
    _id: 4, name: 'Dianne', email: 'diane@company.com', position: 'Web Designer',
    current_task: { project_id: 3, project_name: 'Update Home Page', notes: 'Need to scope this project.' },
  },
];

const team = [
  { name: 'pat', age: 30, address: { street: '12 Baker St', city: 'London' } },
  { name: 'dallas', age: 36, address: { street: '12 Cowper St', city: 'Palo Alto' } },
  { name: 'charlie', age: 42, address: { street: '12 French St', city: 'New Brunswick' } },
];

describe('expression operators through the official driver', () => {
  let server: RunningServer;
  let client: MongoClient;
  let db: Db;

  before(async () => {
    server = await startInProcess();
    client = clientFor(server.address);
    db = client.db('expressions');
    await db.collection<Document>('cakeSales').insertMany(cakeSales.map((c): Document => ({ ...c })));
    await db.collection<Document>('employees').insertMany(employees.map((e): Document => ({ ...e })));
    await db.collection<Document>('engineers').insertOne({ team });
    await db.collection<Document>('trigonometry').insertOne({
      _id: new ObjectId('5c50782193f833234ba90d85'), angle_a: dec('53.13010235415597870314438744090659'), hypotenuse: dec('5'),
    });
    await db.collection<Document>('switches').insertMany([
      { _id: 0, a: new Int32(0), b: new Int32(127) },
      { _id: 1, a: new Int32(2), b: new Int32(3) },
      { _id: 2, a: new Int32(3), b: new Int32(5) },
    ] as Document[]);
    await db.collection<Document>('shipping').insertMany([
      { custId: 456, purchaseDate: at('2020-12-31'), deliveryDate: at('2021-01-10') },
      { custId: 457, purchaseDate: at('2021-02-28'), deliveryDate: at('2021-03-01') },
      { custId: 458, purchaseDate: at('2021-02-26'), deliveryDate: at('2021-03-02') },
    ]);
    await db.collection<Document>('billing').insertMany([
      { location: 'America/New_York', login: at('2021-03-13T10:00:00-05:00'), logout: at('2021-03-14T18:00:00-05:00') },
      { location: 'America/Mexico_City', login: at('2021-03-13T10:00:00-00:00'), logout: at('2021-03-14T08:00:00-05:00') },
    ]);
    await db.collection<Document>('subscriptions').insertMany([
      { custId: 456, start: at('2010-01-01'), end: at('2011-01-01') },
      { custId: 457, start: at('2010-01-01'), end: at('2011-07-01') },
      { custId: 458, start: at('2010-03-01'), end: at('2010-04-30') },
    ]);
    await db.collection<Document>('months').insertMany([
      { month: 'January', start: at('2021-01-01'), end: at('2021-01-31') },
      { month: 'February', start: at('2021-02-01'), end: at('2021-02-28') },
      { month: 'March', start: at('2021-03-01'), end: at('2021-03-31') },
    ]);
    await db.collection<Document>('images').insertMany([
      { _id: 1, name: 'cat.jpg', binary: new Binary(Buffer.from('OEJTfmD8twzaj/LPKLIVkA==', 'base64'), 0) },
      { _id: 2, name: 'big_ben.jpg', binary: new Binary(Buffer.from('aGVsZmRqYWZqYmxhaGJsYXJnYWZkYXJlcTU1NDE1Z2FmZCBmZGFmZGE=', 'base64'), 0) },
      { _id: 5, name: 'empty.jpg', binary: new Binary(Buffer.alloc(0), 0) },
    ] as Document[]);
  });

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test("$sin: the manual's triangle, in decimals", async () => {
    const out = await db.collection<Document>('trigonometry').aggregate([
      { $addFields: { side_b: { $multiply: [{ $sin: { $degreesToRadians: '$angle_a' } }, '$hypotenuse'] } } },
    ]).toArray();
    assert.equal(out.length, 1);
    assert.ok(out[0]!.side_b instanceof Decimal128);
    assert.equal(out[0]!.side_b.toString(), '4.000000000000000000000000000000000');
  });

  test('$sin of infinity is refused as mongod refuses it', async () => {
    await rejectsWith(
      db.collection<Document>('trigonometry').aggregate([{ $set: { inf: -Infinity } }, { $project: { x: { $sin: '$inf' } } }]).toArray(),
      50989,
      { message: /cannot apply \$sin to -inf, value must in \(-inf,inf\)/ },
    );
  });

  test("$bitAnd: the manual's switches", async () => {
    const ints = await db.collection<Document>('switches').aggregate([{ $project: { result: { $bitAnd: ['$a', '$b'] } } }]).toArray();
    assert.deepStrictEqual(ints, [{ _id: 0, result: 0 }, { _id: 1, result: 2 }, { _id: 2, result: 1 }]);
    const longs = await db.collection<Document>('switches')
      .aggregate([{ $project: { result: { $bitAnd: ['$a', Long.fromNumber(63)] } } }], { promoteLongs: false })
      .toArray();
    assert.deepStrictEqual(longs.map((d) => [d._id, String(d.result), d.result?._bsontype]), [[0, '0', 'Long'], [1, '2', 'Long'], [2, '3', 'Long']]);
  });

  test('$bitNot, $bitOr and $bitXor, and a double operand', async () => {
    const out = await db.collection<Document>('switches').aggregate([
      { $match: { _id: 1 } },
      { $project: { _id: 0, not: { $bitNot: '$a' }, or: { $bitOr: ['$a', '$b'] }, xor: { $bitXor: ['$a', '$b'] } } },
    ]).toArray();
    assert.deepStrictEqual(out, [{ not: -3, or: 3, xor: 1 }]);
    await rejectsWith(db.collection<Document>('switches').aggregate([{ $project: { r: { $bitOr: ['$a', 1.5] } } }]).toArray(), 14, {
      codeName: 'TypeMismatch', message: /\$bitOr only supports int and long operands\./,
    });
  });

  test("$dateTrunc: the manual's cake sales in two-week bins", async () => {
    const out = await db.collection<Document>('cakeSales').aggregate([
      {
        $project: {
          _id: 1,
          orderDate: 1,
          truncatedOrderDate: {
            $dateTrunc: { date: '$orderDate', unit: 'week', binSize: 2, timezone: 'America/Los_Angeles', startOfWeek: 'Monday' },
          },
        },
      },
    ]).toArray();
    assert.deepStrictEqual(out, [
      { _id: 0, orderDate: at('2020-05-18T14:10:30.000Z'), truncatedOrderDate: at('2020-05-11T07:00:00.000Z') },
      { _id: 1, orderDate: at('2021-03-20T11:30:05.000Z'), truncatedOrderDate: at('2021-03-15T07:00:00.000Z') },
      { _id: 2, orderDate: at('2021-01-11T06:31:15.000Z'), truncatedOrderDate: at('2021-01-04T08:00:00.000Z') },
      { _id: 3, orderDate: at('2020-02-08T13:13:23.000Z'), truncatedOrderDate: at('2020-02-03T08:00:00.000Z') },
      { _id: 4, orderDate: at('2019-05-18T16:09:01.000Z'), truncatedOrderDate: at('2019-05-13T07:00:00.000Z') },
      { _id: 5, orderDate: at('2019-01-08T06:12:03.000Z'), truncatedOrderDate: at('2019-01-07T08:00:00.000Z') },
    ]);
  });

  test("$dateTrunc: the manual's six-month sums", async () => {
    const out = await db.collection<Document>('cakeSales').aggregate([
      { $group: { _id: { truncatedOrderDate: { $dateTrunc: { date: '$orderDate', unit: 'month', binSize: 6 } } }, sumQuantity: { $sum: '$quantity' } } },
      { $sort: { sumQuantity: 1 } },
    ]).toArray();
    assert.deepStrictEqual(out, [
      { _id: { truncatedOrderDate: at('2020-01-01T00:00:00.000Z') }, sumQuantity: 224 },
      { _id: { truncatedOrderDate: at('2021-01-01T00:00:00.000Z') }, sumQuantity: 285 },
      { _id: { truncatedOrderDate: at('2019-01-01T00:00:00.000Z') }, sumQuantity: 296 },
    ]);
  });

  test("$dateAdd: the manual's delivery dates and late shipments", async () => {
    const expected = await db.collection<Document>('shipping').aggregate([
      { $project: { _id: 0, custId: 1, expectedDeliveryDate: { $dateAdd: { startDate: '$purchaseDate', unit: 'day', amount: 3 } } } },
    ]).toArray();
    assert.deepStrictEqual(expected, [
      { custId: 456, expectedDeliveryDate: at('2021-01-03T00:00:00Z') },
      { custId: 457, expectedDeliveryDate: at('2021-03-03T00:00:00Z') },
      { custId: 458, expectedDeliveryDate: at('2021-03-01T00:00:00Z') },
    ]);
    const late = await db.collection<Document>('shipping').aggregate([
      { $match: { $expr: { $gt: ['$deliveryDate', { $dateAdd: { startDate: '$purchaseDate', unit: 'day', amount: 5 } }] } } },
      {
        $project: {
          _id: 0, custId: 1,
          purchased: { $dateToString: { format: '%Y-%m-%d', date: '$purchaseDate' } },
          delivery: { $dateToString: { format: '%Y-%m-%d', date: '$deliveryDate' } },
        },
      },
    ]).toArray();
    assert.deepStrictEqual(late, [{ custId: 456, purchased: '2020-12-31', delivery: '2021-01-10' }]);
  });

  test("$dateAdd: the manual's daylight saving time table", async () => {
    const fmt = (date: unknown, timezone?: string): unknown => ({ $dateToString: { format: '%Y-%m-%d %H:%M', date, ...(timezone ? { timezone } : {}) } });
    const days = { $dateAdd: { startDate: '$login', unit: 'day', amount: 1, timezone: '$location' } };
    const hours = { $dateAdd: { startDate: '$login', unit: 'hour', amount: 24, timezone: '$location' } };
    const out = await db.collection<Document>('billing').aggregate([
      {
        $project: {
          _id: 0, location: 1, start: fmt('$login'), days: fmt(days), hours: fmt(hours),
          startTZInfo: fmt('$login', '$location'), daysTZInfo: fmt(days, '$location'), hoursTZInfo: fmt(hours, '$location'),
        },
      },
    ]).toArray();
    assert.deepStrictEqual(out, [
      {
        location: 'America/New_York', start: '2021-03-13 15:00', days: '2021-03-14 14:00', hours: '2021-03-14 15:00',
        startTZInfo: '2021-03-13 10:00', daysTZInfo: '2021-03-14 10:00', hoursTZInfo: '2021-03-14 11:00',
      },
      {
        location: 'America/Mexico_City', start: '2021-03-13 10:00', days: '2021-03-14 10:00', hours: '2021-03-14 10:00',
        startTZInfo: '2021-03-13 04:00', daysTZInfo: '2021-03-14 04:00', hoursTZInfo: '2021-03-14 04:00',
      },
    ]);
  });

  test('$dateSubtract clamps to the end of the month', async () => {
    const out = await db.collection<Document>('cakeSales').aggregate([
      { $match: { _id: 0 } },
      { $project: { _id: 0, d: { $dateSubtract: { startDate: at('2021-03-31T10:00:00Z'), unit: 'month', amount: 1 } } } },
    ]).toArray();
    assert.deepStrictEqual(out, [{ d: at('2021-02-28T10:00:00Z') }]);
  });

  test("$dateDiff: the manual's result precision table", async () => {
    const diff = (unit: string): unknown => ({ $dateDiff: { startDate: '$start', endDate: '$end', unit } });
    const out = await db.collection<Document>('subscriptions').aggregate([
      { $project: { _id: 0, years: diff('year'), months: diff('month'), days: diff('day') } },
    ]).toArray();
    assert.deepStrictEqual(out, [{ years: 1, months: 12, days: 365 }, { years: 1, months: 18, days: 546 }, { years: 0, months: 1, days: 60 }]);
  });

  test("$dateDiff: the manual's weeks per month", async () => {
    const weeks = (extra: Record<string, unknown>): unknown => ({ $dateDiff: { startDate: '$start', endDate: '$end', unit: 'week', ...extra } });
    const out = await db.collection<Document>('months').aggregate([
      { $project: { _id: 0, wks_default: weeks({}), wks_monday: weeks({ startOfWeek: 'Monday' }), wks_friday: weeks({ startOfWeek: 'fri' }) } },
    ]).toArray();
    assert.deepStrictEqual(out, [
      { wks_default: 5, wks_monday: 4, wks_friday: 4 },
      { wks_default: 4, wks_monday: 3, wks_friday: 4 },
      { wks_default: 4, wks_monday: 4, wks_friday: 4 },
    ]);
  });

  test('a date operator with a bad argument names the stage, as mongod does', async () => {
    await rejectsWith(db.collection<Document>('months').aggregate([{ $project: { d: { $dateAdd: { startDate: '$start', unit: 'day' } } } }]).toArray(), 5166402, {
      message: /\$dateAdd requires startDate, unit, and amount to be present/,
    });
    await rejectsWith(db.collection<Document>('months').aggregate([{ $project: { d: { $dateTrunc: { date: '$month', unit: 'day' } } } }]).toArray(), 5166307, {
      message: /\$dateTrunc requires 'date' to be a date, but got string/,
    });
  });

  test("$sortArray: the manual's team sorts", async () => {
    const sorted = async (sortBy: unknown): Promise<string[]> => {
      const [doc] = await db.collection<Document>('engineers').aggregate([{ $project: { _id: 0, result: { $sortArray: { input: '$team', sortBy } } } }]).toArray();
      return (doc!.result as { name: string }[]).map((m) => m.name);
    };
    assert.deepStrictEqual(await sorted({ name: 1 }), ['charlie', 'dallas', 'pat']);
    assert.deepStrictEqual(await sorted({ 'address.city': -1 }), ['dallas', 'charlie', 'pat']);
    assert.deepStrictEqual(await sorted({ age: -1, name: 1 }), ['charlie', 'dallas', 'pat']);
    const [ints] = await db.collection<Document>('engineers').aggregate([
      { $project: { _id: 0, result: { $sortArray: { input: [1, 4, 1, 6, 12, 5], sortBy: 1 } } } },
    ]).toArray();
    assert.deepStrictEqual(ints, { result: [1, 1, 4, 5, 6, 12] });
  });

  test("$sortArray: the manual's mixed types", async () => {
    const input = [20, 4, { a: 'Free' }, 6, 21, 5, 'Gratis', { a: null }, { a: { sale: true, price: 19 } }, dec('10.23'), { a: 'On sale' }];
    const [whole] = await db.collection<Document>('engineers').aggregate([{ $project: { _id: 0, result: { $sortArray: { input, sortBy: 1 } } } }]).toArray();
    assert.deepStrictEqual(whole, {
      result: [4, 5, 6, dec('10.23'), 20, 21, 'Gratis', { a: null }, { a: 'Free' }, { a: 'On sale' }, { a: { sale: true, price: 19 } }],
    });
    const [byField] = await db.collection<Document>('engineers').aggregate([{ $project: { _id: 0, result: { $sortArray: { input, sortBy: { a: 1 } } } } }]).toArray();
    assert.deepStrictEqual(byField, {
      result: [20, 4, 6, 21, 5, 'Gratis', { a: null }, dec('10.23'), { a: 'Free' }, { a: 'On sale' }, { a: { sale: true, price: 19 } }],
    });
  });

  test("$bsonSize: the manual's employees", async () => {
    // The manual prints sizes of documents its shell stored with doubles (and a few bytes it does not show); the
    // sizes here are of the documents as this driver stores them, measured by the driver's own BSON encoder.
    const stored = await db.collection<Document>('employees').find().sort({ _id: 1 }).toArray();
    const sizeOf = (doc: Document): number => BSON.calculateObjectSize(doc);
    const sizes = await db.collection<Document>('employees').aggregate([{ $project: { name: 1, object_size: { $bsonSize: '$$ROOT' } } }]).toArray();
    assert.deepStrictEqual(sizes, stored.map((doc) => ({ _id: doc._id, name: doc.name, object_size: sizeOf(doc) })));
    const combined = await db.collection<Document>('employees').aggregate([
      { $group: { _id: null, combined_object_size: { $sum: { $bsonSize: '$$ROOT' } } } },
    ]).toArray();
    assert.deepStrictEqual(combined, [{ _id: null, combined_object_size: stored.reduce((n, doc) => n + sizeOf(doc), 0) }]);
    const largest = await db.collection<Document>('employees').aggregate([
      { $project: { name: '$name', task_object_size: { $bsonSize: '$current_task' } } },
      { $sort: { task_object_size: -1 } },
      { $limit: 1 },
    ]).toArray();
    assert.deepStrictEqual(largest, [{ _id: 2, name: 'Bob', task_object_size: sizeOf(stored[1]!.current_task as Document) }]);
    const charlie = await db.collection<Document>('employees').aggregate([
      { $match: { _id: 3 } }, { $project: { task_object_size: { $bsonSize: '$current_task' } } },
    ]).toArray();
    assert.deepStrictEqual(charlie, [{ _id: 3, task_object_size: null }]);
  });

  test("$binarySize: the manual's images", async () => {
    const out = await db.collection<Document>('images').aggregate([{ $project: { name: '$name', imageSize: { $binarySize: '$binary' } } }]).toArray();
    assert.deepStrictEqual(out, [
      { _id: 1, name: 'cat.jpg', imageSize: 16 },
      { _id: 2, name: 'big_ben.jpg', imageSize: 41 },
      { _id: 5, name: 'empty.jpg', imageSize: 0 },
    ]);
  });

  test('$toHashedIndexKey is the key of a hashed index on the field', async () => {
    const coll = db.collection<Document>('hashed');
    await coll.insertMany([{ _id: 1, v: 'string to hash' }, { _id: 2, v: 42 }] as Document[]);
    await coll.createIndex({ v: 'hashed' });
    const keys = await coll.aggregate([{ $project: { key: { $toHashedIndexKey: '$v' } } }], { promoteLongs: false }).toArray();
    for (const { _id, key } of keys) {
      assert.equal(key?._bsontype, 'Long');
      // The index finds the document by the key it stores for the value, so the same key reads it back.
      const [found] = await coll.aggregate([{ $match: { $expr: { $eq: [{ $toHashedIndexKey: '$v' }, key] } } }]).toArray();
      assert.equal(found?._id, _id);
    }
  });

  test("$toUUID: the manual's products", async () => {
    const products = db.collection<Document>('products');
    await products.insertOne({ name: 'laptop', price: 400, UUID: '0e3b9063-8abd-4eb3-9f9f-f4c59fd30a60' });
    const out = await products.aggregate([{ $project: { _id: 0, name: 1, price: 1, UUID: { $toUUID: '$UUID' } } }]).toArray();
    assert.equal(out.length, 1);
    assert.deepStrictEqual({ ...out[0], UUID: undefined }, { name: 'laptop', price: 400, UUID: undefined });
    const uuid = out[0]!.UUID as Binary;
    assert.ok(uuid instanceof Binary);
    assert.equal(uuid.sub_type, 4);
    assert.equal(uuid.toUUID().toHexString(), '0e3b9063-8abd-4eb3-9f9f-f4c59fd30a60');
    await rejectsWith(products.aggregate([{ $project: { u: { $toUUID: '$price' } } }]).toArray(), 241, { codeName: 'ConversionFailure' });
  });

  test('$function and $accumulator answer as mongod with server-side JavaScript disabled', async () => {
    await rejectsWith(db.collection<Document>('cakeSales').aggregate([
      { $addFields: { isFound: { $function: { body: 'function(name) { return name.length > 3 }', args: ['$type'], lang: 'js' } } } },
    ]).toArray(), 31264, { message: 'Cannot run server-side javascript without the javascript engine enabled' });
    await rejectsWith(db.collection<Document>('cakeSales').aggregate([
      {
        $group: {
          _id: '$state',
          avg: {
            $accumulator: {
              init: 'function() { return { count: 0, sum: 0 } }',
              accumulate: 'function(state, q) { return { count: state.count + 1, sum: state.sum + q } }',
              accumulateArgs: ['$quantity'],
              merge: 'function(a, b) { return { count: a.count + b.count, sum: a.sum + b.sum } }',
              finalize: 'function(state) { return state.sum / state.count }',
              lang: 'js',
            },
          },
        },
      },
    ]).toArray(), 31264);
    await rejectsWith(db.collection<Document>('cakeSales').aggregate([
      { $group: { _id: null, x: { $accumulator: { init: 'function() {}', accumulate: 'function() {}', merge: 'function() {}', lang: 'js' } } } },
    ]).toArray(), 4544710, { message: /\$accumulator missing required argument 'accumulateArgs'/ });
  });
});
