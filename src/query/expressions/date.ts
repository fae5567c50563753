import { isDocument } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { namedArgs } from './args.js';
import {
  dateParts, formatDate, ISO_FORMAT, parseDateString, parseTimeZone, validateFromStringFormat, validateToStringFormat,
  type DateParts, type TimeZone, UTC,
} from './date_support.js';
import type { Evaluator, OperatorTable, ParseContext, Scope } from './types.js';
import { coerceToDate, formatValue, int32, isIntegral64, isNullish, toBigIntValue, typeName } from './values.js';

/**
 * Date operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/#date-expression-operators).
 * Dates, Timestamps and ObjectIds are accepted where a date is expected; the timezone defaults to UTC.
 */

/** Evaluates an optional `timezone` operand: absent is UTC, null/missing is null (the result is then null). */
export function timeZoneOf(ev: Evaluator | undefined, scope: Scope): TimeZone | null {
  if (!ev) return UTC;
  const id = ev(scope);
  if (isNullish(id)) return null;
  if (typeof id !== 'string') throw new MongoServerError(40517, `timezone must evaluate to a string, found ${typeName(id)}`);
  return parseTimeZone(id);
}

/**
 * Evaluates the `format` operand of $dateToString and $dateFromString: null when it is null or missing (the
 * result is then null), else a string that `validate` accepts; other types are error `code`.
 */
function formatOf(ev: Evaluator, scope: Scope, name: string, code: number, validate: (format: string) => void): string | null {
  const format = ev(scope);
  if (isNullish(format)) return null;
  if (typeof format !== 'string') {
    throw new MongoServerError(code, `${name} requires that 'format' be a string, found: ${typeName(format)} with value ${formatValue(format)}`);
  }
  validate(format);
  return format;
}

/**
 * The argument forms of $year and the other part extractors: `<date>`, `[<date>]` or `{date, timezone}`.
 */
function parseDateArg(arg: unknown, ctx: ParseContext, name: string): { date: Evaluator; timezone?: Evaluator } {
  if (isDocument(arg) && !(Object.keys(arg)[0] ?? '').startsWith('$')) {
    let date: Evaluator | undefined;
    let timezone: Evaluator | undefined;
    for (const key of Object.keys(arg)) {
      if (key === 'date') date = ctx.parse(arg[key]);
      else if (key === 'timezone') timezone = ctx.parse(arg[key]);
      else throw new MongoServerError(40535, `unrecognized option to ${name}: "${key}"`);
    }
    if (!date) throw new MongoServerError(40539, `missing 'date' argument to ${name}, provided: ${formatValue(arg)}`);
    return timezone ? { date, timezone } : { date };
  }
  let operand = arg;
  if (Array.isArray(arg)) {
    if (arg.length !== 1) {
      throw new MongoServerError(40536, `${name} accepts exactly one argument if given an array, but was given ${arg.length}`);
    }
    operand = arg[0];
  }
  return { date: ctx.parse(operand) };
}

function datePart(pick: (p: DateParts) => number) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const { date, timezone } = parseDateArg(arg, ctx, name);
    return (scope) => {
      const d = date(scope);
      const tz = timeZoneOf(timezone, scope);
      if (isNullish(d) || tz === null) return null;
      return int32(pick(dateParts(coerceToDate(d).getTime(), tz)));
    };
  };
}

function parseDateToString(arg: unknown, ctx: ParseContext): Evaluator {
  const spec = namedArgs(arg, ['date', 'format', 'timezone', 'onNull'], {
    notObject: [18629, '$dateToString only supports an object as its argument'],
    unknown: [18534, 'Unrecognized argument to $dateToString: '],
    required: {
      date: [18628, "Missing 'date' parameter to $dateToString"],
    },
  });
  const dateEv = ctx.parse(spec.date);
  const formatEv = 'format' in spec ? ctx.parse(spec.format) : undefined;
  const tzEv = 'timezone' in spec ? ctx.parse(spec.timezone) : undefined;
  const onNullEv = 'onNull' in spec ? ctx.parse(spec.onNull) : undefined;
  return (scope) => {
    const date = dateEv(scope);
    const format = formatEv ? formatOf(formatEv, scope, '$dateToString', 18533, validateToStringFormat) : ISO_FORMAT;
    const tz = timeZoneOf(tzEv, scope);
    if (isNullish(date)) return onNullEv ? onNullEv(scope) : null;
    if (tz === null || format === null) return null;
    return formatDate(format, coerceToDate(date), tz);
  };
}

