import { describe, test } from 'node:test';
import { Decimal128, Double, Int32, Long } from '../../../../src/bson/index.js';
import { evaluateExpression } from '../../../../src/query/expressions/index.js';
import { assertBson, assertCode } from './helpers.js';

const i = (n: number): Int32 => new Int32(n);
const l = (n: number | bigint): Long => Long.fromBigInt(BigInt(n));
const d = (n: number): Double => new Double(n);
const dec = (s: string): Decimal128 => Decimal128.fromString(s);

const doc = { i: i(5), l: l(7), d: d(2.5), dec: dec('1.5'), date: new Date('2020-01-01T00:00:00Z'), s: 'x', n: null };

describe('arithmetic result types', () => {
  const cases: [string, unknown, unknown][] = [
    ['int + int is int', { $add: [i(1), i(2)] }, i(3)],
    ['plain numbers count as ints', { $add: [1, 2] }, i(3)],
    ['int + int overflowing is long', { $add: [i(2147483647), i(1)] }, l(2147483648)],
    ['int + long is long', { $add: ['$i', '$l'] }, l(12)],
    ['long + long overflowing is double', { $add: [l(9223372036854775807n), l(1)] }, d(9223372036854775808)],
    ['int + double is double', { $add: ['$i', '$d'] }, d(7.5)],
    ['int + decimal is decimal', { $add: [i(1), '$dec'] }, dec('2.5')],
    ['empty $add is int 0', { $add: [] }, i(0)],
    ['$add with null is null', { $add: [1, '$n'] }, null],
    ['$add with missing is null', { $add: [1, '$missing'] }, null],
    ['date + ms is a date', { $add: ['$date', 1000] }, new Date('2020-01-01T00:00:01Z')],
    ['int - int is int', { $subtract: [i(5), i(7)] }, i(-2)],
    ['long - int is long', { $subtract: ['$l', '$i'] }, l(2)],
    ['date - date is long ms', { $subtract: ['$date', new Date('2019-12-31T23:59:59Z')] }, l(1000)],
    ['date - number is a date', { $subtract: ['$date', 1000] }, new Date('2019-12-31T23:59:59Z')],
    ['$subtract with null', { $subtract: ['$n', 1] }, null],
    ['int * int is int', { $multiply: [i(6), i(7)] }, i(42)],
    ['int * int overflowing is long', { $multiply: [i(65536), i(65536)] }, l(4294967296)],
    ['int * double is double', { $multiply: ['$i', '$d'] }, d(12.5)],
    ['empty $multiply is int 1', { $multiply: [] }, i(1)],
    ['int / int is double', { $divide: [i(6), i(3)] }, d(2)],
    ['decimal / int is decimal', { $divide: ['$dec', i(3)] }, dec('0.5')],
    ['$divide with null', { $divide: ['$n', 1] }, null],
    ['int mod int is int', { $mod: [i(7), i(3)] }, i(1)],
    ['mod keeps the dividend sign', { $mod: [i(-7), i(3)] }, i(-1)],
    ['int mod integral double is int', { $mod: [i(5), d(2)] }, i(1)],
    ['double mod int is double', { $mod: [d(5.5), i(2)] }, d(1.5)],
    ['long mod int is long', { $mod: ['$l', i(4)] }, l(3)],
    ['$abs of int', { $abs: i(-3) }, i(3)],
    ['$abs of int min is long', { $abs: i(-2147483648) }, l(2147483648)],
    ['$abs of double', { $abs: d(-2.5) }, d(2.5)],
    ['$abs of null', { $abs: null }, null],
    ['$ceil of double', { $ceil: d(1.2) }, d(2)],
    ['$ceil of int is the int', { $ceil: i(3) }, i(3)],
    ['$floor of negative double', { $floor: d(-1.2) }, d(-2)],
    ['$floor of decimal', { $floor: dec('-1.5') }, dec('-2')],
    ['$round half to even', { $round: [d(2.5), 0] }, d(2)],
    ['$round half to even, odd', { $round: [d(3.5)] }, d(4)],
    ['$round to places', { $round: [d(1.2345), 2] }, d(1.23)],
    ['$round int to tens', { $round: [i(1234), -1] }, i(1230)],
    ['$round int half to even at tens', { $round: [i(25), -1] }, i(20)],
    ['$round decimal keeps the exponent', { $round: [dec('1.5'), 2] }, dec('1.50')],
    ['$trunc double', { $trunc: [d(-1.789), 1] }, d(-1.7)],
    ['$trunc int to hundreds', { $trunc: [i(1299), -2] }, i(1200)],
    ['$sqrt', { $sqrt: i(16) }, d(4)],
    ['$pow int', { $pow: [i(2), i(10)] }, i(1024)],
    ['$pow int overflowing to long', { $pow: [i(2), i(40)] }, l(1099511627776)],
    ['$pow negative exponent is double', { $pow: [i(2), i(-1)] }, d(0.5)],
    ['$pow long stays long', { $pow: [l(3), i(2)] }, l(9)],
    ['$exp', { $exp: i(0) }, d(1)],
    ['$ln', { $ln: i(1) }, d(0)],
    ['$log10', { $log10: i(1000) }, d(3)],
    ['$log', { $log: [i(8), i(2)] }, d(3)],
  ];
  for (const [name, expr, expected] of cases) {
    test(name, () => assertBson(evaluateExpression(expr, doc), expected));
  }
});

