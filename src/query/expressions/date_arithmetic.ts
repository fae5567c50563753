import { bsonTypeOf, isDocument } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { namedArgs } from './args.js';
import { timeZoneOf } from './date.js';
import type { TimeZone } from './date_support.js';
import type { Evaluator, OperatorTable, ParseContext, Scope } from './types.js';
import { coerceToDate, formatValue, isIntegral64, isNullish, long, toBigIntValue, typeName } from './values.js';

/**
 * $dateAdd, $dateSubtract, $dateDiff and $dateTrunc
 * (https://www.mongodb.com/docs/manual/reference/operator/aggregation/dateAdd/ and its siblings), with mongod's
 * calendar rules: units of a day or more move the local calendar date in the time zone and keep the local time of
 * day (a month added to January 31 clamps to the last day of February); hours and smaller units move the instant.
 * $dateDiff counts the unit boundaries crossed in the time zone; $dateTrunc bins from 2000-01-01 in the time zone.
 */

type TimeUnit = 'year' | 'quarter' | 'month' | 'week' | 'day' | 'hour' | 'minute' | 'second' | 'millisecond';

const TIME_UNITS: ReadonlySet<string> = new Set(['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second', 'millisecond']);

/** ISO numbering: Monday 1 to Sunday 7, as mongod's DayOfWeek. */
const DAYS_OF_WEEK: Readonly<Record<string, number>> = {
  monday: 1, mon: 1, tuesday: 2, tue: 2, wednesday: 3, wed: 3, thursday: 4, thu: 4, friday: 5, fri: 5,
  saturday: 6, sat: 6, sunday: 7, sun: 7,
};
const SUNDAY = 7;

const MS_PER_DAY = 86_400_000;
const UNIT_MS: Partial<Record<TimeUnit, number>> = { hour: 3_600_000, minute: 60_000, second: 1000, millisecond: 1 };
/** The range a JavaScript Date (and so an eddydb date) can hold; mongod's dates go to the int64 range. */
const MAX_DATE_MS = 8.64e15;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function parseTimeUnit(v: unknown, name: string): TimeUnit {
  if (typeof v !== 'string') throw new MongoServerError(5439013, `${name} requires 'unit' to be a string, but got ${typeName(v)}`);
  if (!TIME_UNITS.has(v)) {
    throw new MongoServerError(5439014, `${name} parameter 'unit' value cannot be recognized as a time unit: ${v}`);
  }
  return v as TimeUnit;
}

function parseDayOfWeek(v: unknown, name: string): number {
  if (typeof v !== 'string') throw new MongoServerError(5439015, `${name} requires 'startOfWeek' to be a string, but got ${typeName(v)}`);
  const day = DAYS_OF_WEEK[v.toLowerCase()];
  if (day === undefined) {
    throw new MongoServerError(5439016, `${name} parameter 'startOfWeek' value cannot be recognized as a day of a week: ${v}`);
  }
  return day;
}

function coercibleToDate(v: unknown): boolean {
  const t = bsonTypeOf(v);
  return t === 'date' || t === 'timestamp' || t === 'objectId';
}

function convertDate(v: unknown, name: string, parameter: string): number {
  if (!coercibleToDate(v)) throw new MongoServerError(5166307, `${name} requires '${parameter}' to be a date, but got ${typeName(v)}`);
  return coerceToDate(v).getTime();
}

/** A constant operand (not a field path, variable, expression object or array) is checked once, at parse time. */
function constantOf(raw: unknown): { value: unknown } | null {
  if (typeof raw === 'string') return raw.startsWith('$') ? null : { value: raw };
  if (Array.isArray(raw) || isDocument(raw)) return null;
  return { value: raw };
}

/** A constant `timezone` is resolved once, at parse time, so a bad one fails even when no document is read. */
function checkConstantTimeZone(raw: unknown, name: string | null): void {
  const constant = constantOf(raw);
  if (!constant || isNullish(constant.value)) return;
  const ev: Evaluator = () => constant.value;
  const scope = { root: {}, current: {}, vars: {}, clock: {} };
  if (name === null) timeZoneOf(ev, scope);
  else timeZoneWithContext(ev, scope, name);
}

/** mongod prefixes a bad `timezone` of $dateDiff and $dateTrunc with the parameter it was parsing. */
/**
 * The unit, the first day of a week (for unit 'week') and the time zone of $dateDiff and $dateTrunc, evaluated in
 * mongod's order; null when one of them is null or missing.
 */
