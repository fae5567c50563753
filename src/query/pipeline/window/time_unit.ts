import { mongoError } from '../../../errors/index.js';

/** mongod's time units, as `unit` fields of window bounds, `$derivative` and `$integral` spell them. */
export type TimeUnit = 'year' | 'quarter' | 'month' | 'week' | 'day' | 'hour' | 'minute' | 'second' | 'millisecond';

const UNITS: ReadonlySet<string> = new Set(['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second', 'millisecond']);

const FIXED_MILLIS: Readonly<Record<string, number>> = {
  week: 7 * 24 * 3600 * 1000,
  day: 24 * 3600 * 1000,
  hour: 3600 * 1000,
  minute: 60 * 1000,
  second: 1000,
  millisecond: 1,
};

/** Parses a unit name; FailedToParse (9) as mongod's parseTimeUnit for anything else. */
export function parseTimeUnit(name: string): TimeUnit {
  if (!UNITS.has(name)) throw mongoError('FailedToParse', `unknown time unit value: ${name}`);
  return name as TimeUnit;
}

/** The length of a unit of a week or less, in milliseconds; undefined for the calendar units. */
export function unitMillis(unit: TimeUnit): number | undefined {
  return FIXED_MILLIS[unit];
}

/**
 * `ms` plus `amount` units, as mongod's dateAdd in UTC: fixed units add milliseconds; months, quarters and years
 * move the calendar month and clamp the day to the last day of the month reached (Jan 31 + 1 month is Feb 28/29).
 */
export function addTimeUnits(ms: number, unit: TimeUnit, amount: number): number {
  const fixed = FIXED_MILLIS[unit];
  if (fixed !== undefined) return ms + amount * fixed;
  const months = unit === 'year' ? amount * 12 : unit === 'quarter' ? amount * 3 : amount;
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + months;
  const targetYear = year + Math.floor(month / 12);
  const targetMonth = ((month % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  const timeOfDay = ms - Date.UTC(year, d.getUTCMonth(), d.getUTCDate());
  return Date.UTC(targetYear, targetMonth, day) + timeOfDay;
}
