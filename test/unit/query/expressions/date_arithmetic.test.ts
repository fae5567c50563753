import { describe, test } from 'node:test';
import { Double, Int32, Long, ObjectId, Timestamp } from '../../../../src/bson/index.js';
import { evaluateExpression } from '../../../../src/query/expressions/index.js';
import { assertBson, assertCode } from './helpers.js';

const l = (n: number | bigint): Long => Long.fromBigInt(BigInt(n));
const at = (s: string): Date => new Date(s);

describe('$dateAdd and $dateSubtract', () => {
  const cases: [string, unknown, unknown][] = [
    ['days', { $dateAdd: { startDate: at('2020-12-31T00:00:00Z'), unit: 'day', amount: 3 } }, at('2021-01-03T00:00:00Z')],
    ['a month clamps to the last day of the month', { $dateAdd: { startDate: at('2020-10-31T12:10:05Z'), unit: 'month', amount: 1 } },
      at('2020-11-30T12:10:05Z')],
    ['into a leap February', { $dateAdd: { startDate: at('2020-01-31T10:00:00Z'), unit: 'month', amount: 1 } }, at('2020-02-29T10:00:00Z')],
    ['a year from February 29', { $dateAdd: { startDate: at('2020-02-29T10:00:00Z'), unit: 'year', amount: 1 } }, at('2021-02-28T10:00:00Z')],
    ['quarters', { $dateAdd: { startDate: at('2021-11-30T00:00:00Z'), unit: 'quarter', amount: 1 } }, at('2022-02-28T00:00:00Z')],
    ['negative months cross a year', { $dateAdd: { startDate: at('2021-01-15T00:00:00Z'), unit: 'month', amount: -13 } },
      at('2019-12-15T00:00:00Z')],
    ['weeks', { $dateAdd: { startDate: at('2021-01-01T00:00:00Z'), unit: 'week', amount: 2 } }, at('2021-01-15T00:00:00Z')],
    ['milliseconds', { $dateAdd: { startDate: at('2021-01-01T00:00:00Z'), unit: 'millisecond', amount: l(1500) } },
      at('2021-01-01T00:00:01.500Z')],
    ['an integral double amount', { $dateAdd: { startDate: at('2021-01-01T00:00:00Z'), unit: 'minute', amount: new Double(90) } },
      at('2021-01-01T01:30:00Z')],
    ['a day keeps the local time across a DST change',
      { $dateAdd: { startDate: at('2021-03-13T15:00:00Z'), unit: 'day', amount: 1, timezone: 'America/New_York' } }, at('2021-03-14T14:00:00Z')],
    ['24 hours do not', { $dateAdd: { startDate: at('2021-03-13T15:00:00Z'), unit: 'hour', amount: 24, timezone: 'America/New_York' } },
      at('2021-03-14T15:00:00Z')],
    ['an hour across the fall-back change is an hour',
      { $dateAdd: { startDate: at('2020-11-01T05:50:02Z'), unit: 'hour', amount: 1, timezone: 'America/New_York' } }, at('2020-11-01T06:50:02Z')],
    ['a day onto the hour spring-forward skips lands after it',
      { $dateAdd: { startDate: at('2021-03-13T07:30:00Z'), unit: 'day', amount: 1, timezone: 'America/New_York' } }, at('2021-03-14T07:30:00Z')],
    ['a day onto the hour fall-back repeats takes its first occurrence',
      { $dateAdd: { startDate: at('2021-11-06T05:30:00Z'), unit: 'day', amount: 1, timezone: 'America/New_York' } }, at('2021-11-07T05:30:00Z')],
    ['month clamping in a fixed offset', { $dateAdd: { startDate: at('2021-01-31T22:00:00Z'), unit: 'month', amount: 1, timezone: '+03:00' } },
      at('2021-02-28T22:00:00Z')],
    ['a Timestamp start', { $dateAdd: { startDate: new Timestamp({ t: 86400, i: 1 }), unit: 'day', amount: 1 } }, at('1970-01-03T00:00:00Z')],
    ['an ObjectId start', { $dateAdd: { startDate: ObjectId.createFromTime(0), unit: 'second', amount: 1 } }, at('1970-01-01T00:00:01Z')],
    ['null startDate', { $dateAdd: { startDate: null, unit: 'day', amount: 1 } }, null],
    ['missing unit', { $dateAdd: { startDate: at('2021-01-01'), unit: '$nope', amount: 1 } }, null],
    ['null amount', { $dateAdd: { startDate: at('2021-01-01'), unit: 'day', amount: null } }, null],
    ['null timezone', { $dateAdd: { startDate: at('2021-01-01'), unit: 'day', amount: 1, timezone: null } }, null],
    ['null before a bad amount', { $dateAdd: { startDate: null, unit: 'day', amount: 'x' } }, null],
    ['$dateSubtract a month clamps', { $dateSubtract: { startDate: at('2021-03-31T10:00:00Z'), unit: 'month', amount: 1 } },
      at('2021-02-28T10:00:00Z')],
    ['$dateSubtract hours', { $dateSubtract: { startDate: at('2021-01-01T00:00:00Z'), unit: 'hour', amount: 25 } }, at('2020-12-30T23:00:00Z')],
  ];
  for (const [name, expr, expected] of cases) test(name, () => assertBson(evaluateExpression(expr, {}), expected));

  const errors: [string, unknown, number, string][] = [
    ['not an object', { $dateAdd: 1 }, 5166400, '$dateAdd expects an object as its argument'],
    ['an unknown argument', { $dateSubtract: { startDate: 1, unit: 'day', amount: 1, k: 1 } }, 5166401,
      'Unrecognized argument to $dateSubtract: k. Expected arguments are startDate, unit, amount, and optionally timezone.'],
    ['a missing argument', { $dateAdd: { startDate: 1, unit: 'day' } }, 5166402, '$dateAdd requires startDate, unit, and amount to be present'],
    ['a constant bad unit fails at parse time', { $dateAdd: { startDate: '$nope', unit: 'century', amount: 1 } }, 5439014,
      "$dateAdd parameter 'unit' value cannot be recognized as a time unit: century"],
    ['a unit that is not a string', { $dateAdd: { startDate: at('2021-01-01'), unit: '$$u', amount: 1 } }, 5439013,
      "$dateAdd requires 'unit' to be a string, but got int"],
    ['a start that is no date', { $dateAdd: { startDate: 'x', unit: 'day', amount: 1 } }, 5166403,
      '$dateAdd requires startDate to be convertible to a date'],
    ['a fractional amount', { $dateAdd: { startDate: at('2021-01-01'), unit: 'day', amount: 1.5 } }, 5166405,
      '$dateAdd expects integer amount of time units'],
    ['a bad time zone', { $dateAdd: { startDate: at('2021-01-01'), unit: 'day', amount: 1, timezone: 'Mars/Base' } }, 40485,
      'unrecognized time zone identifier: "Mars/Base"'],
    ['a time zone that is not a string', { $dateAdd: { startDate: at('2021-01-01'), unit: 'day', amount: 1, timezone: 5 } }, 40517,
      'timezone must evaluate to a string, found int'],
    ['an amount past any date', { $dateAdd: { startDate: at('2021-01-01'), unit: 'year', amount: 584942418 } }, 5976500,
      "invalid dateAdd 'amount' parameter value: 584942418 year"],
    ['$dateSubtract shows the negated amount', { $dateSubtract: { startDate: at('2021-01-01'), unit: 'day', amount: l(213503982335n) } },
      5976500, "invalid dateAdd 'amount' parameter value: -213503982335 day"],
    ['$dateSubtract of the smallest long', { $dateSubtract: { startDate: at('2021-01-01'), unit: 'day', amount: l(-(2n ** 63n)) } },
      6045000, "invalid $dateSubtract 'amount' parameter value: -9223372036854775808"],
  ];
  for (const [name, expr, code, message] of errors) {
    test(name, () => assertCode(() => evaluateExpression(expr, {}, { u: new Int32(1) }), code, message));
  }
});