function unitWeekAndZone(scope: Scope, unitEv: Evaluator, startOfWeekEv: Evaluator | undefined, tzEv: Evaluator | undefined, name: string) {
  const unitValue = unitEv(scope);
  if (isNullish(unitValue)) return null;
  const unit = parseTimeUnit(unitValue, name);
  let startOfWeek = SUNDAY;
  if (unit === 'week' && startOfWeekEv) {
    const v = startOfWeekEv(scope);
    if (isNullish(v)) return null;
    startOfWeek = parseDayOfWeek(v, name);
  }
  const tz = timeZoneWithContext(tzEv, scope, name);
  if (tz === null) return null;
  return { unit, startOfWeek, tz };
}

function timeZoneWithContext(ev: Evaluator | undefined, scope: Scope, name: string): TimeZone | null {
  try {
    return timeZoneOf(ev, scope);
  } catch (err) {
    if (err instanceof MongoServerError) {
      throw new MongoServerError(err.code, `${name} parameter 'timezone' value parsing failed :: caused by :: ${err.message}`);
    }
    throw err;
  }
}

// --- the proleptic Gregorian calendar, for any year ----------------------------------------------------------

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

function daysInMonth(y: number, m: number): number {
  return daysFromCivil(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - daysFromCivil(y, m, 1);
}

interface Local {
  /** Days since 1970-01-01 of the local calendar date. */
  readonly days: number;
  readonly y: number;
  readonly m: number;
  readonly d: number;
  /** Milliseconds since local midnight. */
  readonly msOfDay: number;
  /** The zone's offset from UTC at the instant, in seconds east. */
  readonly offsetSeconds: number;
}

function localTime(ms: number, tz: TimeZone): Local {
  const offset = tz.offsetAt(ms);
  const local = ms + offset;
  const days = Math.floor(local / MS_PER_DAY);
  return { days, ...civilFromDays(days), msOfDay: local - days * MS_PER_DAY, offsetSeconds: offset / 1000 };
}

const HALF_DAY_MS = 43_200_000;

/**
 * The instant a local wall time names in the zone. Near a change of offset, a local time that exists twice is
 * read with the offset before the change (its first occurrence), and one the change skips is read with it too, so
 * it lands as far past the change as it was meant to be past the skipped hour, as mongod's time library does.
 */
function fromLocal(localMs: number, tz: TimeZone): number {
  const before = tz.offsetAt(localMs - HALF_DAY_MS);
  const after = tz.offsetAt(localMs + HALF_DAY_MS);
  if (before === after) return localMs - before;
  const early = localMs - before;
  const late = localMs - after;
  const earlyHolds = tz.offsetAt(early) === before;
  const lateHolds = tz.offsetAt(late) === after;
  return earlyHolds || !lateHolds ? early : late;
}

/** (1 Monday .. 7 Sunday) of a day number. */
function isoDayOfWeek(days: number): number {
  // 1970-01-01 was a Thursday.
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

// --- dateAdd ------------------------------------------------------------------------------------------------

/** Amounts past these (mongod's isDateAddAmountValid) could not land inside the date range at all. */
const MAX_DAYS = (2n ** 64n - 1n) / 86_400_000n + 1n;
const MAX_YEARS = MAX_DAYS / 365n + 1n;
const MAX_AMOUNT: Record<Exclude<TimeUnit, 'millisecond'>, bigint> = {
  year: MAX_YEARS,
  quarter: MAX_YEARS * 4n,
  month: MAX_YEARS * 12n,
  week: MAX_DAYS / 7n,
  day: MAX_DAYS,
  hour: MAX_DAYS * 24n,
  minute: MAX_DAYS * 24n * 60n,
  second: MAX_DAYS * 24n * 60n * 60n,
};

function dateAddOverflow(): MongoServerError {
  return new MongoServerError(5166406, 'dateAdd overflowed');
}

function checkedDate(ms: number | bigint): Date {
  const n = Number(ms);
  if (!(Math.abs(n) <= MAX_DATE_MS)) throw dateAddOverflow();
  return new Date(n);
}

export function dateAdd(ms: number, unit: TimeUnit, amount: bigint, tz: TimeZone): Date {
  if (unit === 'millisecond') {
    const sum = BigInt(ms) + amount;
    if (sum > INT64_MAX || sum < INT64_MIN) throw dateAddOverflow();
    return checkedDate(sum);
  }
  const max = MAX_AMOUNT[unit];
  if (!(-max < amount && amount < max)) {
    throw new MongoServerError(5976500, `invalid dateAdd 'amount' parameter value: ${amount} ${unit}`);
  }
  const unitMs = UNIT_MS[unit];
  if (unitMs !== undefined) return checkedDate(BigInt(ms) + amount * BigInt(unitMs));
  const local = localTime(ms, tz);
  let days: number;
  if (unit === 'day' || unit === 'week') {
    days = local.days + Number(amount) * (unit === 'week' ? 7 : 1);
  } else {
    const months = Number(amount) * (unit === 'year' ? 12 : unit === 'quarter' ? 3 : 1);
    const total = local.y * 12 + (local.m - 1) + months;
    const y = Math.floor(total / 12);
    const m = total - y * 12 + 1;
    days = daysFromCivil(y, m, Math.min(local.d, daysInMonth(y, m)));
  }
  const localMs = days * MS_PER_DAY + local.msOfDay;
  if (!(Math.abs(localMs) <= MAX_DATE_MS + MS_PER_DAY)) throw dateAddOverflow();
  return checkedDate(fromLocal(localMs, tz));
}

interface ArithmeticArgs {
  readonly startDate: Evaluator;
  readonly unit: Evaluator;
  readonly amount: Evaluator;
  readonly timezone?: Evaluator;
}

function parseDateArithmetic(subtract: boolean) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    if (!isDocument(arg)) throw new MongoServerError(5166400, `${name} expects an object as its argument`);
    const allowed = ['startDate', 'unit', 'amount', 'timezone'];
    for (const key of Object.keys(arg)) {
      if (!allowed.includes(key)) {
        throw new MongoServerError(
          5166401,
          `Unrecognized argument to ${name}: ${key}. Expected arguments are startDate, unit, amount, and optionally timezone.`,
        );
      }
    }
    if (!('startDate' in arg) || !('unit' in arg) || !('amount' in arg)) {
      throw new MongoServerError(5166402, `${name} requires startDate, unit, and amount to be present`);
    }
    const constantUnit = constantOf(arg.unit);
    if (constantUnit && !isNullish(constantUnit.value)) parseTimeUnit(constantUnit.value, name);
    if ('timezone' in arg) checkConstantTimeZone(arg.timezone, null);
    const args: ArithmeticArgs = {
      startDate: ctx.parse(arg.startDate),
      unit: ctx.parse(arg.unit),
      amount: ctx.parse(arg.amount),
      ...('timezone' in arg ? { timezone: ctx.parse(arg.timezone) } : {}),
    };
    return (scope) => {
      const startDate = args.startDate(scope);
      if (isNullish(startDate)) return null;
      const unitValue = args.unit(scope);
      if (isNullish(unitValue)) return null;
      const unit = parseTimeUnit(unitValue, name);
      const amountValue = args.amount(scope);
      if (isNullish(amountValue)) return null;
      const tz = timeZoneOf(args.timezone, scope);
      if (tz === null) return null;
      if (!coercibleToDate(startDate)) throw new MongoServerError(5166403, `${name} requires startDate to be convertible to a date`);
      if (!isIntegral64(amountValue)) throw new MongoServerError(5166405, `${name} expects integer amount of time units`);
      let amount = toBigIntValue(amountValue);
      if (subtract) {
        if (amount === INT64_MIN) throw new MongoServerError(6045000, `invalid $dateSubtract 'amount' parameter value: ${amount}`);
        amount = -amount;
      }
      return dateAdd(coerceToDate(startDate).getTime(), unit, amount, tz);
    };
  };
}

