import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, Double, Long } from '../../../../src/bson/index.js';
import { compilePipeline } from '../../../../src/query/pipeline/index.js';
import { assertBson, assertCode } from '../expressions/helpers.js';
import { artwork } from '../../../helpers/manual_aggregation_fixtures.js';
import { runBothWays } from './stage_runner.js';

const dec = (s: string): Decimal128 => Decimal128.fromString(s);

async function expectBoth(stages: unknown[], docs: Record<string, unknown>[], expected: unknown[]): Promise<void> {
  const { batch, streamed } = await runBothWays(stages, docs);
  assertBson(batch, expected);
  assertBson(streamed, expected);
}

/** The manual's artwork, with The Scream priced as in its $bucketAuto example. */
const pricedArtwork = artwork.map((a) => (a._id === 7 ? { ...a, price: dec('159.00') } : a));

const hundred = Array.from({ length: 100 }, (_, i) => ({ _id: i }));

describe('$bucketAuto', () => {
  test("the manual's example: four buckets of two by price; each max is the next bucket's min, the last one inclusive", async () => {
    await expectBoth([{ $bucketAuto: { groupBy: '$price', buckets: 4 } }], pricedArtwork, [
      { _id: { min: dec('76.04'), max: dec('159.00') }, count: 2 },
      { _id: { min: dec('159.00'), max: dec('199.99') }, count: 2 },
      { _id: { min: dec('199.99'), max: dec('385.00') }, count: 2 },
      { _id: { min: dec('385.00'), max: dec('483.00') }, count: 2 },
    ]);
  });

  test('output accumulators; a missing groupBy value is null and sorts first', async () => {
    await expectBoth([{ $bucketAuto: { groupBy: '$year', buckets: 3, output: { n: { $sum: 1 }, years: { $push: '$year' } } } }], artwork, [
      { _id: { min: null, max: 1913 }, n: 3, years: [1902, 1893] },
      { _id: { min: 1913, max: 1926 }, n: 3, years: [1925, 1913, 1918] },
      { _id: { min: 1926, max: 1931 }, n: 2, years: [1926, 1931] },
    ]);
  });

  test('equal values stay in one bucket, so fewer buckets may come out', async () => {
    const docs = [1, 1, 1, 1, 2, 3].map((v, i) => ({ _id: i, v }));
    await expectBoth([{ $bucketAuto: { groupBy: '$v', buckets: 3 } }], docs, [
      { _id: { min: 1, max: 2 }, count: 4 },
      { _id: { min: 2, max: 3 }, count: 2 },
    ]);
  });

  test('more buckets than documents: one document each', async () => {
    await expectBoth([{ $bucketAuto: { groupBy: '$_id', buckets: 10 } }], hundred.slice(0, 3), [
      { _id: { min: 0, max: 1 }, count: 1 },
      { _id: { min: 1, max: 2 }, count: 1 },
      { _id: { min: 2, max: 2 }, count: 1 },
    ]);
  });

  test('no input, no buckets', async () => {
    await expectBoth([{ $bucketAuto: { groupBy: '$_id', buckets: 10 } }], [], []);
  });

  test('granularity R20: boundaries are series values, each bucket takes what falls below its rounded max', async () => {
    // round(100 / 5) = 20 documents a bucket; 59 rounds up to 63, so 60..62 join the third; 82 rounds up to 90.
    await expectBoth([{ $bucketAuto: { groupBy: '$_id', buckets: 5, granularity: 'R20' } }], hundred, [
      { _id: { min: 0, max: new Double(20) }, count: 20 },
      { _id: { min: new Double(20), max: new Double(40) }, count: 20 },
      { _id: { min: new Double(40), max: new Double(63) }, count: 23 },
      { _id: { min: new Double(63), max: new Double(90) }, count: 27 },
      { _id: { min: new Double(90), max: new Double(100) }, count: 10 },
    ]);
  });

  test('granularity POWERSOF2 and 1-2-5: the first min is the first value rounded down', async () => {
    // 10 documents a bucket; 10 rounds up to 16 and 25 to 32, so 30 values fill two buckets.
    await expectBoth([{ $bucketAuto: { groupBy: '$_id', buckets: 3, granularity: 'POWERSOF2' } }], hundred.slice(1, 31), [
      { _id: { min: new Double(0.5), max: 16 }, count: 15 },
      { _id: { min: 16, max: 32 }, count: 15 },
    ]);
    await expectBoth([{ $bucketAuto: { groupBy: '$_id', buckets: 2, granularity: '1-2-5' } }], hundred.slice(1, 11), [
      { _id: { min: new Double(0.5), max: new Double(10) }, count: 9 },
      { _id: { min: new Double(10), max: new Double(20) }, count: 1 },
    ]);
  });

  test("a first bucket ending at zero takes the next bucket's rounded-down min as its max", async () => {
    const docs = [0, 0, 5, 6].map((v, i) => ({ _id: i, v }));
    await expectBoth([{ $bucketAuto: { groupBy: '$v', buckets: 2, granularity: 'E6' } }], docs, [
      { _id: { min: 0, max: new Double(4.7) }, count: 2 },
      { _id: { min: new Double(4.7), max: new Double(6.800000000000001) }, count: 2 },
    ]);
  });

  test('a subnormal value (mongod regression test): rounds down to zero', async () => {
    await expectBoth([{
      $bucketAuto: {
        groupBy: { $reduce: { input: [], initialValue: new Double(4.940656484124654e-324), in: { $size: ['$$value'] } } },
        buckets: Long.fromNumber(8),
        granularity: 'R80',
      },
    }], [{}], [{ _id: { min: new Double(0), max: new Double(1.02e-321) }, count: 1 }]);
  });

  test('$first, $last and $push see a bucket in input order; $min in any', async () => {
    const docs = Array.from({ length: 10 }, (_, i) => ({ _id: i, a: 9 - i }));
    await expectBoth([{ $bucketAuto: { groupBy: '$a', buckets: 2, output: { first: { $first: '$a' }, last: { $last: '$a' }, all: { $push: '$a' }, min: { $min: '$a' } } } }], docs, [
      { _id: { min: 0, max: 5 }, first: 4, last: 0, all: [4, 3, 2, 1, 0], min: 0 },
      { _id: { min: 5, max: 9 }, first: 9, last: 5, all: [9, 8, 7, 6, 5], min: 5 },
    ]);
  });

  const errors: [string, unknown, number, string?][] = [
    ['not an object', 'x', 40240, 'The argument to $bucketAuto must be an object, but found type: string'],
    ['groupBy not an expression', { groupBy: 'a', buckets: 1 }, 40239, "The $bucketAuto 'groupBy' field must be defined as a $-prefixed path or an expression object, but found: \"a\""],
    ['groupBy a lone $', { groupBy: '$', buckets: 1 }, 40239],
    ['buckets not a number', { groupBy: '$a', buckets: '1' }, 40241, "The $bucketAuto 'buckets' field must be a numeric value, but found type: string"],
    ['buckets not an int', { groupBy: '$a', buckets: 1.5 }, 40242, "The $bucketAuto 'buckets' field must be representable as a 32-bit integer, but found 1.5"],
    ['buckets zero', { groupBy: '$a', buckets: 0 }, 40243, "The $bucketAuto 'buckets' field must be greater than 0, but found: 0"],
    ['output not an object', { groupBy: '$a', buckets: 1, output: [] }, 40244, "The $bucketAuto 'output' field must be an object, but found type: array"],
    ['unknown option', { groupBy: '$a', buckets: 1, size: 2 }, 40245, 'Unrecognized option to $bucketAuto: size'],
    ['missing buckets', { groupBy: '$a' }, 40246, "$bucketAuto requires 'groupBy' and 'buckets' to be specified"],
    ['granularity not a string', { groupBy: '$a', buckets: 1, granularity: 5 }, 40261, "The $bucketAuto 'granularity' field must be a string, but found type: int"],
    ['unknown granularity', { groupBy: '$a', buckets: 1, granularity: 'E7' }, 40257, "Unknown rounding granularity 'E7'"],
    ['unknown accumulator', { groupBy: '$a', buckets: 1, output: { x: { $nope: 1 } } }, 15952],
  ];
  for (const [name, spec, code, message] of errors) {
    test(`error: ${name}`, () => assertCode(() => compilePipeline([{ $bucketAuto: spec }]), code, message));
  }

  test('granularity needs non-negative numbers', async () => {
    const stage = [{ $bucketAuto: { groupBy: '$v', buckets: 2, granularity: 'R5' } }];
    assertCode(() => compilePipeline(stage).run([{ v: 1 }, { v: 'a' }]), 40258, "$bucketAuto can specify a 'granularity' with numeric boundaries only, but found a value with type: string");
    assertCode(() => compilePipeline(stage).run([{}]), 40258, "$bucketAuto can specify a 'granularity' with numeric boundaries only, but found a value with type: missing");
    assertCode(() => compilePipeline(stage).run([{ v: NaN }]), 40259);
    assertCode(() => compilePipeline(stage).run([{ v: -1 }]), 40260, "$bucketAuto can specify a 'granularity' with non-negative numbers only, but found a negative number");
    await assert.rejects(runBothWays(stage, [{ v: -1 }]), { code: 40260 });
  });
});