describe('$dateDiff', () => {
  const diff = (startDate: unknown, endDate: unknown, unit: unknown, extra: Record<string, unknown> = {}): unknown =>
    evaluateExpression({ $dateDiff: { startDate, endDate, unit, ...extra } }, {});
  const cases: [string, () => unknown, unknown][] = [
    ['years count year boundaries', () => diff(at('2010-01-01'), at('2011-07-01'), 'year'), l(1)],
    ['months', () => diff(at('2010-01-01'), at('2011-07-01'), 'month'), l(18)],
    ['days', () => diff(at('2010-01-01'), at('2011-07-01'), 'day'), l(546)],
    ['60 days are one month', () => diff(at('2010-03-01'), at('2010-04-30'), 'month'), l(1)],
    ['quarters', () => diff(at('2020-03-31'), at('2020-04-01'), 'quarter'), l(1)],
    ['a minute over New Year is a year', () => diff(at('2020-12-31T23:59:00Z'), at('2021-01-01T00:01:00Z'), 'year'), l(1)],
    ['backwards is negative', () => diff(at('2021-01-01'), at('2020-12-31'), 'day'), l(-1)],
    ['weeks start on Sunday by default', () => diff(at('2021-01-01'), at('2021-01-31'), 'week'), l(5)],
    ['weeks from Monday', () => diff(at('2021-01-01'), at('2021-01-31'), 'week', { startOfWeek: 'Monday' }), l(4)],
    ['weeks from Friday', () => diff(at('2021-02-01'), at('2021-02-28'), 'week', { startOfWeek: 'fri' }), l(4)],
    ['hours count hour boundaries', () => diff(at('2021-01-01T10:59:00Z'), at('2021-01-01T11:00:00Z'), 'hour'), l(1)],
    ['hours over a DST change are elapsed hours',
      () => diff(at('2021-03-14T06:00:00Z'), at('2021-03-14T08:00:00Z'), 'hour', { timezone: 'America/New_York' }), l(2)],
    ['days in a time zone', () => diff(at('2021-01-01T20:00:00Z'), at('2021-01-02T02:00:00Z'), 'day', { timezone: '-05:00' }), l(0)],
    ['seconds', () => diff(at('2021-01-01T00:00:00.999Z'), at('2021-01-01T00:00:01Z'), 'second'), l(1)],
    ['milliseconds', () => diff(at('2021-01-01T00:00:00Z'), at('2021-01-01T00:00:01.5Z'), 'millisecond'), l(1500)],
    ['null end', () => diff(at('2021-01-01'), null, 'day'), null],
    ['null startOfWeek with weeks', () => diff(at('2021-01-01'), at('2021-02-01'), 'week', { startOfWeek: null }), null],
    ['startOfWeek is not read for other units', () => diff(at('2021-01-01'), at('2021-01-02'), 'day', { startOfWeek: 5 }), l(1)],
  ];
  for (const [name, run, expected] of cases) test(name, () => assertBson(run(), expected));

  const errors: [string, unknown, number, string][] = [
    ['not an object', { $dateDiff: 'x' }, 5166301, '$dateDiff only supports an object as its argument'],
    ['an unknown argument', { $dateDiff: { k: 1 } }, 5166302, 'Unrecognized argument to $dateDiff: k'],
    ['no startDate', { $dateDiff: { endDate: 1, unit: 'day' } }, 5166303, "Missing 'startDate' parameter to $dateDiff"],
    ['no endDate', { $dateDiff: { startDate: 1, unit: 'day' } }, 5166304, "Missing 'endDate' parameter to $dateDiff"],
    ['no unit', { $dateDiff: { startDate: 1, endDate: 1 } }, 5166305, "Missing 'unit' parameter to $dateDiff"],
    ['a start that is no date', { $dateDiff: { startDate: 'x', endDate: at('2021-01-01'), unit: 'day' } }, 5166307,
      "$dateDiff requires 'startDate' to be a date, but got string"],
    ['an end that is no date', { $dateDiff: { startDate: at('2021-01-01'), endDate: 1, unit: 'day' } }, 5166307,
      "$dateDiff requires 'endDate' to be a date, but got int"],
    ['a bad startOfWeek', { $dateDiff: { startDate: at('2021-01-01'), endDate: at('2021-01-01'), unit: 'week', startOfWeek: 'someday' } },
      5439016, "$dateDiff parameter 'startOfWeek' value cannot be recognized as a day of a week: someday"],
    ['a startOfWeek that is not a string', { $dateDiff: { startDate: at('2021-01-01'), endDate: at('2021-01-01'), unit: 'week', startOfWeek: 1 } },
      5439015, "$dateDiff requires 'startOfWeek' to be a string, but got int"],
    ['a bad time zone names the parameter', { $dateDiff: { startDate: at('2021-01-01'), endDate: at('2021-01-01'), unit: 'day', timezone: 'INVALID' } },
      40485, "$dateDiff parameter 'timezone' value parsing failed :: caused by :: unrecognized time zone identifier: \"INVALID\""],
  ];
  for (const [name, expr, code, message] of errors) test(name, () => assertCode(() => evaluateExpression(expr, {}), code, message));
});

