/**
 * $setWindowFields through the embedded client, on every storage mode: the MongoDB manual's examples for the stage
 * and for each window operator (collections and expected outputs as the manual gives them), then bad
 * specifications with mongod's codes and messages.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, type Client, type Collection, type Document } from '../../../src/index.js';
import { modes, openClient } from '../../helpers/embedded.js';
import { rejectsWith } from '../../helpers/assertions.js';

const cakeSales = [
  { _id: 0, type: 'chocolate', orderDate: new Date('2020-05-18T14:10:30Z'), state: 'CA', price: 13, quantity: 120 },
  { _id: 1, type: 'chocolate', orderDate: new Date('2021-03-20T11:30:05Z'), state: 'WA', price: 14, quantity: 140 },
  { _id: 2, type: 'vanilla', orderDate: new Date('2021-01-11T06:31:15Z'), state: 'CA', price: 12, quantity: 145 },
  { _id: 3, type: 'vanilla', orderDate: new Date('2020-02-08T13:13:23Z'), state: 'WA', price: 13, quantity: 104 },
  { _id: 4, type: 'strawberry', orderDate: new Date('2019-05-18T16:09:01Z'), state: 'CA', price: 41, quantity: 162 },
  { _id: 5, type: 'strawberry', orderDate: new Date('2019-01-08T06:12:03Z'), state: 'WA', price: 43, quantity: 134 },
];

const stockPrices = [
  { stock: 'ABC', date: new Date('2020-05-18T20:00:00Z'), price: 13 },
  { stock: 'ABC', date: new Date('2020-05-19T20:00:00Z'), price: 15.4 },
  { stock: 'ABC', date: new Date('2020-05-20T20:00:00Z'), price: 12 },
  { stock: 'ABC', date: new Date('2020-05-21T20:00:00Z'), price: 11.7 },
  { stock: 'DEF', date: new Date('2020-05-18T20:00:00Z'), price: 82 },
  { stock: 'DEF', date: new Date('2020-05-19T20:00:00Z'), price: 94 },
  { stock: 'DEF', date: new Date('2020-05-20T20:00:00Z'), price: 112 },
  { stock: 'DEF', date: new Date('2020-05-21T20:00:00Z'), price: 97.3 },
];

const deliveryFleet = [
  { truckID: '1', timeStamp: new Date('2020-05-18T14:10:30Z'), miles: 1295.1 },
  { truckID: '1', timeStamp: new Date('2020-05-18T14:11:00Z'), miles: 1295.63 },
  { truckID: '1', timeStamp: new Date('2020-05-18T14:11:30Z'), miles: 1296.09 },
  { truckID: '1', timeStamp: new Date('2020-05-18T14:12:00Z'), miles: 1296.57 },
  { truckID: '2', timeStamp: new Date('2020-05-18T14:10:30Z'), miles: 10234.1 },
  { truckID: '2', timeStamp: new Date('2020-05-18T14:11:00Z'), miles: 10234.33 },
  { truckID: '2', timeStamp: new Date('2020-05-18T14:11:30Z'), miles: 10234.73 },
  { truckID: '2', timeStamp: new Date('2020-05-18T14:12:00Z'), miles: 10235.13 },
];

const powerConsumption = [
  { powerMeterID: '1', timeStamp: new Date('2020-05-18T14:10:30Z'), kilowatts: 2.95 },
  { powerMeterID: '1', timeStamp: new Date('2020-05-18T14:11:00Z'), kilowatts: 2.7 },
  { powerMeterID: '1', timeStamp: new Date('2020-05-18T14:11:30Z'), kilowatts: 2.6 },
  { powerMeterID: '1', timeStamp: new Date('2020-05-18T14:12:00Z'), kilowatts: 2.98 },
  { powerMeterID: '2', timeStamp: new Date('2020-05-18T14:10:30Z'), kilowatts: 2.5 },
  { powerMeterID: '2', timeStamp: new Date('2020-05-18T14:11:00Z'), kilowatts: 2.25 },
  { powerMeterID: '2', timeStamp: new Date('2020-05-18T14:11:30Z'), kilowatts: 2.75 },
  { powerMeterID: '2', timeStamp: new Date('2020-05-18T14:12:00Z'), kilowatts: 2.82 },
];

const stock = [
  { time: new Date('2021-03-08T09:00:00.000Z'), price: 500 },
  { time: new Date('2021-03-08T10:00:00.000Z') },
  { time: new Date('2021-03-08T11:00:00.000Z'), price: 515 },
  { time: new Date('2021-03-08T12:00:00.000Z') },
  { time: new Date('2021-03-08T13:00:00.000Z') },
  { time: new Date('2021-03-08T14:00:00.000Z'), price: 485 },
];

/** `docs` reduced to `_id` and the named fields, in order. */
function pick(docs: Document[], ...fields: string[]): Document[] {
  return docs.map((d) => Object.fromEntries(['_id', ...fields].filter((f) => f in d).map((f) => [f, d[f]])));
}

