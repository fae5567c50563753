import { describe, test } from 'node:test';
import { Decimal128, Double, Int32, Long } from '../../../../src/bson/index.js';
import { GRANULARITIES, granularityRounder } from '../../../../src/query/pipeline/granularity.js';
import { assertBson, assertCode } from '../expressions/helpers.js';

const d = (n: number): Double => new Double(n);
const dec = (s: string): Decimal128 => Decimal128.fromString(s);

describe('$bucketAuto granularity series', () => {
  test('every name mongod accepts', () => {
    assertBson(GRANULARITIES, ['R5', 'R10', 'R20', 'R40', 'R80', '1-2-5', 'E6', 'E12', 'E24', 'E48', 'E96', 'E192', 'POWERSOF2']);
  });

  // [series, value, rounded up, rounded down]: the nearest series values strictly above and below, scaled by powers of
  // ten in double arithmetic (so 39 * 0.1 is 3.9000000000000004, as in mongod).
  const preferred: [string, number, number, number][] = [
    ['R5', 1, 1.6, 0.63],
    ['R5', 10, 16, 6.300000000000001],
    ['R5', 16, 25, 10],
    ['R5', 0.05, 0.063, 0.04],
    ['R10', 3, 3.15, 2.5],
    ['R20', 39, 40, 35.5],
    ['R20', 59, 63, 56],
    ['R40', 1000, 1060, 950],
    ['R80', 7, 7.3, 6.9],
    ['1-2-5', 3, 5, 2],
    ['1-2-5', 5, 10, 2],
    ['1-2-5', 100, 200, 50],
    ['E6', 0.8, 1, 0.68],
    ['E12', 4, 4.7, 3.9000000000000004],
    ['E24', 25, 27, 24],
    ['E48', 2, 2.05, 1.96],
    ['E96', 0.5, 0.511, 0.499],
    ['E192', 1234, 1240, 1230],
  ];
  for (const [name, value, up, down] of preferred) {
    test(`${name}: ${value} rounds up to ${up} and down to ${down}`, () => {
      const rounder = granularityRounder(name);
      assertBson(rounder.roundUp(d(value)), d(up));
      assertBson(rounder.roundDown(d(value)), d(down));
      // An integer rounds in double arithmetic too.
      if (Number.isInteger(value)) assertBson(rounder.roundUp(new Int32(value)), d(up));
    });
  }

  test('zero and infinity round to themselves', () => {
    const rounder = granularityRounder('E6');
    assertBson(rounder.roundUp(new Int32(0)), new Int32(0));
    assertBson(rounder.roundDown(d(0)), d(0));
    assertBson(rounder.roundUp(d(Infinity)), d(Infinity));
  });

  test('a subnormal double rounds down to zero', () => {
    const rounder = granularityRounder('R80');
    assertBson(rounder.roundDown(d(4.940656484124654e-324)), d(0));
    assertBson(rounder.roundUp(d(4.940656484124654e-324)), d(1.02e-321));
  });

  test('decimals round in decimal arithmetic', () => {
    const rounder = granularityRounder('R5');
    assertBson(rounder.roundUp(dec('1')), dec('1.60000000000000'));
    assertBson(rounder.roundDown(dec('1')), dec('0.630000000000000'));
    assertBson(rounder.roundUp(dec('17')), dec('25.0000000000000'));
  });

  test('POWERSOF2 keeps integers integral, as $pow of two integers does', () => {
    const p = granularityRounder('POWERSOF2');
    assertBson(p.roundUp(new Int32(5)), new Int32(8));
    assertBson(p.roundDown(new Int32(5)), new Int32(4));
    assertBson(p.roundUp(new Int32(8)), new Int32(16));
    assertBson(p.roundDown(new Int32(8)), new Int32(4));
    assertBson(p.roundUp(Long.fromNumber(2 ** 40)), Long.fromNumber(2 ** 41));
    assertBson(p.roundDown(Long.fromNumber(2 ** 40)), Long.fromNumber(2 ** 39));
    assertBson(p.roundUp(d(5)), new Int32(8));
    assertBson(p.roundUp(d(0.3)), d(0.5));
    assertBson(p.roundDown(d(0.3)), d(0.25));
    assertBson(p.roundUp(dec('5')), dec('8'));
  });

  test('errors', () => {
    assertCode(() => granularityRounder('R7'), 40257, "Unknown rounding granularity 'R7'");
    const r = granularityRounder('R5');
    assertCode(() => r.roundUp('a'), 40262, 'A granularity rounder can only round numeric values, but found type: string');
    assertCode(() => r.roundUp(d(NaN)), 40263, 'A granularity rounder cannot round NaN');
    assertCode(() => r.roundDown(d(-1)), 40268, 'A granularity rounder can only round non-negative numbers');
    const p = granularityRounder('POWERSOF2');
    assertCode(() => p.roundUp(null), 40265, 'A granularity rounder can only round numeric values, but found type: null');
    assertCode(() => p.roundUp(d(NaN)), 40266);
    assertCode(() => p.roundDown(new Int32(-4)), 40267);
  });
});
