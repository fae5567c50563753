import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, Double, Long } from '../../../../src/bson/index.js';
import { compilePipeline } from '../../../../src/query/pipeline/index.js';
import { assertBson, assertCode } from '../expressions/helpers.js';
import { artists, artwork } from '../../../helpers/manual_aggregation_fixtures.js';
import { runBothWays } from './stage_runner.js';

const dec = (s: string): Decimal128 => Decimal128.fromString(s);

async function expectBoth(stages: unknown[], docs: Record<string, unknown>[], expected: unknown[]): Promise<void> {
  const { batch, streamed } = await runBothWays(stages, docs);
  assertBson(batch, expected);
  assertBson(streamed, expected);
}

describe('$bucket', () => {
  test("the manual's example: buckets by year born, with output accumulators and a following $match", async () => {
    await expectBoth([
      {
        $bucket: {
          groupBy: '$year_born',
          boundaries: [1840, 1850, 1860, 1870, 1880],
          default: 'Other',
          output: {
            count: { $sum: 1 },
            artists: { $push: { name: { $concat: ['$first_name', ' ', '$last_name'] }, year_born: '$year_born' } },
          },
        },
      },
      { $match: { count: { $gt: 3 } } },
    ], artists, [
      {
        _id: 1860,
        count: 4,
        artists: [
          { name: 'Emil Bernard', year_born: 1868 },
          { name: 'Joszef Rippl-Ronai', year_born: 1861 },
          { name: 'Alfred Maurer', year_born: 1868 },
          { name: 'Edvard Munch', year_born: 1863 },
        ],
      },
    ]);
  });

  test("the manual's $facet price buckets: the default bucket takes missing and out-of-range values, sorted by _id", async () => {
    await expectBoth([
      { $bucket: { groupBy: '$price', boundaries: [0, 200, 400], default: 'Other', output: { count: { $sum: 1 }, artwork: { $push: { title: '$title', price: '$price' } } } } },
    ], artwork, [
      {
        _id: 0,
        count: 4,
        artwork: [
          { title: 'The Pillars of Society', price: dec('199.99') },
          { title: 'Dancer', price: dec('76.04') },
          { title: 'The Great Wave off Kanagawa', price: dec('167.30') },
          { title: 'Blue Flower', price: dec('118.42') },
        ],
      },
      { _id: 200, count: 2, artwork: [{ title: 'Melancholy III', price: dec('280.00') }, { title: 'Composition VII', price: dec('385.00') }] },
      { _id: 'Other', count: 2, artwork: [{ title: 'The Persistence of Memory', price: dec('483.00') }, { title: 'The Scream' }] },
    ]);
  });

  test('without output, each bucket counts its documents; empty buckets are not output', async () => {
    await expectBoth([{ $bucket: { groupBy: '$year_born', boundaries: [1800, 1850, 1860, 1900, 2000] } }], artists, [
      { _id: 1800, count: 1 },
      { _id: 1850, count: 2 },
      { _id: 1860, count: 5 },
    ]);
  });

  test('a default below the boundaries sorts first; constant expressions are folded', async () => {
    await expectBoth([{ $bucket: { groupBy: '$year_born', boundaries: [{ $add: [1850, 0] }, 1900], default: { $literal: 0 } } }], artists, [
      { _id: 0, count: 1 },
      { _id: 1850, count: 7 },
    ]);
  });

  test('values of other types fall outside numeric boundaries', async () => {
    await expectBoth([{ $bucket: { groupBy: '$v', boundaries: [0, 10], default: 'x' } }], [{ v: 5 }, { v: '5' }, { v: null }, {}, { v: new Long(3) }], [
      { _id: 0, count: 2 },
      { _id: 'x', count: 3 },
    ]);
  });

  test('a value outside every bucket without a default fails as $switch does', async () => {
    const { batch } = await runBothWays([{ $bucket: { groupBy: '$n', boundaries: [0, 10], default: 'd' } }], [{ n: 20 }]);
    assertBson(batch, [{ _id: 'd', count: 1 }]);
    assertCode(() => compilePipeline([{ $bucket: { groupBy: '$n', boundaries: [0, 10] } }]).run([{ n: 10 }]), 40066,
      '$switch could not find a matching branch for an input, and no default was specified.');
    await assert.rejects(runBothWays([{ $bucket: { groupBy: '$n', boundaries: [0, 10] } }], [{ n: 1 }, {}]), { code: 40066 });
  });

  const errors: [string, unknown, number, string?][] = [
    ['not an object', 5, 40201, 'Argument to $bucket stage must be an object, but found type: int.'],
    ['groupBy not an expression', { groupBy: 'year', boundaries: [0, 1] }, 40202, "The $bucket 'groupBy' field must be defined as a $-prefixed path or an expression, but found: \"year\"."],
    ['boundaries not an array', { groupBy: '$a', boundaries: 5 }, 40200, "The $bucket 'boundaries' field must be an array, but found type: int."],
    ['a boundary that is not constant', { groupBy: '$a', boundaries: [0, '$b'] }, 40191, "The $bucket 'boundaries' field must be an array of constant values, but found value: \"$b\"."],
    ['one boundary', { groupBy: '$a', boundaries: [0] }, 40192, "The $bucket 'boundaries' field must have at least 2 values, but found 1 value(s)."],
    ['mixed types', { groupBy: '$a', boundaries: [0, 'a'] }, 40193, "All values in the the 'boundaries' option to $bucket must have the same type. Found conflicting types int and string."],
    ['unsorted', { groupBy: '$a', boundaries: [10, 5] }, 40194, "The 'boundaries' option to $bucket must be sorted, but elements 0 and 1 are not in ascending order (10 is not less than 5)."],
    ['repeated', { groupBy: '$a', boundaries: [1, 1] }, 40194],
    ['a default that is not constant', { groupBy: '$a', boundaries: [0, 1], default: '$x' }, 40195, "The $bucket 'default' field must be a constant expression, but found: \"$x\"."],
    ['output not an object', { groupBy: '$a', boundaries: [0, 1], output: 1 }, 40196, "The $bucket 'output' field must be an object, but found type: int."],
    ['an unknown option', { groupBy: '$a', boundaries: [0, 1], foo: 1 }, 40197, 'Unrecognized option to $bucket: foo.'],
    ['no boundaries', { groupBy: '$a' }, 40198, "$bucket requires 'groupBy' and 'boundaries' to be specified."],
    ['no groupBy', { boundaries: [0, 1] }, 40198],
    ['a default inside the range', { groupBy: '$a', boundaries: [0, 10], default: 5 }, 40199, "The $bucket 'default' field must be less than the lowest boundary or greater than or equal to the highest boundary."],
    ['an output that is not an accumulator', { groupBy: '$a', boundaries: [0, 1], output: { n: 1 } }, 40234],
    ['an output named _id', { groupBy: '$a', boundaries: [0, 1], output: { _id: { $sum: 1 } } }, 15948],
  ];
  for (const [name, spec, code, message] of errors) {
    test(`error: ${name}`, () => assertCode(() => compilePipeline([{ $bucket: spec }]), code, message));
  }

  test('a default equal to the upper boundary is allowed', () => {
    assert.doesNotThrow(() => compilePipeline([{ $bucket: { groupBy: '$a', boundaries: [0, 10], default: 10 } }]));
    assert.doesNotThrow(() => compilePipeline([{ $bucket: { groupBy: '$a', boundaries: [0, 10], default: new Double(-0.5) } }]));
  });
});
