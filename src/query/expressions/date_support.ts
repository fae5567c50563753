import { MongoServerError, mongoError } from '../../errors/index.js';

/**
 * Time zones, calendar parts, `$dateToString` formatting and date-string parsing for the date operators and
 * `$convert`. Olson time zones come from the runtime's Intl data; fixed offsets are "+hh", "+hhmm" or "+hh:mm".
 */

export interface TimeZone {
  readonly id: string;
  /** Offset from UTC in milliseconds at the instant `ms`. */
  offsetAt(ms: number): number;
}

export const UTC: TimeZone = { id: 'UTC', offsetAt: () => 0 };

const zoneCache = new Map<string, TimeZone>();

/** Resolves a `timezone` argument; unknown identifiers are error 40485, as in mongod. */
export function parseTimeZone(id: string): TimeZone {
  const cached = zoneCache.get(id);
  if (cached) return cached;
  let zone: TimeZone | undefined;
  const m = /^([+-])(\d{2})(?::?(\d{2}))?$/.exec(id);
  if (m) {
    const minutes = Number(m[2]) * 60 + Number(m[3] ?? '0');
    const offset = (m[1] === '-' ? -minutes : minutes) * 60000;
    zone = { id, offsetAt: () => offset };
  } else if (id === 'UTC' || id === 'GMT' || id === 'Z') {
    zone = UTC;
  } else if (/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(id)) {
    try {
      const fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: id, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric',
        minute: 'numeric', second: 'numeric', era: 'short',
      });
      zone = { id, offsetAt: (ms) => intlOffset(fmt, ms) };
    } catch {
      zone = undefined;
    }
  }
  if (!zone) throw new MongoServerError(40485, `unrecognized time zone identifier: "${id}"`);
  zoneCache.set(id, zone);
  return zone;
}

function intlOffset(fmt: Intl.DateTimeFormat, ms: number): number {
  // Intl works on whole seconds; the offset is the difference between local wall time read as UTC and the instant.
  const base = Math.floor(ms / 1000) * 1000;
  const parts: Record<string, string> = {};
  for (const p of fmt.formatToParts(new Date(base))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const wall = Date.UTC(year, Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - base;
}

export interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** 1 (Sunday) to 7 (Saturday). */
  dayOfWeek: number;
  /** 1 to 366. */
  dayOfYear: number;
  /** Week of the year, 0 to 53; weeks start on Sunday (strftime %U). */
  week: number;
  isoWeekYear: number;
  isoWeek: number;
  /** 1 (Monday) to 7 (Sunday). */
  isoDayOfWeek: number;
  /** Offset from UTC in minutes. */
  offsetMinutes: number;
}

/** The calendar parts of an instant in a time zone. */
export function dateParts(ms: number, tz: TimeZone = UTC): DateParts {
  const offset = tz.offsetAt(ms);
  const d = new Date(ms + offset);
  const year = d.getUTCFullYear();
  const dayOfYear = Math.floor((Date.UTC(year, d.getUTCMonth(), d.getUTCDate()) - Date.UTC(year, 0, 1)) / 86400000) + 1;
  const wday = d.getUTCDay();
  const isoDayOfWeek = wday === 0 ? 7 : wday;
  const { isoWeekYear, isoWeek } = isoWeekOf(year, dayOfYear, isoDayOfWeek);
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
    dayOfWeek: wday + 1,
    dayOfYear,
    week: Math.floor((dayOfYear - 1 + 7 - wday) / 7),
    isoWeekYear,
    isoWeek,
    isoDayOfWeek,
    offsetMinutes: Math.round(offset / 60000),
  };
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function isoWeeksInYear(y: number): number {
  // A year has 53 ISO weeks when it starts on a Thursday, or on a Wednesday in a leap year.
  const jan1 = new Date(Date.UTC(y, 0, 1)).getUTCDay();
  return jan1 === 4 || (jan1 === 3 && isLeap(y)) ? 53 : 52;
}

function isoWeekOf(year: number, dayOfYear: number, isoDow: number): { isoWeekYear: number; isoWeek: number } {
  const week = Math.floor((dayOfYear - isoDow + 10) / 7);
  if (week < 1) return { isoWeekYear: year - 1, isoWeek: isoWeeksInYear(year - 1) };
  if (week > isoWeeksInYear(year)) return { isoWeekYear: year + 1, isoWeek: 1 };
  return { isoWeekYear: year, isoWeek: week };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const FORMAT_CHARS = 'bBdGHjLmMSuUVwYzZ%';

/** mongod's default `$dateToString` format. */
export const ISO_FORMAT = '%Y-%m-%dT%H:%M:%S.%LZ';

/** Checks a format string's specifiers against `allowed`: 18535 for a trailing '%', 18536 for an unknown one. */
function validateFormat(format: string, allowed: string): void {
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') continue;
    if (i === format.length - 1) throw new MongoServerError(18535, "Unmatched '%' at end of format string");
    const c = format[i + 1]!;
    if (!allowed.includes(c)) throw new MongoServerError(18536, `Invalid format character '%${c}' in format string`);
    i++;
  }
}

/** Validates a `$dateToString` format string. */
export function validateToStringFormat(format: string): void {
  validateFormat(format, FORMAT_CHARS);
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? `-${s}` : s;
}

/** Formats a date with `$dateToString` specifiers; call {@link validateToStringFormat} first. */
export function formatDate(format: string, date: Date, tz: TimeZone = UTC): string {
  const p = dateParts(date.getTime(), tz);
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const c = format[++i]!;
    switch (c) {
      case 'Y':
        if (p.year < 0 || p.year > 9999) {
          throw new MongoServerError(18537, `$dateToString is only defined on year 0-9999, tried to use year ${p.year}`);
        }
        out += pad(p.year, 4);
        break;
      case 'G':
        if (p.isoWeekYear < 0 || p.isoWeekYear > 9999) {
          throw new MongoServerError(18537, `$dateToString is only defined on year 0-9999, tried to use year ${p.isoWeekYear}`);
        }
        out += pad(p.isoWeekYear, 4);
        break;
      case 'm': out += pad(p.month, 2); break;
      case 'd': out += pad(p.day, 2); break;
      case 'H': out += pad(p.hour, 2); break;
      case 'M': out += pad(p.minute, 2); break;
      case 'S': out += pad(p.second, 2); break;
      case 'L': out += pad(p.millisecond, 3); break;
      case 'j': out += pad(p.dayOfYear, 3); break;
      case 'w': out += String(p.dayOfWeek); break;
      case 'u': out += String(p.isoDayOfWeek); break;
      case 'U': out += pad(p.week, 2); break;
      case 'V': out += pad(p.isoWeek, 2); break;
      case 'b': out += MONTHS[p.month - 1]!.slice(0, 3); break;
      case 'B': out += MONTHS[p.month - 1]; break;
      case 'z': {
        const m = Math.abs(p.offsetMinutes);
        out += `${p.offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(m / 60), 2)}${pad(m % 60, 2)}`;
        break;
      }
      case 'Z': out += `${p.offsetMinutes < 0 ? '-' : '+'}${Math.abs(p.offsetMinutes)}`; break;
      case '%': out += '%'; break;
    }
  }
  return out;
}