function parseDateFromString(arg: unknown, ctx: ParseContext): Evaluator {
  const spec = namedArgs(arg, ['dateString', 'format', 'timezone', 'onNull', 'onError'], {
    notObject: [40540, `$dateFromString only supports an object as an argument, found: ${typeName(arg)}`],
    unknown: [40541, 'Unrecognized argument to $dateFromString: '],
    required: {
      dateString: [40542, "Missing 'dateString' parameter to $dateFromString"],
    },
  });
  const stringEv = ctx.parse(spec.dateString);
  const formatEv = 'format' in spec ? ctx.parse(spec.format) : undefined;
  const tzEv = 'timezone' in spec ? ctx.parse(spec.timezone) : undefined;
  const onNullEv = 'onNull' in spec ? ctx.parse(spec.onNull) : undefined;
  const onErrorEv = 'onError' in spec ? ctx.parse(spec.onError) : undefined;
  return (scope) => {
    const str = stringEv(scope);
    const format = formatEv ? formatOf(formatEv, scope, '$dateFromString', 40684, validateFromStringFormat) : undefined;
    const tz = timeZoneOf(tzEv, scope);
    if (isNullish(str)) return onNullEv ? onNullEv(scope) : null;
    try {
      if (typeof str !== 'string') {
        throw mongoError(
          'ConversionFailure',
          `$dateFromString requires that 'dateString' be a string, found: ${typeName(str)} with value ${formatValue(str)}`,
        );
      }
      if (tz === null || format === null) return null;
      return parseDateString(str, tzEv ? tz : null, format);
    } catch (err) {
      if (onErrorEv && err instanceof MongoServerError && err.code === 241) return onErrorEv(scope);
      throw err;
    }
  };
}

function parseDateToParts(arg: unknown, ctx: ParseContext): Evaluator {
  const spec = namedArgs(arg, ['date', 'timezone', 'iso8601'], {
    notObject: [40524, '$dateToParts only supports an object as its argument'],
    unknown: [40520, 'Unrecognized argument to $dateToParts: '],
    required: {
      date: [40522, "Missing 'date' parameter to $dateToParts"],
    },
  });
  const dateEv = ctx.parse(spec.date);
  const tzEv = 'timezone' in spec ? ctx.parse(spec.timezone) : undefined;
  const isoEv = 'iso8601' in spec ? ctx.parse(spec.iso8601) : undefined;
  return (scope) => {
    const date = dateEv(scope);
    const tz = timeZoneOf(tzEv, scope);
    if (tz === null) return null;
    let iso = false;
    if (isoEv) {
      const v = isoEv(scope);
      if (isNullish(v)) return null;
      if (typeof v !== 'boolean') throw new MongoServerError(40521, `iso8601 must evaluate to a bool, found ${typeName(v)}`);
      iso = v;
    }
    if (isNullish(date)) return null;
    const p = dateParts(coerceToDate(date).getTime(), tz);
    const time = {
      hour: int32(p.hour), minute: int32(p.minute), second: int32(p.second), millisecond: int32(p.millisecond),
    };
    return iso
      ? { isoWeekYear: int32(p.isoWeekYear), isoWeek: int32(p.isoWeek), isoDayOfWeek: int32(p.isoDayOfWeek), ...time }
      : { year: int32(p.year), month: int32(p.month), day: int32(p.day), ...time };
  };
}

const DATE_FROM_PARTS_FIELDS = [
  'year', 'month', 'day', 'hour', 'minute', 'second', 'millisecond', 'isoWeekYear', 'isoWeek', 'isoDayOfWeek', 'timezone',
];