// --- dateDiff -----------------------------------------------------------------------------------------------

function weekDiff(start: Local, end: Local, startOfWeek: number): number {
  const dow = (l: Local): number => (isoDayOfWeek(l.days) - startOfWeek + 7) % 7;
  return Math.trunc((end.days - start.days + dow(start) - dow(end)) / 7);
}

export function dateDiff(startMs: number, endMs: number, unit: TimeUnit, tz: TimeZone, startOfWeek: number): bigint {
  if (unit === 'millisecond') return BigInt(endMs) - BigInt(startMs);
  const s = localTime(startMs, tz);
  const e = localTime(endMs, tz);
  const years = e.y - s.y;
  const hoursLocal = (): number => Math.floor(e.msOfDay / 3_600_000) - Math.floor(s.msOfDay / 3_600_000) + (e.days - s.days) * 24;
  const minutesLocal = (): number =>
    (Math.floor(e.msOfDay / 60_000) % 60) - (Math.floor(s.msOfDay / 60_000) % 60) + hoursLocal() * 60;
  const offsetDelta = s.offsetSeconds - e.offsetSeconds;
  switch (unit) {
    case 'year':
      return BigInt(years);
    case 'quarter':
      return BigInt(Math.floor((e.m - 1) / 3) - Math.floor((s.m - 1) / 3) + years * 4);
    case 'month':
      return BigInt(e.m - s.m + years * 12);
    case 'week':
      return BigInt(weekDiff(s, e, startOfWeek));
    case 'day':
      return BigInt(e.days - s.days);
    case 'hour':
      return BigInt(hoursLocal() + Math.trunc(offsetDelta / 3600));
    case 'minute':
      return BigInt(minutesLocal() + Math.trunc(offsetDelta / 60));
    case 'second':
      return BigInt(
        (Math.floor(e.msOfDay / 1000) % 60) - (Math.floor(s.msOfDay / 1000) % 60) + minutesLocal() * 60 + Math.trunc(offsetDelta),
      );
  }
}