const FROM_STRING_CHARS = 'bBdGHjLmMSuVYzZ%';

/** Validates a `$dateFromString` format string. */
export function validateFromStringFormat(format: string): void {
  validateFormat(format, FROM_STRING_CHARS);
}

function parseFailure(s: string, reason: string): MongoServerError {
  return mongoError('ConversionFailure', `Error parsing date string '${s}'; ${reason}`);
}

interface Fields {
  year?: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
  millisecond?: number;
  dayOfYear?: number;
  isoWeekYear?: number;
  isoWeek?: number;
  isoDayOfWeek?: number;
  offsetMinutes?: number;
}

function offsetMinutesOf(sign: string, hh: string, mm: string | undefined): number {
  const m = Number(hh) * 60 + Number(mm ?? '0');
  return sign === '-' ? -m : m;
}

/**
 * Parses a date string the way `$dateFromString`/`$toDate` do. Without `format`, ISO-8601 forms are accepted
 * ("2017-02-08", "2017-02-08T12:10:40.787", with "Z", "+hh:mm" or a space before the time, or "/" between date
 * parts). A string carrying its own offset together with a `timezone` argument is an error, as in mongod.
 * Failures are ConversionFailure (241), so `onError` can catch them.
 */
export function parseDateString(s: string, tz: TimeZone | null, format?: string): Date {
  const fields = format === undefined ? parseIso(s) : parseWithFormat(s, format);
  if (fields.offsetMinutes !== undefined && tz !== null && tz !== UTC) {
    throw mongoError(
      'ConversionFailure',
      `you cannot pass in a date/time string with time zone information ('${s}') together with a timezone argument`,
    );
  }
  let ms: number;
  if (fields.isoWeekYear !== undefined) {
    const jan4 = Date.UTC(fields.isoWeekYear, 0, 4);
    const jan4Dow = new Date(jan4).getUTCDay() || 7;
    const week1Monday = jan4 - (jan4Dow - 1) * 86400000;
    ms = week1Monday + ((fields.isoWeek ?? 1) - 1) * 7 * 86400000 + ((fields.isoDayOfWeek ?? 1) - 1) * 86400000;
  } else if (fields.dayOfYear !== undefined) {
    ms = Date.UTC(fields.year ?? 1970, 0, 1) + (fields.dayOfYear - 1) * 86400000;
  } else {
    const year = fields.year ?? 1970;
    const month = fields.month ?? 1;
    const day = fields.day ?? 1;
    const probe = new Date(Date.UTC(year, month - 1, day));
    if (month < 1 || month > 12 || probe.getUTCDate() !== day || day < 1) throw parseFailure(s, 'The parsed date was invalid');
    ms = Date.UTC(year, month - 1, day);
    if (year >= 0 && year < 100) ms = new Date(ms).setUTCFullYear(year);
  }
  const hour = fields.hour ?? 0;
  const minute = fields.minute ?? 0;
  const second = fields.second ?? 0;
  if (hour > 24 || minute > 59 || second > 60) throw parseFailure(s, 'The parsed time was invalid');
  ms += ((hour * 60 + minute) * 60 + second) * 1000 + (fields.millisecond ?? 0);
  if (fields.offsetMinutes !== undefined) return new Date(ms - fields.offsetMinutes * 60000);
  const zone = tz ?? UTC;
  // Wall time in a zone: step back by the zone's offset, then correct once for a DST change in between.
  let utc = ms - zone.offsetAt(ms);
  utc = ms - zone.offsetAt(utc);
  return new Date(utc);
}