describe('arithmetic errors', () => {
  const cases: [string, unknown, number, string?][] = [
    ['$divide by zero', { $divide: [1, 0] }, 2, "can't $divide by zero"],
    ['$divide by decimal zero', { $divide: [1, dec('0')] }, 2, "can't $divide by zero"],
    ['$divide non-numeric', { $divide: ['$s', 1] }, 16609, '$divide only supports numeric types, not string and int'],
    ['$mod by zero', { $mod: [1, 0] }, 16610, "can't $mod by zero"],
    ['$mod non-numeric', { $mod: [1, '$s'] }, 16611, '$mod only supports numeric types, not int and string'],
    ['$add string', { $add: [1, '$s'] }, 16554, '$add only supports numeric or date types, not string'],
    ['$add two dates', { $add: ['$date', '$date'] }, 16612, 'only one date allowed in an $add expression'],
    ['$subtract string', { $subtract: ['$s', 1] }, 16556, 'cant $subtract a int from a string'],
    ['$subtract string from date', { $subtract: ['$date', '$s'] }, 16613, 'cant $subtract a string from a Date'],
    ['$multiply string', { $multiply: [2, '$s'] }, 16555, '$multiply only supports numeric types, not string'],
    ['$abs string', { $abs: '$s' }, 28765, '$abs only supports numeric types, not string'],
    ['$abs long min', { $abs: l(-9223372036854775808n) }, 28680, "can't take $abs of long long min"],
    ['$sqrt negative', { $sqrt: -1 }, 28714, "$sqrt's argument must be greater than or equal to 0"],
    ['$ln zero', { $ln: 0 }, 28766, "$ln's argument must be a positive number, but is 0"],
    ['$log10 negative', { $log10: -1 }, 28761, "$log10's argument must be a positive number, but is -1"],
    ['$pow 0 to a negative power', { $pow: [0, -1] }, 28764, '$pow cannot take a base of 0 and a negative exponent'],
    ['$round bad precision', { $round: [1, 101] }, 51083, 'cannot apply $round with precision value 101 value must be in [-20, 100]'],
    ['$round string', { $round: ['$s'] }, 51081, '$round only supports numeric types, not string'],
  ];
  for (const [name, expr, code, message] of cases) {
    test(name, () => assertCode(() => evaluateExpression(expr, doc), code, message));
  }
});