function parseDateDiff(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const spec = namedArgs(arg, ['startDate', 'endDate', 'unit', 'timezone', 'startOfWeek'], {
    notObject: [5166301, '$dateDiff only supports an object as its argument'],
    unknown: [5166302, 'Unrecognized argument to $dateDiff: '],
    required: {
      startDate: [5166303, "Missing 'startDate' parameter to $dateDiff"],
      endDate: [5166304, "Missing 'endDate' parameter to $dateDiff"],
      unit: [5166305, "Missing 'unit' parameter to $dateDiff"],
    },
  });
  const constantUnit = constantOf(spec.unit);
  const parsedUnit = constantUnit && !isNullish(constantUnit.value) ? parseTimeUnit(constantUnit.value, name) : null;
  const constantStart = 'startOfWeek' in spec && parsedUnit === 'week' ? constantOf(spec.startOfWeek) : null;
  if (constantStart && !isNullish(constantStart.value)) parseDayOfWeek(constantStart.value, name);
  if ('timezone' in spec) checkConstantTimeZone(spec.timezone, name);
  const startEv = ctx.parse(spec.startDate);
  const endEv = ctx.parse(spec.endDate);
  const unitEv = ctx.parse(spec.unit);
  const tzEv = 'timezone' in spec ? ctx.parse(spec.timezone) : undefined;
  const startOfWeekEv = 'startOfWeek' in spec ? ctx.parse(spec.startOfWeek) : undefined;
  return (scope) => {
    const start = startEv(scope);
    if (isNullish(start)) return null;
    const end = endEv(scope);
    if (isNullish(end)) return null;
    const calendar = unitWeekAndZone(scope, unitEv, startOfWeekEv, tzEv, name);
    if (calendar === null) return null;
    const { unit, startOfWeek, tz } = calendar;
    const startMs = convertDate(start, name, 'startDate');
    const endMs = convertDate(end, name, 'endDate');
    return long(dateDiff(startMs, endMs, unit, tz, startOfWeek));
  };
}

// --- dateTrunc ----------------------------------------------------------------------------------------------

/** 2000-01-01T00:00:00Z, mongod's reference point for bins, taken at local midnight of that day in the zone. */
const REFERENCE_MS = 946_684_800_000;
/** 2000-01-01 was a Saturday. */
const REFERENCE_DAY_OF_WEEK = 6;

function positiveRemainder(value: bigint, binSize: bigint): bigint {
  const r = value % binSize;
  return r < 0n ? r + binSize : r;
}

/** Each zone's offset at the reference instant, which every $dateTrunc in that zone needs. */
const referenceOffsets = new WeakMap<TimeZone, number>();

function referenceOffset(tz: TimeZone): number {
  let offset = referenceOffsets.get(tz);
  if (offset === undefined) {
    offset = tz.offsetAt(REFERENCE_MS);
    referenceOffsets.set(tz, offset);
  }
  return offset;
}

