import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, Double, Int32, Long, ObjectId, Timestamp } from '../../../../src/bson/index.js';
import { evaluateExpression } from '../../../../src/query/expressions/index.js';
import { assertBson, assertCode } from './helpers.js';

const i = (n: number): Int32 => new Int32(n);
const l = (n: number | bigint): Long => Long.fromBigInt(BigInt(n));
const d = (n: number): Double => new Double(n);
const date = new Date('2021-03-14T15:09:26.535Z'); // a Sunday
const oid = ObjectId.createFromHexString('5ab9cbfa31c2ab715d42129e');
const doc = { date, oid, ts: new Timestamp({ t: 100, i: 7 }), n: null, s: '42', dec: Decimal128.fromString('2.9') };

describe('type operators', () => {
  const cases: [string, unknown, unknown][] = [
    ['$type int', { $type: 1 }, 'int'],
    ['$type double', { $type: 1.5 }, 'double'],
    ['$type missing', { $type: '$nope' }, 'missing'],
    ['$type array needs wrapping', { $type: [[1]] }, 'array'],
    ['$type long', { $type: l(1) }, 'long'],
    ['$type date', { $type: '$date' }, 'date'],
    ['$isNumber', { $isNumber: '$dec' }, true],
    ['$isNumber string', { $isNumber: '$s' }, false],
    ['$toInt from string', { $toInt: '$s' }, i(42)],
    ['$toInt truncates doubles', { $toInt: d(-2.7) }, i(-2)],
    ['$toInt from decimal', { $toInt: '$dec' }, i(2)],
    ['$toInt from bool', { $toInt: true }, i(1)],
    ['$toInt of null', { $toInt: '$n' }, null],
    ['$toLong from date', { $toLong: '$date' }, l(date.getTime())],
    ['$toLong from string', { $toLong: '-9000000000' }, l(-9000000000)],
    ['$toDouble from string', { $toDouble: '1.5e3' }, d(1500)],
    ['$toDouble from int', { $toDouble: i(3) }, d(3)],
    ['$toDecimal from double (15 digits)', { $toDecimal: d(2.5) }, Decimal128.fromString('2.50000000000000')],
    ['$toDecimal from int', { $toDecimal: i(7) }, Decimal128.fromString('7')],
    ['$toString from double', { $toString: d(2.5) }, '2.5'],
    ['$toString from long', { $toString: l(5) }, '5'],
    ['$toString from objectId', { $toString: '$oid' }, '5ab9cbfa31c2ab715d42129e'],
    ['$toString from date', { $toString: '$date' }, '2021-03-14T15:09:26.535Z'],
    ['$toString from bool', { $toString: false }, 'false'],
    ['$toBool from zero', { $toBool: i(0) }, false],
    ['$toBool from string', { $toBool: '' }, true],
    ['$toDate from long', { $toDate: l(0) }, new Date(0)],
    ['$toDate from string', { $toDate: '2021-03-14T15:09:26.535Z' }, date],
    ['$toDate from string with offset', { $toDate: '2021-03-14 16:09:26.535+01:00' }, date],
    ['$toDate from objectId', { $toDate: '$oid' }, new Date(0x5ab9cbfa * 1000)],
    ['$toObjectId', { $toObjectId: '5ab9cbfa31c2ab715d42129e' }, oid],
    ['$convert with onError', { $convert: { input: 'abc', to: 'int', onError: 'bad' } }, 'bad'],
    ['$convert with onNull', { $convert: { input: '$n', to: 'int', onNull: 'none' } }, 'none'],
    ['$convert with a numeric type', { $convert: { input: '7', to: 16 } }, i(7)],
    ['$convert to null target', { $convert: { input: 1, to: null } }, null],
    ['$tsSecond', { $tsSecond: '$ts' }, l(100)],
    ['$tsIncrement', { $tsIncrement: '$ts' }, l(7)],
    ['$tsSecond null', { $tsSecond: '$n' }, null],
  ];
  for (const [name, expr, expected] of cases) {
    test(name, () => assertBson(evaluateExpression(expr, doc), expected));
  }

  const errors: [string, unknown, number, (string | RegExp)?][] = [
    ['unparsable int', { $toInt: 'abc' }, 241, /^Failed to parse number 'abc' in \$convert with no onError value/],
    ['int overflow from double', { $toInt: d(1e10) }, 241, /^Conversion would overflow target type in \$convert with no onError value/],
    ['NaN to int', { $toInt: d(NaN) }, 241, 'Attempt to convert NaN value to integer type in $convert with no onError value'],
    ['unsupported conversion', { $toInt: '$date' }, 241, 'Unsupported conversion from date to int in $convert with no onError value'],
    ['hex string to double', { $toDouble: '0x1A' }, 241, 'Illegal hexadecimal input in $convert with no onError value: 0x1A'],
    ['bad objectId', { $toObjectId: 'abc' }, 241],
    ['unknown type name', { $convert: { input: 1, to: 'nope' } }, 2, 'Unknown type name: nope'],
    ['bad numeric type', { $convert: { input: 1, to: 99 } }, 9],
    ['$tsSecond of a string', { $tsSecond: '$s' }, 5687301, 'Argument to $tsSecond must be a timestamp, but is string'],
  ];
  for (const [name, expr, code, message] of errors) {
    test(`error: ${name}`, () => assertCode(() => evaluateExpression(expr, doc), code, message));
  }

  test('the ConversionFailure code name', () => {
    try {
      evaluateExpression({ $toInt: 'x' }, {});
      assert.fail('expected an error');
    } catch (err) {
      assert.equal((err as { codeName: string }).codeName, 'ConversionFailure');
    }
  });
});

