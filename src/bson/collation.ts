import { mongoError } from '../errors/index.js';
import { bsonTypeOf, isDocument, toNumber } from './types.js';

/**
 * A parsed, validated collation (https://www.mongodb.com/docs/manual/reference/collation/).
 * Fields the user left out are left out here too; {@link collationSpecDocument} fills in mongod's defaults.
 */
export interface Collation {
  locale: string;
  caseLevel?: boolean;
  caseFirst?: 'upper' | 'lower' | 'off';
  strength?: number;
  numericOrdering?: boolean;
  alternate?: 'non-ignorable' | 'shifted';
  maxVariable?: 'punct' | 'space';
  backwards?: boolean;
  normalization?: boolean;
}

/** The ICU version mongod reports in a collation's `version` field; a spec naming another version is refused. */
export const COLLATION_VERSION = '57.1';

const booleanFields = ['caseLevel', 'numericOrdering', 'normalization', 'backwards'] as const;

/**
 * Validates a user `collation` document the way mongod's ICU collator factory does and returns it parsed.
 * Returns null for `{locale: "simple"}` (simple binary comparison).
 *
 * Errors (code, as mongod): not an object -> TypeMismatch (14); `locale` missing -> NoSuchKey (4)
 * `Missing expected field "locale"`; `locale` not a string -> TypeMismatch (14); `simple` with other fields,
 * an option with a bad value (`strength` outside 1..5, unknown `caseFirst`/`alternate`/`maxVariable`) or an
 * unknown field -> FailedToParse (9); an empty or unknown locale, or an invalid option combination -> BadValue (2);
 * a `version` other than {@link COLLATION_VERSION} -> BadValue (mongod says IncompatibleCollationVersion; that code is
 * not in our table yet).
 */
export function parseCollation(spec: unknown): Collation | null {
  if (!isDocument(spec)) {
    throw mongoError('TypeMismatch', `collation had the wrong type. Expected object, found ${bsonTypeOf(spec)}`);
  }
  const shown = formatSpec(spec);
  const locale = spec.locale;
  if (locale === undefined) throw mongoError('NoSuchKey', 'Missing expected field "locale"');
  if (typeof locale !== 'string') {
    throw mongoError('TypeMismatch', `"locale" had the wrong type. Expected string, found ${bsonTypeOf(locale)}`);
  }
  if (locale.includes('\0')) {
    throw mongoError('BadValue', `Field 'locale' cannot contain null byte. Collation spec: ${shown}`);
  }
  const fieldCount = Object.keys(spec).length;
  if (locale === 'simple') {
    if (fieldCount > 1) {
      throw mongoError('FailedToParse', `If locale=simple, no other fields should be present in: ${shown}`);
    }
    return null;
  }
  if (locale === '') throw mongoError('BadValue', `Field 'locale' cannot be the empty string in: ${shown}`);
  if (!isKnownLocale(locale)) throw mongoError('BadValue', `Field 'locale' is invalid in: ${shown}`);

  const out: Collation = { locale };
  let parsed = 1;
  for (const field of booleanFields) {
    const v = spec[field];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw wrongType(field, 'bool', v);
    out[field] = v;
    parsed++;
  }
  if (spec.caseFirst !== undefined) {
    out.caseFirst = oneOf('caseFirst', spec.caseFirst, ['upper', 'lower', 'off'] as const);
    parsed++;
  }
  if (spec.strength !== undefined) {
    out.strength = parseStrength(spec.strength);
    parsed++;
  }
  if (spec.alternate !== undefined) {
    out.alternate = oneOf('alternate', spec.alternate, ['non-ignorable', 'shifted'] as const);
    parsed++;
  }
  if (spec.maxVariable !== undefined) {
    out.maxVariable = oneOf('maxVariable', spec.maxVariable, ['punct', 'space'] as const);
    parsed++;
  }
  if (spec.version !== undefined) {
    if (typeof spec.version !== 'string') throw wrongType('version', 'string', spec.version);
    if (spec.version !== COLLATION_VERSION) {
      throw mongoError(
        'BadValue',
        `Requested collation version ${spec.version} but the only available collator version was ${COLLATION_VERSION}. Requested collation spec: ${shown}`,
      );
    }
    parsed++;
  }
  if (parsed < fieldCount) {
    throw mongoError('FailedToParse', `Collation spec contains unknown field. Collation spec: ${shown}`);
  }

  const strength = out.strength ?? 3;
  if (out.backwards === true && strength === 1) {
    throw mongoError('BadValue', `'backwards' is invalid with 'strength' of 1 in: ${formatSpec(collationSpecDocument(out))}`);
  }
  if ((out.caseFirst ?? 'off') !== 'off' && out.caseLevel !== true && strength <= 2) {
    throw mongoError(
      'BadValue',
      `'caseFirst' is invalid unless 'caseLevel' is on or 'strength' is greater than 2 in: ${formatSpec(collationSpecDocument(out))}`,
    );
  }
  return out;
}

/**
 * The full collation document mongod reports (listIndexes, listCollections): every option with its default.
 * The defaults are ICU's root defaults; locales whose ICU defaults differ (e.g. caseFirst upper for Danish) are not
 * modelled.
 */
