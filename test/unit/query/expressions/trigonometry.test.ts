import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, Double, Int32, Long } from '../../../../src/bson/index.js';
import { evaluateExpression } from '../../../../src/query/expressions/index.js';
import { formatG } from '../../../../src/query/expressions/trigonometry.js';
import { assertBson, assertCode } from './helpers.js';

const i = (n: number): Int32 => new Int32(n);
const l = (n: number | bigint): Long => Long.fromBigInt(BigInt(n));
const d = (n: number): Double => new Double(n);
const dec = (s: string): Decimal128 => Decimal128.fromString(s);

describe('trigonometry on numbers gives doubles', () => {
  const cases: [string, unknown, unknown][] = [
    ['$sin of an int', { $sin: i(0) }, d(0)],
    ['$sin of a long', { $sin: l(1) }, d(Math.sin(1))],
    ['$cos of a double', { $cos: d(Math.PI) }, d(-1)],
    ['$tan', { $tan: d(0.5) }, d(Math.tan(0.5))],
    ['$asin', { $asin: d(0.5) }, d(Math.asin(0.5))],
    ['$acos of 1', { $acos: i(1) }, d(0)],
    ['$atan', { $atan: d(1) }, d(Math.PI / 4)],
    ['$atan of infinity', { $atan: d(Infinity) }, d(Math.PI / 2)],
    ['$atan2', { $atan2: [i(1), i(-1)] }, d((3 * Math.PI) / 4)],
    ['$sinh', { $sinh: d(1) }, d(Math.sinh(1))],
    ['$cosh of -infinity', { $cosh: d(-Infinity) }, d(Infinity)],
    ['$tanh', { $tanh: d(2) }, d(Math.tanh(2))],
    ['$asinh', { $asinh: d(1) }, d(Math.asinh(1))],
    ['$acosh at its bound', { $acosh: i(1) }, d(0)],
    ['$acosh of infinity (inclusive upper bound)', { $acosh: d(Infinity) }, d(Infinity)],
    ['$atanh at its bound is infinite', { $atanh: i(1) }, d(Infinity)],
    ['$degreesToRadians', { $degreesToRadians: i(180) }, d(3.141592653589793)],
    ['$radiansToDegrees', { $radiansToDegrees: d(Math.PI) }, d(180)],
    ['null gives null', { $sin: null }, null],
    ['missing gives null', { $cos: '$nope' }, null],
    ['$atan2 with a null side', { $atan2: [null, 'x'] }, null],
  ];
  for (const [name, expr, expected] of cases) test(name, () => assertBson(evaluateExpression(expr, {}), expected));

  test('NaN passes through a bounded function', () => {
    const r = evaluateExpression({ $acos: d(NaN) }, {});
    assert.ok(r instanceof Double && Number.isNaN(r.value));
  });
});