export function truncateDate(ms: number, unit: TimeUnit, binSize: bigint, tz: TimeZone, startOfWeek: number): Date {
  let referenceMs = REFERENCE_MS - referenceOffset(tz);
  let referenceDay = 1;
  if (unit === 'week') {
    const shift = (7 - ((REFERENCE_DAY_OF_WEEK - startOfWeek + 7) % 7)) % 7;
    referenceMs += shift * MS_PER_DAY;
    referenceDay += shift;
  }
  const unitMs = UNIT_MS[unit];
  if (unitMs !== undefined) {
    const binMs = binSize * BigInt(unitMs);
    if (binMs > INT64_MAX) throw new MongoServerError(5439002, 'dateTrunc overflowed');
    const shifted = BigInt(ms) - BigInt(referenceMs);
    return new Date(Number(BigInt(ms) - positiveRemainder(shifted, binMs)));
  }
  if (binSize > 100_000_000_000n) throw new MongoServerError(5439006, 'dateTrunc unsupported binSize value');
  const local = localTime(ms, tz);
  const refDays = daysFromCivil(2000, 1, referenceDay);
  const years = local.y - 2000;
  let distance: number;
  switch (unit) {
    case 'day':
      distance = local.days - refDays;
      break;
    case 'week': {
      const reference: Local = { days: refDays, y: 2000, m: 1, d: referenceDay, msOfDay: 0, offsetSeconds: 0 };
      distance = weekDiff(reference, local, startOfWeek);
      break;
    }
    case 'month':
      distance = local.m - 1 + years * 12;
      break;
    case 'quarter':
      distance = Math.floor((local.m - 1) / 3) + years * 4;
      break;
    default:
      distance = years;
  }
  const d = BigInt(distance);
  return dateAdd(referenceMs, unit, d - positiveRemainder(d, binSize), tz);
}

function convertBinSize(v: unknown): bigint {
  if (!isIntegral64(v)) {
    throw new MongoServerError(
      5439017,
      `$dateTrunc requires 'binSize' to be a 64-bit integer, but got value '${formatValue(v)}' of type ${typeName(v)}`,
    );
  }
  const binSize = toBigIntValue(v);
  if (binSize <= 0n) throw new MongoServerError(5439018, `$dateTrunc requires 'binSize' to be greater than 0, but got value ${binSize}`);
  return binSize;
}

function parseDateTrunc(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  if (!isDocument(arg)) throw new MongoServerError(5439007, '$dateTrunc only supports an object as its argument');
  const allowed = ['date', 'unit', 'binSize', 'timezone', 'startOfWeek'];
  for (const key of Object.keys(arg)) {
    if (!allowed.includes(key)) {
      throw new MongoServerError(
        5439008,
        `Unrecognized argument to $dateTrunc: ${key}. Expected arguments are date, unit, and optionally, binSize, timezone, startOfWeek`,
      );
    }
  }
  if (!('date' in arg)) throw new MongoServerError(5439009, "Missing 'date' parameter to $dateTrunc");
  if (!('unit' in arg)) throw new MongoServerError(5439010, "Missing 'unit' parameter to $dateTrunc");
  const constantUnit = constantOf(arg.unit);
  const parsedUnit = constantUnit && !isNullish(constantUnit.value) ? parseTimeUnit(constantUnit.value, name) : null;
  const constantBin = 'binSize' in arg ? constantOf(arg.binSize) : null;
  if (constantBin && !isNullish(constantBin.value)) convertBinSize(constantBin.value);
  const constantStart = 'startOfWeek' in arg && parsedUnit === 'week' ? constantOf(arg.startOfWeek) : null;
  if (constantStart && !isNullish(constantStart.value)) parseDayOfWeek(constantStart.value, name);
  if ('timezone' in arg) checkConstantTimeZone(arg.timezone, name);
  const dateEv = ctx.parse(arg.date);
  const unitEv = ctx.parse(arg.unit);
  const binSizeEv = 'binSize' in arg ? ctx.parse(arg.binSize) : undefined;
  const tzEv = 'timezone' in arg ? ctx.parse(arg.timezone) : undefined;
  const startOfWeekEv = 'startOfWeek' in arg ? ctx.parse(arg.startOfWeek) : undefined;
  return (scope) => {
    const date = dateEv(scope);
    if (isNullish(date)) return null;
    let binSize = 1n;
    if (binSizeEv) {
      const v = binSizeEv(scope);
      if (isNullish(v)) return null;
      binSize = convertBinSize(v);
    }
    const calendar = unitWeekAndZone(scope, unitEv, startOfWeekEv, tzEv, name);
    if (calendar === null) return null;
    const { unit, startOfWeek, tz } = calendar;
    return truncateDate(convertDate(date, name, 'date'), unit, binSize, tz, startOfWeek);
  };
}

export const dateArithmeticOperators: OperatorTable = {
  $dateAdd: parseDateArithmetic(false),
  $dateDiff: parseDateDiff,
  $dateSubtract: parseDateArithmetic(true),
  $dateTrunc: parseDateTrunc,
};