function parseIso(s: string): Fields {
  const m = /^\s*(-?\d{4,})([-/])(\d{1,2})\2(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$/i.exec(s);
  if (!m) throw parseFailure(s, '0: Unexpected character');
  const fields: Fields = { year: Number(m[1]), month: Number(m[3]), day: Number(m[4]) };
  if (m[5] !== undefined) {
    fields.hour = Number(m[5]);
    fields.minute = Number(m[6]);
    if (m[7] !== undefined) fields.second = Number(m[7]);
    if (m[8] !== undefined) fields.millisecond = Math.floor(Number(`0.${m[8]}`) * 1000 + 1e-9);
  }
  if (m[9] !== undefined) {
    const z = m[9].toUpperCase();
    if (z === 'Z' || z === 'UTC' || z === 'GMT') fields.offsetMinutes = 0;
    else {
      const o = /^([+-])(\d{2}):?(\d{2})?$/.exec(z)!;
      fields.offsetMinutes = offsetMinutesOf(o[1]!, o[2]!, o[3]);
    }
  }
  return fields;
}

function parseWithFormat(s: string, format: string): Fields {
  const fields: Fields = {};
  let pos = 0;
  const digits = (min: number, max: number): number => {
    const m = new RegExp(`^\\d{${min},${max}}`).exec(s.slice(pos));
    if (!m) throw parseFailure(s, `${pos}: Unexpected data found.`);
    pos += m[0].length;
    return Number(m[0]);
  };
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      if (s[pos] !== ch) throw parseFailure(s, `${pos}: The separation symbol could not be found`);
      pos++;
      continue;
    }
    const c = format[++i]!;
    switch (c) {
      case 'Y': fields.year = digits(4, 4); break;
      case 'G': fields.isoWeekYear = digits(4, 4); break;
      case 'm': fields.month = digits(1, 2); break;
      case 'd': fields.day = digits(1, 2); break;
      case 'H': fields.hour = digits(1, 2); break;
      case 'M': fields.minute = digits(1, 2); break;
      case 'S': fields.second = digits(1, 2); break;
      case 'L': fields.millisecond = digits(1, 3); break;
      case 'j': fields.dayOfYear = digits(1, 3); break;
      case 'V': fields.isoWeek = digits(1, 2); break;
      case 'u': fields.isoDayOfWeek = digits(1, 1); break;
      case 'b':
      case 'B': {
        const rest = s.slice(pos).toLowerCase();
        const idx = MONTHS.findIndex((mo) => rest.startsWith(c === 'B' ? mo.toLowerCase() : mo.slice(0, 3).toLowerCase()));
        if (idx === -1) throw parseFailure(s, `${pos}: A textual month could not be found`);
        fields.month = idx + 1;
        pos += c === 'B' ? MONTHS[idx]!.length : 3;
        break;
      }
      case 'z': {
        const m = /^([+-])(\d{2}):?(\d{2})/.exec(s.slice(pos));
        if (!m) throw parseFailure(s, `${pos}: The timezone could not be found in the database`);
        fields.offsetMinutes = offsetMinutesOf(m[1]!, m[2]!, m[3]);
        pos += m[0].length;
        break;
      }
      case 'Z': {
        const m = /^([+-])(\d+)/.exec(s.slice(pos));
        if (!m) throw parseFailure(s, `${pos}: The timezone could not be found in the database`);
        fields.offsetMinutes = m[1] === '-' ? -Number(m[2]) : Number(m[2]);
        pos += m[0].length;
        break;
      }
      case '%':
        if (s[pos] !== '%') throw parseFailure(s, `${pos}: The escaped character '%' could not be found`);
        pos++;
        break;
    }
  }
  if (pos !== s.length) throw parseFailure(s, `${pos}: Trailing data`);
  return fields;
}