describe('trigonometry on decimals gives decimals to 34 digits', () => {
  const cases: [string, unknown, string][] = [
    ['$sin 1', { $sin: dec('1') }, '0.8414709848078965066525023216302990'],
    ['$cos 1', { $cos: dec('1') }, '0.5403023058681397174009366074429766'],
    ['$tan 1', { $tan: dec('1') }, '1.557407724654902230506974807458360'],
    ['$asin 0.5', { $asin: dec('0.5') }, '0.5235987755982988730771072305465838'],
    ['$acos 0.5', { $acos: dec('0.5') }, '1.047197551196597746154214461093168'],
    ['$acos -1 is pi', { $acos: dec('-1') }, '3.141592653589793238462643383279503'],
    ['$atan 1', { $atan: dec('1') }, '0.7853981633974483096156608458198757'],
    ['$atan2 with a decimal side', { $atan2: [dec('1'), i(1)] }, '0.7853981633974483096156608458198757'],
    ['$sinh 1', { $sinh: dec('1') }, '1.175201193643801456882381850595601'],
    ['$cosh 1', { $cosh: dec('1') }, '1.543080634815243778477905620757062'],
    ['$tanh 1', { $tanh: dec('1') }, '0.7615941559557648881194582826047936'],
    ['$asinh 1', { $asinh: dec('1') }, '0.8813735870195430252326093249797923'],
    ['$acosh 2', { $acosh: dec('2') }, '1.316957896924816708625046347307968'],
    ['$atanh 0.5', { $atanh: dec('0.5') }, '0.5493061443340548456976226184612629'],
    ['$sin of a tiny angle', { $sin: dec('1E-30') }, '1.000000000000000000000000000000000E-30'],
    ['$sin of a huge angle reduces with enough digits of pi', { $sin: dec('1E+100') }, '-0.3723761236612766882620866955531643'],
    ['$sin of a decimal past the double range is still finite', { $sin: dec('1E+6000') }, '-0.7249266534376325863453460198136025'],
    ['$sinh overflows to infinity', { $sinh: dec('20000') }, 'Infinity'],
    ['$atanh at its bound', { $atanh: dec('-1') }, '-Infinity'],
    ['$degreesToRadians multiplies by mongod\'s 34-digit pi/180', { $degreesToRadians: dec('180') }, '3.141592653589793238462643383279503'],
    ['$radiansToDegrees', { $radiansToDegrees: dec('3.141592653589793238462643383279503') }, '180.0000000000000000000000000000000'],
    ['NaN is NaN', { $sin: dec('NaN') }, 'NaN'],
    ['the manual\'s triangle', { $multiply: [{ $sin: { $degreesToRadians: dec('53.13010235415597870314438744090659') } }, dec('5')] },
      '4.000000000000000000000000000000000'],
  ];
  for (const [name, expr, expected] of cases) {
    test(name, () => {
      const r = evaluateExpression(expr, {});
      assert.ok(r instanceof Decimal128, `${name}: a decimal`);
      assert.equal(r.toString(), expected);
    });
  }
});

describe('trigonometry errors', () => {
  const cases: [string, unknown, number, string][] = [
    ['$acos of 2', { $acos: i(2) }, 50989, 'cannot apply $acos to 2, value must in [-1,1]'],
    ['$asin of a double', { $asin: d(-1.5) }, 50989, 'cannot apply $asin to -1.5, value must in [-1,1]'],
    ['$acosh below 1', { $acosh: d(0.5) }, 50989, 'cannot apply $acosh to 0.5, value must in [1,inf]'],
    ['$atanh of a decimal just past 1', { $atanh: dec('1.0000000000000000000000000000001') }, 50989,
      'cannot apply $atanh to 1.0000000000000000000000000000001, value must in [-1,1]'],
    ['$acos of a decimal past the double range', { $acos: dec('-1E+6000') }, 50989, 'cannot apply $acos to -1E+6000, value must in [-1,1]'],
    ['$sin of infinity', { $sin: d(-Infinity) }, 50989, 'cannot apply $sin to -inf, value must in (-inf,inf)'],
    ['$cos of a decimal infinity', { $cos: dec('Infinity') }, 50989, 'cannot apply $cos to Infinity, value must in (-inf,inf)'],
    ['$tan of a string', { $tan: 'x' }, 28765, '$tan only supports numeric types, not string'],
    ['two arguments', { $sin: [1, 2] }, 16020, 'Expression $sin takes exactly 1 arguments. 2 were passed in.'],
    ['$atan2 first argument', { $atan2: ['a', 1] }, 51044, '$atan2 only supports numeric types, not string'],
    ['$atan2 second argument', { $atan2: [1, true] }, 51045, '$atan2 only supports numeric types, not bool'],
    ['$atan2 arity', { $atan2: [1] }, 16020, 'Expression $atan2 takes exactly 2 arguments. 1 were passed in.'],
    ['$degreesToRadians of a date', { $degreesToRadians: new Date(0) }, 28765, '$degreesToRadians only supports numeric types, not date'],
  ];
  for (const [name, expr, code, message] of cases) test(name, () => assertCode(() => evaluateExpression(expr, {}), code, message));
});

describe('doubles in messages print as printf %g', () => {
  const cases: [number, string][] = [
    [2, '2'], [1.5, '1.5'], [-1, '-1'], [1234567, '1.23457e+06'], [0.0001, '0.0001'], [0.00001234, '1.234e-05'],
    [123456, '123456'], [Infinity, 'inf'], [NaN, 'nan'], [1 / 3, '0.333333'],
  ];
  for (const [x, expected] of cases) test(`${x}`, () => assert.equal(formatG(x), expected));
});