function parseDateFromParts(arg: unknown, ctx: ParseContext): Evaluator {
  const spec = namedArgs(arg, DATE_FROM_PARTS_FIELDS, {
    notObject: [40519, '$dateFromParts only supports an object as its argument'],
    unknown: [40518, 'Unrecognized argument to $dateFromParts: '],
  });
  const has = (k: string): boolean => k in spec;
  if (!has('year') && !has('isoWeekYear')) {
    throw new MongoServerError(40516, "$dateFromParts requires either 'year' or 'isoWeekYear' to be present");
  }
  if (has('year') && (has('isoWeekYear') || has('isoWeek') || has('isoDayOfWeek'))) {
    throw new MongoServerError(40489, '$dateFromParts does not allow mixing natural dates with ISO dates');
  }
  if (has('isoWeekYear') && (has('year') || has('month') || has('day'))) {
    throw new MongoServerError(40525, '$dateFromParts does not allow mixing ISO dates with natural dates');
  }
  const evs: Record<string, Evaluator> = {};
  for (const k of Object.keys(spec)) evs[k] = ctx.parse(spec[k]);
  return (scope) => {
    const nums: Record<string, number> = {};
    const defaults: Record<string, number> = {
      year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, millisecond: 0, isoWeekYear: 1970, isoWeek: 1, isoDayOfWeek: 1,
    };
    for (const k of Object.keys(defaults)) {
      const ev = evs[k];
      if (!ev) {
        nums[k] = defaults[k]!;
        continue;
      }
      const v = ev(scope);
      if (isNullish(v)) return null;
      if (!isIntegral64(v)) {
        throw new MongoServerError(40515, `'${k}' must evaluate to an integer, found ${typeName(v)} with value ${formatValue(v)}`);
      }
      nums[k] = Number(toBigIntValue(v));
      const bounded = ['month', 'day', 'hour', 'minute', 'isoWeek', 'isoDayOfWeek'].includes(k);
      if (bounded && (nums[k]! < -32768 || nums[k]! > 32767)) {
        throw new MongoServerError(31034, `'${k}' must evaluate to a value in the range [-32768, 32767]; value ${nums[k]} is not in range`);
      }
    }
    const tz = timeZoneOf(evs.timezone, scope);
    if (tz === null) return null;
    let wall: number;
    if (has('isoWeekYear')) {
      const y = nums.isoWeekYear!;
      if (y < 0 || y > 9999) throw new MongoServerError(31095, `'isoWeekYear' must evaluate to an integer in the range 0 to 9999, found ${y}`);
      const jan4 = Date.UTC(y, 0, 4);
      const jan4Dow = new Date(jan4).getUTCDay() || 7;
      wall = jan4 - (jan4Dow - 1) * 86400000 + ((nums.isoWeek! - 1) * 7 + (nums.isoDayOfWeek! - 1)) * 86400000;
    } else {
      const y = nums.year!;
      if (y < 0 || y > 9999) throw new MongoServerError(40523, `'year' must evaluate to an integer in the range 0 to 9999, found ${y}`);
      const d = new Date(0);
      // setUTCFullYear carries month and day overflow (month 13, day 0) as mongod does, and keeps years < 100.
      d.setUTCFullYear(y, nums.month! - 1, nums.day!);
      wall = d.getTime();
    }
    wall += ((nums.hour! * 60 + nums.minute!) * 60 + nums.second!) * 1000 + nums.millisecond!;
    let utc = wall - tz.offsetAt(wall);
    utc = wall - tz.offsetAt(utc);
    return new Date(utc);
  };
}

export const dateOperators: OperatorTable = {
  $dateFromParts: parseDateFromParts,
  $dateFromString: parseDateFromString,
  $dateToParts: parseDateToParts,
  $dateToString: parseDateToString,
  $dayOfMonth: datePart((p) => p.day),
  $dayOfWeek: datePart((p) => p.dayOfWeek),
  $dayOfYear: datePart((p) => p.dayOfYear),
  $hour: datePart((p) => p.hour),
  $isoDayOfWeek: datePart((p) => p.isoDayOfWeek),
  $isoWeek: datePart((p) => p.isoWeek),
  $isoWeekYear: datePart((p) => p.isoWeekYear),
  $millisecond: datePart((p) => p.millisecond),
  $minute: datePart((p) => p.minute),
  $month: datePart((p) => p.month),
  $second: datePart((p) => p.second),
  $week: datePart((p) => p.week),
  $year: datePart((p) => p.year),
};