export function collationSpecDocument(c: Collation): Record<string, unknown> {
  return {
    locale: c.locale,
    caseLevel: c.caseLevel ?? false,
    caseFirst: c.caseFirst ?? 'off',
    strength: c.strength ?? 3,
    numericOrdering: c.numericOrdering ?? false,
    alternate: c.alternate ?? 'non-ignorable',
    maxVariable: c.maxVariable ?? 'punct',
    normalization: c.normalization ?? false,
    backwards: c.backwards ?? false,
    version: COLLATION_VERSION,
  };
}

function parseStrength(v: unknown): number {
  const t = bsonTypeOf(v);
  if (t !== 'int' && t !== 'long' && t !== 'double' && t !== 'decimal') {
    throw mongoError('TypeMismatch', `Expected field "strength" to have numeric type, but found ${t}`);
  }
  const n = toNumber(v);
  if (!Number.isInteger(n)) {
    throw mongoError('BadValue', `Expected field "strength" to have a value exactly representable as a 64-bit integer, but found strength: ${String(n)}`);
  }
  if (n < 1 || n > 5) throw mongoError('FailedToParse', `Field 'strength' must be an integer 1 through 5. Got: ${n}`);
  return n;
}

function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string') throw wrongType(field, 'string', v);
  if ((allowed as readonly string[]).includes(v)) return v as T;
  const choices = allowed.length === 2 ? `'${allowed[0]}' or '${allowed[1]}'` : `'${allowed[0]}', '${allowed[1]}', or '${allowed[2]}'`;
  throw mongoError('FailedToParse', `Field '${field}' must be ${choices}. Got: ${v}`);
}

function wrongType(field: string, expected: string, v: unknown) {
  return mongoError('TypeMismatch', `"${field}" had the wrong type. Expected ${expected}, found ${bsonTypeOf(v)}`);
}

/** ICU locale ids as MongoDB spells them ("en_US", "de@collation=phonebook") to a BCP 47 tag for Intl. */
function toBcp47(locale: string): string {
  const [base = '', keywords = ''] = locale.split('@', 2);
  let tag = base.replace(/_/g, '-');
  const m = /(?:^|;)collation=([A-Za-z0-9]+)/.exec(keywords);
  if (m) tag += `-u-co-${m[1]!.toLowerCase().slice(0, 8)}`;
  return tag;
}

const localeCache = new Map<string, boolean>();

function isKnownLocale(locale: string): boolean {
  let ok = localeCache.get(locale);
  if (ok === undefined) {
    try {
      // 'root' is ICU's root locale; Intl spells it 'und'.
      const tag = locale === 'root' ? 'und' : toBcp47(locale);
      ok = locale === 'root' || Intl.Collator.supportedLocalesOf([tag], { localeMatcher: 'lookup' }).length > 0;
    } catch {
      ok = false;
    }
    localeCache.set(locale, ok);
  }
  return ok;
}

const collators = new Map<string, Intl.Collator>();

function collatorFor(c: Collation, ignorePunctuation: boolean): Intl.Collator {
  const strength = c.strength ?? 3;
  const key = `${c.locale}|${strength}|${c.caseLevel ? 1 : 0}|${c.caseFirst ?? 'off'}|${c.numericOrdering ? 1 : 0}|${ignorePunctuation ? 1 : 0}`;
  let coll = collators.get(key);
  if (!coll) {
    // Intl exposes ICU's strength only through `sensitivity`: strength 1 = base letters, 2 = + accents,
    // 3 and above = + case and variants. caseLevel at strength 1 adds case, which is Intl's 'case'.
    const sensitivity = strength >= 3 || (strength === 2 && c.caseLevel) ? 'variant' : strength === 2 ? 'accent' : c.caseLevel ? 'case' : 'base';
    coll = new Intl.Collator(c.locale === 'root' ? 'und' : toBcp47(c.locale), {
      usage: 'sort',
      sensitivity,
      numeric: c.numericOrdering === true,
      caseFirst: c.caseFirst === 'upper' ? 'upper' : c.caseFirst === 'lower' ? 'lower' : 'false',
      ignorePunctuation,
    });
    collators.set(key, coll);
  }
  return coll;
}

/**
 * Compares two strings: -1, 0 or 1. Without a collation (or null, the simple collation) by UTF-8 byte order, as
 * mongod's binary comparison; with one by Intl.Collator configured from it (cached per option set).
 * Approximations, since Intl has no direct knob: alternate 'shifted' ignores punctuation and spaces (at strength 4
 * and above they break ties); strength 5 (identical) breaks remaining ties by code points; `backwards`,
 * `maxVariable` and `normalization` are accepted but not modelled.
 */
export function compareStrings(a: string, b: string, collation?: Collation | null): number {
  if (!collation) return compareUtf8(a, b);
  const shifted = collation.alternate === 'shifted';
  let r = collatorFor(collation, shifted).compare(a, b);
  const strength = collation.strength ?? 3;
  if (r === 0 && shifted && strength >= 4) r = collatorFor(collation, false).compare(a, b);
  if (r === 0 && strength === 5) return compareUtf8(a.normalize('NFD'), b.normalize('NFD'));
  return r < 0 ? -1 : r > 0 ? 1 : 0;
}

/**
 * UTF-8 byte order of two JS strings without encoding them: UTF-16 code-unit order differs from code-point order
 * only where a surrogate meets a unit in U+E000..U+FFFF, so remap those two ranges before comparing.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** A collation spec printed roughly as mongod prints a BSONObj in messages: `{ locale: "xx", strength: 9 }`. */
function formatSpec(doc: Record<string, unknown>): string {
  const parts = Object.entries(doc).map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`;
}