describe('$sample', () => {
  const docs = Array.from({ length: 50 }, (_, i) => ({ _id: i }));
  const ids = (out: Record<string, unknown>[]): number[] => out.map((d) => d._id as number);

  test('size documents, distinct, all from the input', async () => {
    const { batch, streamed } = await runBothWays([{ $sample: { size: 7 } }], docs, {}, 4);
    for (const out of [batch, streamed]) {
      assert.equal(out.length, 7);
      assert.equal(new Set(ids(out)).size, 7);
      for (const id of ids(out)) assert.ok(id >= 0 && id < 50);
    }
  });

  test('a size above the input returns every document once', async () => {
    const { batch, streamed } = await runBothWays([{ $sample: { size: Long.fromNumber(1000) } }], docs);
    for (const out of [batch, streamed]) assert.deepEqual([...ids(out)].sort((a, b) => a - b), ids(docs));
  });

  test('size 0 (and a fraction below one) returns nothing', async () => {
    for (const size of [0, 0.9, -0.5]) {
      const { batch, streamed } = await runBothWays([{ $sample: { size } }], docs);
      assert.equal(batch.length + streamed.length, 0);
    }
  });

  test('a $sample of a $sample', async () => {
    const { streamed } = await runBothWays([{ $sample: { size: 10 } }, { $sample: { size: 3 } }], docs);
    assert.equal(new Set(ids(streamed)).size, 3);
  });

  const errors: [unknown, number, string][] = [
    [5, 28745, 'the $sample stage specification must be an object'],
    [{ size: 'x' }, 28746, 'size argument to $sample must be a number'],
    [{ size: -1 }, 28747, 'size argument to $sample must not be negative'],
    [{ size: 1, seed: 2 }, 28748, 'unrecognized option to $sample: seed'],
    [{}, 28749, '$sample stage must specify a size'],
  ];
  for (const [spec, code, message] of errors) {
    test(`error ${code}`, () => assertCode(() => compilePipeline([{ $sample: spec }]), code, message));
  }
});