describe('$dateTrunc', () => {
  const trunc = (spec: Record<string, unknown>): unknown => evaluateExpression({ $dateTrunc: spec }, {});
  const date = at('2021-03-20T11:30:05.123Z');
  const cases: [string, Record<string, unknown>, unknown][] = [
    ['an hour', { date, unit: 'hour' }, at('2021-03-20T11:00:00Z')],
    ['two hours', { date, unit: 'hour', binSize: 2 }, at('2021-03-20T10:00:00Z')],
    ['15 minutes', { date, unit: 'minute', binSize: 15 }, at('2021-03-20T11:30:00Z')],
    ['a second', { date, unit: 'second' }, at('2021-03-20T11:30:05Z')],
    ['100 milliseconds', { date, unit: 'millisecond', binSize: 100 }, at('2021-03-20T11:30:05.100Z')],
    ['a day', { date, unit: 'day' }, at('2021-03-20T00:00:00Z')],
    ['a day in a time zone', { date, unit: 'day', timezone: 'Asia/Kolkata' }, at('2021-03-19T18:30:00Z')],
    ['a week starts on Sunday', { date, unit: 'week' }, at('2021-03-14T00:00:00Z')],
    ['two weeks from Monday in Los Angeles', { date, unit: 'week', binSize: 2, timezone: 'America/Los_Angeles', startOfWeek: 'Monday' },
      at('2021-03-15T07:00:00Z')],
    ['a month', { date, unit: 'month' }, at('2021-03-01T00:00:00Z')],
    ['six months', { date, unit: 'month', binSize: 6 }, at('2021-01-01T00:00:00Z')],
    ['a quarter', { date, unit: 'quarter' }, at('2021-01-01T00:00:00Z')],
    ['a year in an offset', { date, unit: 'year', timezone: '+05:30' }, at('2020-12-31T18:30:00Z')],
    ['ten years bin from 2000', { date, unit: 'year', binSize: 10 }, at('2020-01-01T00:00:00Z')],
    ['before 2000', { date: at('1999-12-31T23:00:00Z'), unit: 'year', binSize: 3 }, at('1997-01-01T00:00:00Z')],
    ['null date', { date: null, unit: 'day' }, null],
    ['null binSize', { date, unit: 'day', binSize: null }, null],
    ['null unit', { date, unit: null }, null],
    ['null startOfWeek for weeks', { date, unit: 'week', startOfWeek: null }, null],
  ];
  for (const [name, spec, expected] of cases) test(name, () => assertBson(trunc(spec), expected));

  const errors: [string, unknown, number, string][] = [
    ['not an object', { $dateTrunc: [] }, 5439007, '$dateTrunc only supports an object as its argument'],
    ['an unknown argument', { $dateTrunc: { date: 1, unit: 'day', k: 1 } }, 5439008,
      'Unrecognized argument to $dateTrunc: k. Expected arguments are date, unit, and optionally, binSize, timezone, startOfWeek'],
    ['no date', { $dateTrunc: { unit: 'day' } }, 5439009, "Missing 'date' parameter to $dateTrunc"],
    ['no unit', { $dateTrunc: { date: 1 } }, 5439010, "Missing 'unit' parameter to $dateTrunc"],
    ['a binSize of 0', { $dateTrunc: { date: '$d', unit: 'day', binSize: 0 } }, 5439018,
      "$dateTrunc requires 'binSize' to be greater than 0, but got value 0"],
    ['a fractional binSize', { $dateTrunc: { date: '$d', unit: 'day', binSize: 1.5 } }, 5439017,
      "$dateTrunc requires 'binSize' to be a 64-bit integer, but got value '1.5' of type double"],
    ['a date that is no date', { $dateTrunc: { date: 'x', unit: 'day' } }, 5166307, "$dateTrunc requires 'date' to be a date, but got string"],
    ['a constant bad time zone fails at parse time', { $dateTrunc: { date: '$nope', unit: 'day', timezone: 'Nowhere' } }, 40485,
      "$dateTrunc parameter 'timezone' value parsing failed :: caused by :: unrecognized time zone identifier: \"Nowhere\""],
    ['a huge day bin', { $dateTrunc: { date: at('2021-01-01'), unit: 'day', binSize: 100000000001 } }, 5439006,
      'dateTrunc unsupported binSize value'],
    ['an hour bin past a long of milliseconds', { $dateTrunc: { date: at('2021-01-01'), unit: 'hour', binSize: l(2n ** 62n) } }, 5439002,
      'dateTrunc overflowed'],
    ['a bad time zone names the parameter', { $dateTrunc: { date: at('2021-01-01'), unit: 'day', timezone: 7 } }, 40517,
      "$dateTrunc parameter 'timezone' value parsing failed :: caused by :: timezone must evaluate to a string, found int"],
  ];
  for (const [name, expr, code, message] of errors) test(name, () => assertCode(() => evaluateExpression(expr, {}), code, message));
});
