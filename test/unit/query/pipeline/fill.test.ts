import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Double } from '../../../../src/bson/index.js';
import { compilePipeline } from '../../../../src/query/pipeline/index.js';
import { dailySales, restaurantReviews, restaurantReviewsMultiple, stock } from '../../../helpers/manual_aggregation_fixtures.js';
import { assertBson, assertCode } from '../expressions/helpers.js';
import { runBothWays } from './stage_runner.js';

type Doc = Record<string, unknown>;

async function expectBoth(stages: unknown[], docs: Doc[], expected: unknown[]): Promise<void> {
  const { batch, streamed } = await runBothWays(stages, docs);
  assertBson(batch, expected);
  assertBson(streamed, expected);
}

describe('$fill', () => {
  test("the manual's constant values: missing fields are added after the others", async () => {
    await expectBoth([{ $fill: { output: { bootsSold: { value: 0 }, sandalsSold: { value: 0 }, sneakersSold: { value: 0 } } } }], dailySales, [
      { date: dailySales[0]!.date, bootsSold: 10, sandalsSold: 20, sneakersSold: 12 },
      { date: dailySales[1]!.date, bootsSold: 7, sneakersSold: 18, sandalsSold: 0 },
      { date: dailySales[2]!.date, sneakersSold: 5, bootsSold: 0, sandalsSold: 0 },
    ]);
  });

  test("the manual's linear interpolation over dates", async () => {
    await expectBoth([{ $fill: { sortBy: { time: 1 }, output: { price: { method: 'linear' } } } }], stock, [
      { time: stock[0]!.time, price: 500 },
      { time: stock[1]!.time, price: new Double(507.5) },
      { time: stock[2]!.time, price: 515 },
      { time: stock[3]!.time, price: new Double(505) },
      { time: stock[4]!.time, price: new Double(495) },
      { time: stock[5]!.time, price: 485 },
    ]);
  });

  test("the manual's last observation carried forward", async () => {
    await expectBoth([{ $fill: { sortBy: { date: 1 }, output: { score: { method: 'locf' } } } }], restaurantReviews, [90, 92, 92, 92, 85, 85].map((score, i) => ({
      date: restaurantReviews[i]!.date,
      score,
    })));
  });

  test("the manual's partitions: each restaurant filled on its own, partitions in order", async () => {
    const expected = [
      ["Joe's Pizza", 0, 90], ["Joe's Pizza", 2, 92], ["Joe's Pizza", 4, 92], ["Joe's Pizza", 6, 93],
      ["Sally's Deli", 1, 75], ["Sally's Deli", 3, 75], ["Sally's Deli", 5, 68], ["Sally's Deli", 7, 68],
    ].map(([restaurant, i, score]) => ({ date: restaurantReviewsMultiple[i as number]!.date, restaurant, score }));
    await expectBoth([{ $fill: { sortBy: { date: 1 }, partitionBy: { restaurant: '$restaurant' }, output: { score: { method: 'locf' } } } }], restaurantReviewsMultiple, expected);
    await expectBoth([{ $fill: { sortBy: { date: 1 }, partitionByFields: ['restaurant'], output: { score: { method: 'locf' } } } }], restaurantReviewsMultiple, expected);
  });

  test('nothing to carry or interpolate from is null; a method and a value on different fields', async () => {
    const docs = [{ t: 1 }, { t: 2, a: 10, b: 1 }, { t: 3 }, { t: 4, a: 20 }, { t: 5 }];
    await expectBoth([{ $fill: { sortBy: { t: 1 }, output: { a: { method: 'linear' }, b: { method: 'locf' }, c: { value: '$t' } } } }], docs, [
      { t: 1, a: null, b: null, c: 1 },
      { t: 2, a: 10, b: 1, c: 2 },
      { t: 3, a: new Double(15), b: 1, c: 3 },
      { t: 4, a: 20, b: 1, c: 4 },
      { t: 5, a: null, b: 1, c: 5 },
    ]);
  });

  test('without sortBy or partitions, locf keeps the input order', async () => {
    await expectBoth([{ $fill: { output: { a: { method: 'locf' } } } }], [{ a: 2 }, {}, { a: 1 }, { a: null }], [{ a: 2 }, { a: 2 }, { a: 1 }, { a: 1 }]);
  });

  const specErrors: [string, unknown, number, string?][] = [
    ['not an object', [], 9, 'The $fill stage specification must be an object, found array'],
    ['no output', { sortBy: { a: 1 } }, 40414, "BSON field '$fill.output' is missing but a required field"],
    ['an unknown field', { output: { a: { value: 1 } }, x: 1 }, 40415, "BSON field '$fill.x' is an unknown field."],
    ['a null output is a missing one', { output: null }, 40414, "BSON field '$fill.output' is missing but a required field"],
    ['an empty output', { output: {} }, 6050203, "The output field in '$fill' must contain an object with at least one element"],
    ['an output that is not an object', { output: { a: 1 } }, 6050200, 'Each fill output specification must be an object with exactly one field'],
    ['an unknown output field', { output: { a: { values: 1 } } }, 40415, "BSON field '$fill.values' is an unknown field."],
    ['both method and value', { output: { a: { method: 'locf', value: 1 } } }, 6050201, "Each fill output specification must have exactly one of 'method' or 'value' fields, not both"],
    ['an unknown method', { output: { a: { method: 'nearest' } } }, 6050202, 'Method must be either locf or linear'],
    ['both partitionBy and partitionByFields', { partitionBy: '$p', partitionByFields: ['p'], output: { a: { value: 1 } } }, 6050204, "Maximum one of 'partitionBy' and 'partitionByFields can be specified in '$fill'"],
    ['linear without sortBy', { output: { a: { method: 'linear' } } }, 605001, '$linearFill must be specified with a top level sortBy expression with exactly one element'],
    ['linear with two sort fields', { sortBy: { a: 1, b: 1 }, output: { c: { method: 'linear' } } }, 605001],
    ['a bad sort direction', { sortBy: { a: 2 }, output: { c: { method: 'locf' } } }, 15975],
    ['partitionBy of a wrong type', { partitionBy: 1, output: { c: { method: 'locf' } } }, 14, "BSON field '$fill.partitionBy' is the wrong type 'int', expected types '[object, string]'"],
  ];
  for (const [name, spec, code, message] of specErrors) {
    test(`error: ${name}`, () => assertCode(() => compilePipeline([{ $fill: spec }]), code, message));
  }

  test('errors while running linear fill', async () => {
    const stage = [{ $fill: { sortBy: { t: 1 }, output: { a: { method: 'linear' } } } }];
    assertCode(() => compilePipeline(stage).run([{ t: 1, a: 'x' }]), 14, 'Value to be filled must be numeric or nullish, but found string');
    assertCode(() => compilePipeline(stage).run([{ t: 'x', a: 1 }]), 14, 'Value of the sortBy field must be numeric or a date, but found string');
    assertCode(() => compilePipeline(stage).run([{ t: 1, a: 1 }, { t: 1 }]), 6050106, 'There can be no repeated values in the sort field in the same partition');
    assertCode(() => compilePipeline(stage).run([{ t: 1, a: 1 }, { t: new Date(5) }]), 14);
    await assert.rejects(runBothWays([{ $fill: { partitionBy: '$p', output: { a: { method: 'locf' } } } }], [{ p: [1] }]), { code: 14 });
  });
});
