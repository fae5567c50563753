import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Double, Long } from '../../../../src/bson/index.js';
import { compilePipeline } from '../../../../src/query/pipeline/index.js';
import { coffee, weather } from '../../../helpers/manual_aggregation_fixtures.js';
import { assertBson, assertCode } from '../expressions/helpers.js';
import { runBothWays } from './stage_runner.js';

type Doc = Record<string, unknown>;
const date = (s: string): Date => new Date(s);

async function expectBoth(stages: unknown[], docs: Doc[], expected: unknown[]): Promise<void> {
  const { batch, streamed } = await runBothWays(stages, docs);
  assertBson(batch, expected);
  assertBson(streamed, expected);
}

describe('$densify', () => {
  test("the manual's time series: hours between explicit date bounds; documents outside pass through", async () => {
    const m = weather[0]!.metadata;
    await expectBoth([{
      $densify: { field: 'timestamp', range: { step: 1, unit: 'hour', bounds: [date('2021-05-18T00:00:00.000Z'), date('2021-05-18T08:00:00.000Z')] } },
    }], weather, [
      { metadata: m, timestamp: date('2021-05-18T00:00:00.000Z'), temp: 12 },
      { timestamp: date('2021-05-18T01:00:00.000Z') },
      { timestamp: date('2021-05-18T02:00:00.000Z') },
      { timestamp: date('2021-05-18T03:00:00.000Z') },
      { metadata: m, timestamp: date('2021-05-18T04:00:00.000Z'), temp: 11 },
      { timestamp: date('2021-05-18T05:00:00.000Z') },
      { timestamp: date('2021-05-18T06:00:00.000Z') },
      { timestamp: date('2021-05-18T07:00:00.000Z') },
      { metadata: m, timestamp: date('2021-05-18T08:00:00.000Z'), temp: 11 },
      { metadata: m, timestamp: date('2021-05-18T12:00:00.000Z'), temp: 12 },
    ]);
  });

  test("the manual's partitions with full bounds: every variety over the whole range, up to the largest value", async () => {
    await expectBoth([{ $densify: { field: 'altitude', partitionByFields: ['variety'], range: { bounds: 'full', step: 200 } } }], coffee, [
      { altitude: 600, variety: 'Arabica Typica', score: new Double(68.3) },
      { altitude: 750, variety: 'Arabica Typica', score: new Double(69.5) },
      { variety: 'Arabica Typica', altitude: 800 },
      { altitude: 950, variety: 'Arabica Typica', score: new Double(70.5) },
      { variety: 'Gesha', altitude: 600 },
      { variety: 'Gesha', altitude: 800 },
      { variety: 'Gesha', altitude: 1000 },
      { variety: 'Gesha', altitude: 1200 },
      { altitude: 1250, variety: 'Gesha', score: new Double(88.15) },
      { variety: 'Gesha', altitude: 1400 },
      { variety: 'Gesha', altitude: 1600 },
      { altitude: 1700, variety: 'Gesha', score: new Double(95.5), price: 1029 },
      { variety: 'Arabica Typica', altitude: 1000 },
      { variety: 'Arabica Typica', altitude: 1200 },
      { variety: 'Arabica Typica', altitude: 1400 },
      { variety: 'Arabica Typica', altitude: 1600 },
    ]);
  });

  test("the manual's partitions with partition bounds: each variety within its own range", async () => {
    await expectBoth([{ $densify: { field: 'altitude', partitionByFields: ['variety'], range: { bounds: 'partition', step: 200 } } }], coffee, [
      { altitude: 600, variety: 'Arabica Typica', score: new Double(68.3) },
      { altitude: 750, variety: 'Arabica Typica', score: new Double(69.5) },
      { variety: 'Arabica Typica', altitude: 800 },
      { altitude: 950, variety: 'Arabica Typica', score: new Double(70.5) },
      { altitude: 1250, variety: 'Gesha', score: new Double(88.15) },
      { variety: 'Gesha', altitude: 1450 },
      { variety: 'Gesha', altitude: 1650 },
      { altitude: 1700, variety: 'Gesha', score: new Double(95.5), price: 1029 },
    ]);
  });

  test('full bounds without partitions; null and missing values pass through first', async () => {
    await expectBoth([{ $densify: { field: 'v', range: { step: 2, bounds: 'full' } } }], [{ v: 7 }, { v: null }, { v: 1 }, { w: 1 }, { v: 4 }], [
      { v: null },
      { w: 1 },
      { v: 1 },
      { v: 3 },
      { v: 4 },
      { v: 5 },
      { v: 7 },
    ]);
  });

  test('explicit bounds densify an empty input, upper bound excluded', async () => {
    await expectBoth([{ $densify: { field: 'x.y', range: { step: 5, bounds: [0, 15] } } }], [], [
      { x: { y: 0 } },
      { x: { y: 5 } },
      { x: { y: 10 } },
    ]);
  });

  test('explicit bounds per partition; values above and below the range pass through', async () => {
    const docs = [{ p: 'a', v: -3 }, { p: 'a', v: 4 }, { p: 'b', v: 20 }];
    await expectBoth([{ $densify: { field: 'v', partitionByFields: ['p'], range: { step: 2, bounds: [0, 6] } } }], docs, [
      { p: 'a', v: -3 },
      { p: 'a', v: 0 },
      { p: 'a', v: 2 },
      { p: 'a', v: 4 },
      { p: 'b', v: 0 },
      { p: 'b', v: 2 },
      { p: 'b', v: 4 },
      { p: 'b', v: 20 },
    ]);
  });

  test('numeric types follow mongod addition: longs stay longs, int plus double is a double', async () => {
    await expectBoth([{ $densify: { field: 'v', range: { step: Long.fromNumber(1), bounds: [Long.fromNumber(0), Long.fromNumber(2)] } } }], [], [
      { v: Long.fromNumber(0) },
      { v: Long.fromNumber(1) },
    ]);
    await expectBoth([{ $densify: { field: 'v', range: { step: 0.5, bounds: 'full' } } }], [{ v: 1 }, { v: 2 }], [
      { v: 1 },
      { v: new Double(1.5) },
      { v: 2 },
    ]);
  });

  test('a month step takes the last day of a shorter month, and each step starts from the one before', async () => {
    await expectBoth([{ $densify: { field: 'd', range: { step: 1, unit: 'month', bounds: 'full' } } }], [{ d: date('2024-01-31T00:00:00Z') }, { d: date('2024-04-30T00:00:00Z') }], [
      { d: date('2024-01-31T00:00:00Z') },
      { d: date('2024-02-29T00:00:00Z') },
      { d: date('2024-03-29T00:00:00Z') },
      { d: date('2024-04-29T00:00:00Z') },
      { d: date('2024-04-30T00:00:00Z') },
    ]);
  });

  const specErrors: [string, unknown, number, string?][] = [
    ['not an object', 1, 9, 'The $densify stage specification must be an object, found int'],
    ['an unknown field', { field: 'a', range: { step: 1, bounds: 'full' }, foo: 1 }, 40415, "BSON field '$densify.foo' is an unknown field."],
    ['no field', { range: { step: 1, bounds: 'full' } }, 40414, "BSON field '$densify.field' is missing but a required field"],
    ['no range', { field: 'a' }, 40414, "BSON field '$densify.range' is missing but a required field"],
    ['a null field is a missing one', { field: null, range: { step: 1, bounds: 'full' } }, 40414, "BSON field '$densify.field' is missing but a required field"],
    ['a null bounds is not missing', { field: 'a', range: { step: 1, bounds: null } }, 5733404],
    ['field not a string', { field: 1, range: { step: 1, bounds: 'full' } }, 14, "BSON field '$densify.field' is the wrong type 'int', expected type 'string'"],
    ['no step', { field: 'a', range: { bounds: 'full' } }, 40414, "BSON field '$densify.range.step' is missing but a required field"],
    ['a step that is not a number', { field: 'a', range: { step: 'x', bounds: 'full' } }, 14, "BSON field '$densify.range.step' is the wrong type 'string', expected types '[long, int, decimal, double]'"],
    ['an unknown range field', { field: 'a', range: { step: 1, bounds: 'full', x: 1 } }, 40415, "BSON field '$densify.range.x' is an unknown field."],
    ['a zero step', { field: 'a', range: { step: 0, bounds: 'full' } }, 5733401, 'The step parameter in a range statement must be a strictly positive numeric value'],
    ['a fractional date step', { field: 'a', range: { step: 1.5, unit: 'hour', bounds: 'full' } }, 6586400],
    ['an unknown unit', { field: 'a', range: { step: 1, unit: 'hours', bounds: 'full' } }, 9, 'unknown time unit value: hours'],
    ['a bad bounds string', { field: 'a', range: { step: 1, bounds: 'all' } }, 5946802, "Bounds string must either be 'full' or 'partition'"],
    ['bounds of another type', { field: 'a', range: { step: 1, bounds: 5 } }, 5733404],
    ['three bounds', { field: 'a', range: { step: 1, bounds: [1, 2, 3] } }, 5733403],
    ['descending bounds', { field: 'a', range: { step: 1, bounds: [2, 1] } }, 5733402],
    ['numeric bounds with a unit', { field: 'a', range: { step: 1, unit: 'day', bounds: [1, 2] } }, 5733409],
    ['a number and a date', { field: 'a', range: { step: 1, bounds: [1, date('2020-01-01')] } }, 5733406],
    ['bounds and step of different types', { field: 'a', range: { step: 1, bounds: [new Double(1), new Double(2)] } }, 5876900],
    ['dates without a unit', { field: 'a', range: { step: 1, bounds: [date('2020-01-01'), date('2020-02-01')] } }, 5733410],
    ['strings', { field: 'a', range: { step: 1, bounds: ['a', 'b'] } }, 5946800],
    ['partition bounds without partitions', { field: 'a', range: { step: 1, bounds: 'partition' } }, 5733408],
    ['a partition field under the field', { field: 'a', partitionByFields: ['a.b'], range: { step: 1, bounds: 'full' } }, 8993000, "partitionByFields 'a.b' cannot include field 'a' that is being densified."],
    ['the field under a partition field', { field: 'a.b', partitionByFields: ['a'], range: { step: 1, bounds: 'full' } }, 9554500, "field 'a.b' that is being densified cannot include partitionByFields 'a'."],
    ['a bad field path', { field: '$a', range: { step: 1, bounds: 'full' } }, 16410],
  ];
  for (const [name, spec, code, message] of specErrors) {
    test(`error: ${name}`, () => assertCode(() => compilePipeline([{ $densify: spec }]), code, message));
  }

  test('errors while running: a value of another type, a date without a unit, too many documents', async () => {
    const numeric = [{ $densify: { field: 'v', range: { step: 1, bounds: 'full' } } }];
    assertCode(() => compilePipeline(numeric).run([{ v: 'a' }]), 5733201, 'Densify field type must be numeric or a date');
    assertCode(() => compilePipeline(numeric).run([{ v: date('2020-01-01') }]), 6053600, 'Encountered date densify value in collection when step does not have a date unit.');
    assertCode(() => compilePipeline([{ $densify: { field: 'v', range: { step: 1, unit: 'day', bounds: 'full' } } }]).run([{ v: 1 }]), 6053600,
      'Encountered numeric densify value in collection when step has a date unit.');
    await assert.rejects(runBothWays(numeric, [{ v: 0 }, { v: 600_000 }]), { code: 5897900 });
  });
});
