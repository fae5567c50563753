import { createHash } from 'node:crypto';
import { isDocument, type Document } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { findTextLanguage, type TextLanguage } from './language.js';
import type { TextIndexInfo } from './text_index_spec.js';
import { tokenize } from './tokenizer.js';

/**
 * What a text index reads of a document: its indexed strings, each with the language and weight that apply
 * (mongod's FTSElementIterator), and from them the document's terms and their scores (FTSSpec::scoreDocument).
 */

/** One indexed string of a document. */
export interface TextValue {
  readonly text: string;
  readonly language: TextLanguage;
  readonly weight: number;
}

/** The language a (sub)document asks for through the override field, or the one it inherits. */
function languageOf(obj: Document, info: TextIndexInfo, inherited: TextLanguage): TextLanguage {
  const value = obj[info.languageOverride];
  if (value === undefined) return inherited;
  if (typeof value !== 'string') throw new MongoServerError(17261, 'found language override field in document with non-string type');
  const language = findTextLanguage(value);
  if (!language) throw new MongoServerError(17262, `language override unsupported: ${value}`);
  return language;
}

const ASCII = /^[\x00-\x7f]*$/;

/** `a` before `b` in UTF-8 byte order (plain comparison agrees for ASCII, the usual field name). */
function bytesBefore(a: string, b: string): boolean {
  if (ASCII.test(a) && ASCII.test(b)) return a < b;
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;
}

/** The first weighted field at or after `name` in byte order (std::map::lower_bound), or undefined. */
function lowerBound(fields: readonly string[], name: string): string | undefined {
  let lo = 0;
  let hi = fields.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bytesBefore(fields[mid]!, name)) lo = mid + 1;
    else hi = mid;
  }
  return fields[lo];
}

/**
 * The strings of `doc` the index covers, depth first in field order: a weighted field's strings (an array's
 * elements one level deep), or with the wildcard every string but the language override's. A subdocument's own
 * override field sets the language of what it holds.
 */
export function textValues(info: TextIndexInfo, doc: Document): TextValue[] {
  const out: TextValue[] = [];
  walk(info, doc, info.defaultLanguage, '', false, out);
  return out;
}

function walk(info: TextIndexInfo, obj: Document | unknown[], inherited: TextLanguage, parentPath: string, isArray: boolean, out: TextValue[]): void {
  const language = isArray ? inherited : languageOf(obj as Document, info, inherited);
  const entries: [string, unknown][] = isArray ? (obj as unknown[]).map((v, i) => [String(i), v]) : Object.entries(obj as Document);
  for (const [field, value] of entries) {
    if (value === undefined) continue;
    if (info.wildcard && field === info.languageOverride) continue;
    const dotted = parentPath === '' ? field : isArray ? parentPath : `${parentPath}.${field}`;
    const sub = isDocument(value);
    const found = lowerBound(info.weightFields, sub ? `${dotted}.` : dotted);
    if (!info.wildcard) {
      if (found === undefined) continue;
      if (found !== dotted && !found.startsWith(`${dotted}.`)) continue;
    }
    const exact = found !== undefined && found === dotted;
    // As mongod: a wildcard index weighs a field by the first weighted field at or after it, even when it is another.
    const weight = found !== undefined ? info.weights.get(found)! : 1;
    if (typeof value === 'string') {
      if (exact || info.wildcard) out.push({ text: value, language, weight });
    } else if (sub) {
      if (!exact || info.wildcard) walk(info, value, language, dotted, false, out);
    } else if (Array.isArray(value)) {
      if (!isArray || info.wildcard) walk(info, value, language, dotted, true, out);
    }
  }
}

/** The largest score one term may have in a document (mongod's MAX_WEIGHT). */
const MAX_SCORE = 1000000000;

/**
 * Each term of the document with its score: per string, a term's frequency (each repeat counting half the one
 * before) times the string's weight, times a coefficient that favours terms that make up much of a short string,
 * and 10% more when the term is the whole string; summed over the strings.
 */
export function scoreDocument(info: TextIndexInfo, doc: Document): Map<string, number> {
  const scores = new Map<string, number>();
  for (const value of textValues(info, doc)) scoreString(value, scores);
  return scores;
}

function scoreString(value: TextValue, scores: Map<string, number>): void {
  const terms = tokenize(value.text, value.language, { filterStopWords: true });
  if (terms.length === 0) return;
  const seen = new Map<string, { count: number; exp: number; freq: number }>();
  for (const term of terms) {
    let data = seen.get(term);
    if (!data) {
      data = { count: 0, exp: 0, freq: 0 };
      seen.set(term, data);
    }
    data.exp = data.exp === 0 ? 1 : data.exp * 2;
    data.count += 1;
    data.freq += 1 / data.exp;
  }
  for (const [term, data] of seen) {
    const coeff = (0.5 * data.count) / terms.length + 0.5;
    const whole = isWholeString(value.text, term);
    const adjustment = whole ? 1.1 : 1;
    const score = (scores.get(term) ?? 0) + value.weight * data.freq * coeff * adjustment;
    if (score > MAX_SCORE) throw mongoError('BadValue', `text index term score over ${MAX_SCORE}`);
    scores.set(term, score);
  }
}

/**
 * The term is the whole string: equal but for ASCII case, as mongod compares them (same UTF-8 length, then
 * case-insensitively); strings equal but for ASCII case have the same length, which rules out most terms at once.
 */
function isWholeString(raw: string, term: string): boolean {
  return raw.length === term.length && asciiLower(raw) === asciiLower(term);
}

/** Lower case of ASCII letters only, as mongod's equalCaseInsensitive compares. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Terms longer than this many bytes are stored as their first 224 bytes and the MD5 of the whole term (version 3). */
const MAX_TERM_BYTES = 256;
const TERM_PREFIX_BYTES = 224;

/** A term as the index key holds it. */
export function indexedTerm(term: string): string {
  const bytes = Buffer.from(term);
  if (bytes.length <= MAX_TERM_BYTES) return term;
  return bytes.subarray(0, TERM_PREFIX_BYTES).toString('latin1') + createHash('md5').update(bytes).digest('hex');
}