describe('date operators', () => {
  const cases: [string, unknown, unknown][] = [
    ['$year', { $year: '$date' }, i(2021)],
    ['$month', { $month: '$date' }, i(3)],
    ['$dayOfMonth', { $dayOfMonth: '$date' }, i(14)],
    ['$hour', { $hour: '$date' }, i(15)],
    ['$minute', { $minute: '$date' }, i(9)],
    ['$second', { $second: '$date' }, i(26)],
    ['$millisecond', { $millisecond: '$date' }, i(535)],
    ['$dayOfWeek (Sunday is 1)', { $dayOfWeek: '$date' }, i(1)],
    ['$dayOfYear', { $dayOfYear: '$date' }, i(73)],
    ['$week', { $week: '$date' }, i(11)],
    ['$isoWeek', { $isoWeek: '$date' }, i(10)],
    ['$isoDayOfWeek', { $isoDayOfWeek: '$date' }, i(7)],
    ['$hour with offset timezone', { $hour: { date: '$date', timezone: '+05:30' } }, i(20)],
    ['$hour with an Olson timezone', { $hour: { date: '$date', timezone: 'America/New_York' } }, i(11)],
    ['$year in array form', { $year: ['$date'] }, i(2021)],
    ['$year of null', { $year: '$n' }, null],
    ['$year of a timestamp', { $year: '$ts' }, i(1970)],
    ['$dateToString default', { $dateToString: { date: '$date' } }, '2021-03-14T15:09:26.535Z'],
    ['$dateToString format', { $dateToString: { date: '$date', format: '%d/%m/%Y %H:%M:%S.%L %j %w %u %U %V %G %%' } }, '14/03/2021 15:09:26.535 073 1 7 11 10 2021 %'],
    ['$dateToString with timezone', { $dateToString: { date: '$date', format: '%H:%M %z %Z', timezone: '-02:30' } }, '12:39 -0230 -150'],
    ['$dateToString onNull', { $dateToString: { date: '$n', onNull: 'none' } }, 'none'],
    ['$dateToString null date', { $dateToString: { date: '$missing' } }, null],
    ['$dateFromString', { $dateFromString: { dateString: '2021-03-14T15:09:26.535Z' } }, date],
    ['$dateFromString date only', { $dateFromString: { dateString: '2021-03-14' } }, new Date('2021-03-14T00:00:00Z')],
    ['$dateFromString with timezone', { $dateFromString: { dateString: '2021-03-14 10:09:26.535', timezone: 'America/New_York' } }, new Date('2021-03-14T14:09:26.535Z')],
    ['$dateFromString with format', { $dateFromString: { dateString: '14/03/2021', format: '%d/%m/%Y' } }, new Date('2021-03-14T00:00:00Z')],
    ['$dateFromString onError', { $dateFromString: { dateString: 'garbage', onError: 'bad' } }, 'bad'],
    ['$dateFromString onNull', { $dateFromString: { dateString: null, onNull: 0 } }, 0],
    ['$dateToParts', { $dateToParts: { date: '$date' } }, { year: i(2021), month: i(3), day: i(14), hour: i(15), minute: i(9), second: i(26), millisecond: i(535) }],
    ['$dateFromParts', { $dateFromParts: { year: 2021, month: 3, day: 14, hour: 15 } }, new Date('2021-03-14T15:00:00Z')],
  ];
  for (const [name, expr, expected] of cases) {
    test(name, () => assertBson(evaluateExpression(expr, doc), expected));
  }

  const errors: [string, unknown, number, (string | RegExp)?][] = [
    ['part of a string', { $year: '$s' }, 16006, "can't convert from BSON type string to Date"],
    ['unknown timezone', { $hour: { date: '$date', timezone: 'Mars/Base' } }, 40485, 'unrecognized time zone identifier: "Mars/Base"'],
    ['non-string timezone', { $hour: { date: '$date', timezone: 5 } }, 40517, 'timezone must evaluate to a string, found int'],
    ['unknown option', { $hour: { date: '$date', tz: 'UTC' } }, 40535],
    ['bad format character', { $dateToString: { date: '$date', format: '%Q' } }, 18536, "Invalid format character '%Q' in format string"],
    ['trailing %', { $dateToString: { date: '$date', format: '%Y%' } }, 18535, "Unmatched '%' at end of format string"],
    ['unparsable date string', { $dateFromString: { dateString: 'garbage' } }, 241, /^Error parsing date string 'garbage'/],
    ['date string with offset and timezone', { $dateFromString: { dateString: '2021-01-01T00:00:00Z', timezone: 'Europe/Paris' } }, 241],
  ];
  for (const [name, expr, code, message] of errors) {
    test(`error: ${name}`, () => assertCode(() => evaluateExpression(expr, doc), code, message));
  }
});