function close(actual: unknown, expected: number, what: string): void {
  assert.equal(typeof actual, 'number', `${what}: ${String(actual)}`);
  assert.ok(Math.abs((actual as number) - expected) < 1e-9, `${what}: ${String(actual)} is not ${expected}`);
}

for (const mode of modes()) {
  describe(`$setWindowFields (${mode})`, () => {
    let client: Client;
    let cleanup: () => Promise<void>;
    let cakes: Collection;
    let db: ReturnType<Client['db']>;

    before(async () => {
      ({ client, cleanup } = await openClient(mode));
      db = client.db('windows');
      cakes = db.collection('cakeSales');
      await cakes.insertMany(cakeSales.map((d) => ({ ...d })));
      await db.collection('stockPrices').insertMany(stockPrices.map((d) => ({ ...d })));
      await db.collection('deliveryFleet').insertMany(deliveryFleet.map((d) => ({ ...d })));
      await db.collection('powerConsumption').insertMany(powerConsumption.map((d) => ({ ...d })));
      await db.collection('stock').insertMany(stock.map((d) => ({ ...d })));
    });
    after(() => cleanup());

    describe('the manual\'s $setWindowFields examples', () => {
      it('cumulative quantity per state: $sum over documents [unbounded, current]', async () => {
        const out = await cakes.aggregate([{ $setWindowFields: {
          partitionBy: '$state', sortBy: { orderDate: 1 },
          output: { cumulativeQuantityForState: { $sum: '$quantity', window: { documents: ['unbounded', 'current'] } } },
        } }]).toArray();
        assert.deepEqual(out, [
          { ...cakeSales[4], cumulativeQuantityForState: 162 },
          { ...cakeSales[0], cumulativeQuantityForState: 282 },
          { ...cakeSales[2], cumulativeQuantityForState: 427 },
          { ...cakeSales[5], cumulativeQuantityForState: 134 },
          { ...cakeSales[3], cumulativeQuantityForState: 238 },
          { ...cakeSales[1], cumulativeQuantityForState: 378 },
        ]);
      });

      it('moving average per year: $avg over documents [-1, 0], partitioned by an expression', async () => {
        const out = await cakes.aggregate([{ $setWindowFields: {
          partitionBy: { $year: '$orderDate' }, sortBy: { orderDate: 1 },
          output: { averageQuantity: { $avg: '$quantity', window: { documents: [-1, 0] } } },
        } }]).toArray();
        assert.deepEqual(pick(out, 'averageQuantity'), [
          { _id: 5, averageQuantity: 134 }, { _id: 4, averageQuantity: 148 },
          { _id: 3, averageQuantity: 104 }, { _id: 0, averageQuantity: 112 },
          { _id: 2, averageQuantity: 145 }, { _id: 1, averageQuantity: 142.5 },
        ]);
      });

      it('cumulative and maximum quantity per year over the whole partition', async () => {
        const out = await cakes.aggregate([{ $setWindowFields: {
          partitionBy: { $year: '$orderDate' }, sortBy: { orderDate: 1 },
          output: {
            cumulativeQuantityForYear: { $sum: '$quantity', window: { documents: ['unbounded', 'unbounded'] } },
            maximumQuantityForYear: { $max: '$quantity', window: { documents: ['unbounded', 'unbounded'] } },
          },
        } }]).toArray();
        assert.deepEqual(pick(out, 'cumulativeQuantityForYear', 'maximumQuantityForYear'), [
          { _id: 5, cumulativeQuantityForYear: 296, maximumQuantityForYear: 162 },
          { _id: 4, cumulativeQuantityForYear: 296, maximumQuantityForYear: 162 },
          { _id: 3, cumulativeQuantityForYear: 224, maximumQuantityForYear: 120 },
          { _id: 0, cumulativeQuantityForYear: 224, maximumQuantityForYear: 120 },
          { _id: 2, cumulativeQuantityForYear: 285, maximumQuantityForYear: 145 },
          { _id: 1, cumulativeQuantityForYear: 285, maximumQuantityForYear: 145 },
        ]);
      });

      it('quantity of orders with a similar price: range [-10, 10]', async () => {
        const out = await cakes.aggregate([{ $setWindowFields: {
          partitionBy: '$state', sortBy: { price: 1 },
          output: { quantityFromSimilarOrders: { $sum: '$quantity', window: { range: [-10, 10] } } },
        } }]).toArray();
        assert.deepEqual(pick(out, 'quantityFromSimilarOrders'), [
          { _id: 2, quantityFromSimilarOrders: 265 }, { _id: 0, quantityFromSimilarOrders: 265 },
          { _id: 4, quantityFromSimilarOrders: 162 }, { _id: 3, quantityFromSimilarOrders: 244 },
          { _id: 1, quantityFromSimilarOrders: 244 }, { _id: 5, quantityFromSimilarOrders: 134 },
        ]);
      });

      it('time range windows with a unit: ten months ahead, and up to ten months before', async () => {
        const d = (i: number) => cakeSales[i]!.orderDate;
        const ahead = await cakes.aggregate([{ $setWindowFields: {
          partitionBy: '$state', sortBy: { orderDate: 1 },
          output: { recentOrders: { $push: '$orderDate', window: { range: ['unbounded', 10], unit: 'month' } } },
        } }]).toArray();
        assert.deepEqual(pick(ahead, 'recentOrders'), [
          { _id: 4, recentOrders: [d(4)] }, { _id: 0, recentOrders: [d(4), d(0), d(2)] }, { _id: 2, recentOrders: [d(4), d(0), d(2)] },
          { _id: 5, recentOrders: [d(5)] }, { _id: 3, recentOrders: [d(5), d(3)] }, { _id: 1, recentOrders: [d(5), d(3), d(1)] },
        ]);
        const before = await cakes.aggregate([{ $setWindowFields: {
          partitionBy: '$state', sortBy: { orderDate: 1 },
          output: { recentOrders: { $push: '$orderDate', window: { range: ['unbounded', -10], unit: 'month' } } },
        } }]).toArray();
        assert.deepEqual(pick(before, 'recentOrders'), [
          { _id: 4, recentOrders: [] }, { _id: 0, recentOrders: [d(4)] }, { _id: 2, recentOrders: [d(4)] },
          { _id: 5, recentOrders: [] }, { _id: 3, recentOrders: [d(5)] }, { _id: 1, recentOrders: [d(5), d(3)] },
        ]);
      });
    });

    describe('the manual\'s window operator examples', () => {
      it('$rank, $denseRank and $documentNumber by quantity descending', async () => {
        const out = await cakes.aggregate([{ $setWindowFields: {
          partitionBy: '$state', sortBy: { quantity: -1 },
          output: { rank: { $rank: {} }, dense: { $denseRank: {} }, number: { $documentNumber: {} } },
        } }]).toArray();
        assert.deepEqual(pick(out, 'rank', 'dense', 'number'), [
          { _id: 4, rank: 1, dense: 1, number: 1 }, { _id: 2, rank: 2, dense: 2, number: 2 }, { _id: 0, rank: 3, dense: 3, number: 3 },
          { _id: 1, rank: 1, dense: 1, number: 1 }, { _id: 5, rank: 2, dense: 2, number: 2 }, { _id: 3, rank: 3, dense: 3, number: 3 },
        ]);
      });

      it('$rank skips after ties, $denseRank does not', async () => {
        const coll = db.collection('ties');
        await coll.insertMany([{ _id: 1, q: 5 }, { _id: 2, q: 7 }, { _id: 3, q: 5 }, { _id: 4, q: 9 }, { _id: 5, q: 7 }]);
        const out = await coll.aggregate([{ $setWindowFields: {
          sortBy: { q: 1 }, output: { rank: { $rank: {} }, dense: { $denseRank: {} }, number: { $documentNumber: {} } },
        } }, { $project: { _id: 0 } }]).toArray();
        assert.deepEqual(out, [
          { q: 5, rank: 1, dense: 1, number: 1 }, { q: 5, rank: 1, dense: 1, number: 2 },
          { q: 7, rank: 3, dense: 2, number: 3 }, { q: 7, rank: 3, dense: 2, number: 4 }, { q: 9, rank: 5, dense: 3, number: 5 },
        ]);
      });

      it('$shift one document later and earlier, with a default', async () => {
        const later = await cakes.aggregate([{ $setWindowFields: {
          partitionBy: '$state', sortBy: { quantity: -1 },
          output: { shiftQuantityForState: { $shift: { output: '$quantity', by: 1, default: 'Not available' } } },
        } }]).toArray();
        assert.deepEqual(pick(later, 'shiftQuantityForState'), [
          { _id: 4, shiftQuantityForState: 145 }, { _id: 2, shiftQuantityForState: 120 }, { _id: 0, shiftQuantityForState: 'Not available' },
          { _id: 1, shiftQuantityForState: 134 }, { _id: 5, shiftQuantityForState: 104 }, { _id: 3, shiftQuantityForState: 'Not available' },
        ]);
        const earlier = await cakes.aggregate([{ $setWindowFields: {
          partitionBy: '$state', sortBy: { quantity: -1 },
          output: { shiftQuantityForState: { $shift: { output: '$quantity', by: -1 } } },
        } }]).toArray();
        assert.deepEqual(pick(earlier, 'shiftQuantityForState'), [
          { _id: 4, shiftQuantityForState: null }, { _id: 2, shiftQuantityForState: 162 }, { _id: 0, shiftQuantityForState: 145 },
          { _id: 1, shiftQuantityForState: null }, { _id: 5, shiftQuantityForState: 140 }, { _id: 3, shiftQuantityForState: 134 },
        ]);
      });

      it('$expMovingAvg with N and with alpha', async () => {
        const coll = db.collection('stockPrices');
        const withN = await coll.aggregate([{ $setWindowFields: {
          partitionBy: '$stock', sortBy: { date: 1 },
          output: { expMovingAvgForStock: { $expMovingAvg: { input: '$price', N: 2 } } },
        } }]).toArray();
        assert.deepEqual(withN.map((d) => d.expMovingAvgForStock), [13, 14.6, 12.866666666666667, 12.088888888888889, 82, 90, 104.66666666666667, 99.75555555555556]);
        const withAlpha = await coll.aggregate([{ $setWindowFields: {
          partitionBy: '$stock', sortBy: { date: 1 },
          output: { expMovingAvgForStock: { $expMovingAvg: { input: '$price', alpha: 0.75 } } },
        } }]).toArray();
        assert.deepEqual(withAlpha.map((d) => d.expMovingAvgForStock), [13, 14.8, 12.7, 11.95, 82, 91, 106.75, 99.6625]);
      });

      it('$derivative: average truck speed in miles per hour over 30-second windows', async () => {
        const out = await db.collection('deliveryFleet').aggregate([
          { $setWindowFields: {
            partitionBy: '$truckID', sortBy: { timeStamp: 1 },
            output: { truckAverageSpeed: { $derivative: { input: '$miles', unit: 'hour' }, window: { range: [-30, 0], unit: 'second' } } },
          } },
          { $match: { truckAverageSpeed: { $gt: 50 } } },
        ]).toArray();
        assert.deepEqual(out.map((d) => [d.truckID, d.timeStamp]), [
          ['1', deliveryFleet[1]!.timeStamp], ['1', deliveryFleet[2]!.timeStamp], ['1', deliveryFleet[3]!.timeStamp],
        ]);
        close(out[0]!.truckAverageSpeed, 63.6, 'first speed');
        close(out[1]!.truckAverageSpeed, 55.2, 'second speed');
        close(out[2]!.truckAverageSpeed, 57.6, 'third speed');
      });

      it('$integral: kilowatt-hours over one-minute windows', async () => {
        const out = await db.collection('powerConsumption').aggregate([{ $setWindowFields: {
          partitionBy: '$powerMeterID', sortBy: { timeStamp: 1 },
          output: { powerMeterKilowattHours: { $integral: { input: '$kilowatts', unit: 'hour' }, window: { range: [-60, 'current'], unit: 'second' } } },
        } }]).toArray();
        // Trapezoids of 30 s (1/120 h) between neighbours; a window spans at most two of them.
        const kw = powerConsumption.map((d) => d.kilowatts);
        const t = (a: number, b: number) => ((kw[a]! + kw[b]!) / 2) / 120;
        const expected = [0, t(0, 1), t(0, 1) + t(1, 2), t(1, 2) + t(2, 3), 0, t(4, 5), t(4, 5) + t(5, 6), t(5, 6) + t(6, 7)];
        assert.equal(out.length, 8);
        out.forEach((d, i) => close(d.powerMeterKilowattHours, expected[i]!, `document ${i}`));
      });

      it('$covariancePop and $covarianceSamp of the year and the quantity', async () => {
        const out = await cakes.aggregate([{ $setWindowFields: {
          partitionBy: '$state', sortBy: { orderDate: 1 },
          output: {
            pop: { $covariancePop: [{ $year: '$orderDate' }, '$quantity'], window: { documents: ['unbounded', 'current'] } },
            samp: { $covarianceSamp: [{ $year: '$orderDate' }, '$quantity'], window: { documents: ['unbounded', 'current'] } },
          },
        } }]).toArray();
        assert.deepEqual(out.map((d) => d._id), [4, 0, 2, 5, 3, 1]);
        const pops = [0, -10.5, -17 / 3, 0, -7.5, 2];
        const samps = [null, -21, -8.5, null, -15, 3];
        out.forEach((d, i) => {
          close(d.pop, pops[i]!, `pop ${i}`);
          if (samps[i] === null) assert.equal(d.samp, null);
          else close(d.samp, samps[i]!, `samp ${i}`);
        });
      });

      it('$locf and $linearFill fill the missing prices', async () => {
        const out = await db.collection('stock').aggregate([
          { $setWindowFields: { sortBy: { time: 1 }, output: { locf: { $locf: '$price' }, linear: { $linearFill: '$price' } } } },
          { $project: { _id: 0, time: 0 } },
        ]).toArray();
        assert.deepEqual(out, [
          { price: 500, locf: 500, linear: 500 }, { locf: 500, linear: 507.5 }, { price: 515, locf: 515, linear: 515 },
          { locf: 515, linear: 505 }, { locf: 515, linear: 495 }, { price: 485, locf: 485, linear: 485 },
        ]);
      });

      it('the accumulators as window functions over a sliding window', async () => {
        const out = await cakes.aggregate([{ $setWindowFields: {
          sortBy: { _id: 1 },
          output: {
            count: { $count: {}, window: { documents: [-1, 1] } },
            sum: { $sum: '$price', window: { documents: [-1, 1] } },
            min: { $min: '$price', window: { documents: [-1, 1] } },
            max: { $max: '$price', window: { documents: [-1, 1] } },
            first: { $first: '$type', window: { documents: [-1, 1] } },
            last: { $last: '$type', window: { documents: [-1, 1] } },
            push: { $push: '$price', window: { documents: [-1, 1] } },
            // A sliding window's $addToSet comes in value order, as mongod's.
            set: { $addToSet: '$type', window: { documents: [-1, 1] } },
            pop: { $stdDevPop: '$price', window: { documents: [0, 1] } },
          },
        } }, { $project: { _id: 1, count: 1, sum: 1, min: 1, max: 1, first: 1, last: 1, push: 1, set: 1, pop: 1 } }]).toArray();
        [0.5, 1, 0.5, 14, 1, 0].forEach((pop, i) => close(out[i]!.pop, pop, `$stdDevPop ${i}`));
        assert.deepEqual(out.map(({ pop: _pop, ...rest }) => rest), [
          { _id: 0, count: 2, sum: 27, min: 13, max: 14, first: 'chocolate', last: 'chocolate', push: [13, 14], set: ['chocolate'] },
          { _id: 1, count: 3, sum: 39, min: 12, max: 14, first: 'chocolate', last: 'vanilla', push: [13, 14, 12], set: ['chocolate', 'vanilla'] },
          { _id: 2, count: 3, sum: 39, min: 12, max: 14, first: 'chocolate', last: 'vanilla', push: [14, 12, 13], set: ['chocolate', 'vanilla'] },
          { _id: 3, count: 3, sum: 66, min: 12, max: 41, first: 'vanilla', last: 'strawberry', push: [12, 13, 41], set: ['strawberry', 'vanilla'] },
          { _id: 4, count: 3, sum: 97, min: 13, max: 43, first: 'vanilla', last: 'strawberry', push: [13, 41, 43], set: ['strawberry', 'vanilla'] },
          { _id: 5, count: 2, sum: 84, min: 41, max: 43, first: 'strawberry', last: 'strawberry', push: [41, 43], set: ['strawberry'] },
        ]);
      });

      it('an empty window gives each function its empty value', async () => {
        const out = await cakes.aggregate([{ $setWindowFields: {
          sortBy: { _id: 1 },
          output: {
            sum: { $sum: '$price', window: { documents: [5, 6] } },
            avg: { $avg: '$price', window: { documents: [5, 6] } },
            push: { $push: '$price', window: { documents: [5, 6] } },
            first: { $first: '$price', window: { documents: [5, 6] } },
          },
        } }, { $project: { _id: 1, sum: 1, avg: 1, push: 1, first: 1 } }]).toArray();
        assert.deepEqual(out[0], { _id: 0, sum: 43, avg: 43, push: [43], first: 43 });
        assert.deepEqual(out[1], { _id: 1, sum: 0, avg: null, push: [], first: null });
      });

      it('keeps decimals exact in a sliding $sum, and writes dotted output paths', async () => {
        const coll = db.collection('decimals');
        await coll.insertMany([{ _id: 1, v: Decimal128.fromString('0.1') }, { _id: 2, v: Decimal128.fromString('0.2') }, { _id: 3, v: 1 }]);
        const out = await coll.aggregate([{ $setWindowFields: {
          sortBy: { _id: 1 }, output: { 'w.sum': { $sum: '$v', window: { documents: [-1, 0] } } },
        } }]).toArray();
        assert.deepEqual(out.map((d) => String((d.w as Document).sum)), ['0.1', '0.3', '1.2']);
      });
    });

    describe('bad specifications', () => {
      const fails = (stage: Document, code: number, message: string | RegExp, codeName?: string) =>
        rejectsWith(() => cakes.aggregate([{ $setWindowFields: stage }]).toArray(), code, { message, ...(codeName ? { codeName } : {}) });

      it('refuses a malformed stage with mongod\'s codes', async () => {
        await rejectsWith(() => cakes.aggregate([{ $setWindowFields: 1 }]).toArray(), 9, { message: 'the $setWindowFields stage specification must be an object, found int' });
        await fails({ sortBy: { a: 1 } }, 40414, "BSON field '$setWindowFields.output' is missing but a required field");
        await fails({ output: {}, extra: 1 }, 40415, "BSON field '$setWindowFields.extra' is an unknown field.");
        await fails({ sortBy: 1, output: {} }, 14, "BSON field '$setWindowFields.sortBy' is the wrong type 'int', expected type 'object'");
        await fails({ output: { a: 1 } }, 9, "The field 'a' must be an object");
        await fails({ output: { a: { $sum: 1 }, 'a.b': { $sum: 1 } } }, 6307900, "$setWindowFields 'output' specification contains two conflicting paths");
        await fails({ partitionBy: [1, 2], output: { a: { $sum: 1 } } }, 14, 'An expression used to partition cannot evaluate to value of type array', 'TypeMismatch');
      });

      it('refuses unknown and misspelled window functions', async () => {
        await fails({ output: { a: { $summ: '$x' } } }, 9, 'Unrecognized window function, $summ', 'FailedToParse');
        await fails({ output: { a: { x: 1 } } }, 9, 'Expected a $-prefixed window function, x');
        await fails({ output: { a: { $sum: 1, $avg: 1 } } }, 9, 'Cannot specify two functions in window function spec');
        await fails({ output: { a: { $sum: 1, foo: 1 } } }, 9, 'Window function found an unknown argument: foo');
        await fails({ output: { a: { $mergeObjects: '$x' } } }, 9, 'Unrecognized window function, $mergeObjects');
        await fails({ output: { a: { $topN: { n: 1, sortBy: { a: 1 }, output: '$a' } } } }, 238, /\$topN is not supported by eddydb/);
      });

      it('requires a sortBy where mongod does', async () => {
        await fails({ output: { a: { $rank: {} } } }, 5371602, '$rank must be specified with a top level sortBy expression with exactly one element');
        await fails({ sortBy: { a: 1, b: 1 }, output: { a: { $denseRank: {} } } }, 5371602, '$denseRank must be specified with a top level sortBy expression with exactly one element');
        await fails({ sortBy: { a: 1 }, output: { a: { $rank: 1 } } }, 5371603, "$rank must be specified with '{}' as the value");
        await fails({ output: { a: { $sum: 1, window: { documents: [-1, 1] } } } }, 5339901, 'Document-based bounds require a sortBy');
        await fails({ output: { a: { $sum: 1, window: { range: [-1, 1] } } } }, 5339902, 'Range-based bounds require sortBy a single field');
        await fails({ sortBy: { a: 1, b: 1 }, output: { a: { $sum: 1, window: { range: [-1, 1] } } } }, 5339902, 'Range-based bounds require sortBy a single field');
        await fails({ sortBy: { a: -1 }, output: { a: { $sum: 1, window: { range: [-1, 1] } } } }, 8947401, 'Range-based bounds require an ascending sortBy');
        await fails({ output: { a: { $shift: { output: '$a', by: 1 } } } }, 9, "'$shift' requires a sortBy");
        await fails({ output: { a: { $derivative: { input: '$a' }, window: { documents: [-1, 0] } } } }, 9, '$derivative requires a sortBy');
        await fails({ sortBy: { a: 1 }, output: { a: { $derivative: { input: '$a' } } } }, 9, '$derivative requires explicit window bounds');
        await fails({ output: { a: { $expMovingAvg: { input: '$a', N: 2 } } } }, 9, "$expMovingAvg requires an explicit 'sortBy'");
        await fails({ output: { a: { $linearFill: '$a' } } }, 605001, '$linearFill must be specified with a top level sortBy expression with exactly one element');
      });

      it('refuses bad bounds', async () => {
        const win = (window: unknown) => ({ sortBy: { a: 1 }, output: { a: { $sum: 1, window } } });
        await fails(win(1), 9, "'window' field must be an object");
        await fails(win({ documents: [0, 1], range: [0, 1] }), 9, "Window bounds can specify either 'documents' or 'unit', not both.");
        await fails(win({ documents: [0, 1], unit: 'day' }), 9, "Window bounds can only specify 'unit' with range-based bounds.");
        await fails(win({ foo: 1 }), 9, "'window' field can only contain 'documents' as the only argument or 'range' with an optional 'unit' field");
        await fails(win({ documents: [1] }), 9, 'Window bounds must be a 2-element array: documents: [ 1 ]');
        await fails(win({ documents: ['now', 1] }), 9, "Window bounds must be 'unbounded', 'current', or a number.");
        await fails(win({ documents: [0.5, 1] }), 9, 'Numeric document-based bounds must be an integer');
        await fails(win({ documents: [2, 1] }), 5339900, 'Lower bound must not exceed upper bound: [2, 1]');
        await fails(win({ documents: [1, 'current'] }), 5339900, 'Lower bound must not exceed upper bound: [1, 0]');
        await fails(win({ documents: ['$a', 1] }), 9, "Window bounds must be 'unbounded', 'current', or a number.");
        await fails(win({ documents: [{ $add: ['$a', 1] }, 1] }), 9, 'Window bounds expression must be a constant.');
        // A constant expression is a bound: [-1, 0] counts the previous document and this one.
        const counted = await cakes.aggregate([{ $setWindowFields: { sortBy: { _id: 1 }, output: { n: { $count: {}, window: { documents: [{ $add: [-2, 1] }, 0] } } } } }]).toArray();
        assert.deepEqual(counted.map((d) => d.n), [1, 2, 2, 2, 2, 2]);
        await fails(win({ range: ['x', 1] }), 9, "Window bounds must be 'unbounded', 'current', or a number.");
        await fails(win({ range: [true, 1] }), 9, 'Range-based bounds expression must be a number');
        await fails(win({ range: [-1.5, 1], unit: 'day' }), 9, "With 'unit', range-based bounds must be an integer");
        await fails(win({ range: [-1, 1], unit: 'fortnight' }), 9, 'unknown time unit value: fortnight');
        await fails(win({ range: [-1, 1], unit: 5 }), 9, "'unit' must be a string");
      });

      it('refuses bad operator arguments', async () => {
        const sorted = (fn: Document) => ({ sortBy: { a: 1 }, output: { x: fn } });
        await fails(sorted({ $shift: { output: '$a' } }), 9, "$shift requires 'by' as an integer value.");
        await fails(sorted({ $shift: { by: 1 } }), 9, "$shift requires an 'output' expression.");
        await fails(sorted({ $shift: { output: '$a', by: 1.5 } }), 9, "'$shift:by' field must be an integer, but found  by: 1.5");
        await fails(sorted({ $shift: { output: '$a', by: 1, default: '$b' } }), 9, "'$shift:default' expression must yield a constant value.");
        await fails(sorted({ $shift: { output: '$a', by: 1 }, window: {} }), 9, "$shift does not accept a 'window' field");
        await fails(sorted({ $expMovingAvg: { input: '$a', N: 0 } }), 9, "'N' must be greater than zero. Got 0");
        await fails(sorted({ $expMovingAvg: { input: '$a', alpha: 1 } }), 9, "'alpha' must be between 0 and 1 (exclusive), found alpha: 1");
        await fails(sorted({ $expMovingAvg: { input: '$a' } }), 9, "$expMovingAvg sub object must have exactly two fields: An 'input' field, and either an 'N' field or an 'alpha' field");
        await fails(sorted({ $derivative: { input: '$a', unit: 'month' }, window: { documents: [-1, 0] } }), 5490710, "unit must be 'week' or smaller");
        await fails(sorted({ $integral: { input: '$a', foo: 1 } }), 9, '$integral got unexpected argument: foo');
        await fails(sorted({ $locf: '$a', window: {} }), 9, "'window' field is not allowed in $locf");
        await fails(sorted({ $count: 1 }), 9, '$count only accepts an empty object as input');
      });

      it('refuses values a window cannot use when it runs', async () => {
        const coll = db.collection('mixed');
        await coll.insertMany([{ _id: 1, p: [1, 2], t: 'x', d: new Date(0) }, { _id: 2, p: 3, t: 2, d: new Date(1000) }]);
        await rejectsWith(() => coll.aggregate([{ $setWindowFields: { partitionBy: '$p', output: { a: { $sum: 1 } } } }]).toArray(), 14,
          { message: /Cannot 'partitionBy' an expression of type array$/, codeName: 'TypeMismatch' });
        await rejectsWith(() => coll.aggregate([{ $setWindowFields: { sortBy: { t: 1 }, output: { a: { $sum: 1, window: { range: [-1, 1] } } } } }]).toArray(), 5429414,
          { message: /Invalid range: Expected the sortBy field to be a number, but it was string$/ });
        await rejectsWith(() => coll.aggregate([{ $setWindowFields: { sortBy: { d: 1 }, output: { a: { $sum: 1, window: { range: [-1, 1] } } } } }]).toArray(), 5429413,
          { message: /Invalid range: For windows that involve date or time ranges, a unit must be provided\.$/ });
        await rejectsWith(() => coll.aggregate([{ $setWindowFields: { sortBy: { t: 1 }, output: { a: { $sum: 1, window: { range: [-1, 1], unit: 'day' } } } } }]).toArray(), 5429513,
          { message: /Invalid range: Expected the sortBy field to be a Date, but it was int$/ });
      });
    });
  });
}
