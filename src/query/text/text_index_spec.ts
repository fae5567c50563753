import { Int32, isDocument, isNumeric, toNumber, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { findTextLanguage, TEXT_INDEX_VERSION, textLanguage, type TextLanguage } from './language.js';

/**
 * A text index's specification: checked and normalised as mongod's FTSSpec::fixSpec does when the index is created
 * (the text fields become `_fts: 'text', _ftsx: 1` in the key, their weights go to `weights`), and read back into
 * what key generation and queries need (TextIndexInfo).
 */

/** The field weights' exclusive upper bound (mongod's MAX_WORD_WEIGHT). */
const MAX_WORD_WEIGHT = 100000;
const WILDCARD = '$**';

/** True when an index key pattern is a text index's, as created (`{f: 'text'}`) or as stored (`{_fts: 'text'}`). */
export function isTextKeyPattern(key: Document): boolean {
  return Object.values(key).some((v) => v === 'text');
}

function cannotCreate(message: string): never {
  throw mongoError('CannotCreateIndex', message);
}

/** mongod's language_override rule: not empty, not `$`-prefixed, no dot. */
function validOverride(name: string): boolean {
  return name.length > 0 && !name.startsWith('$') && !name.includes('.');
}

/** The integer part of a number as mongod's numberInt reads it. */
function numberInt(value: unknown): number {
  const n = toNumber(value);
  if (Number.isNaN(n)) return 0;
  return Math.trunc(n);
}

/**
 * A createIndexes text index specification as mongod stores it: the key with `_fts`/`_ftsx` in place of the text
 * fields, `weights` (sorted by field, integer), `default_language`, `language_override` and `textIndexVersion`.
 * CannotCreateIndex (67) with mongod's words for a malformed one.
 */
export function fixTextIndexSpec(raw: Document): Document {
  const key = raw.key as Document;
  const weights = new Map<string, number>();
  const fixedKey: Document = {};
  let addedFts = false;
  for (const [field, value] of Object.entries(key)) {
    if (field === '_fts') {
      if (value !== 'text') cannotCreate('expecting _fts:"text"');
      addedFts = true;
      fixedKey[field] = value;
    } else if (field === '_ftsx') {
      if (numberInt(value) !== 1) cannotCreate('expecting _ftsx:1');
      fixedKey[field] = value;
    } else if (value === 'text') {
      if (!addedFts) {
        fixedKey._fts = 'text';
        fixedKey._ftsx = new Int32(1);
        addedFts = true;
      }
      weights.set(field, 1);
    } else {
      const n = numberInt(value);
      if (n !== 1 && n !== -1) cannotCreate('expected value 1 or -1 for non-text key in compound index');
      fixedKey[field] = value;
    }
  }
  checkKeyLayout(key);
  const rawWeights = raw.weights;
  if (isDocument(rawWeights)) {
    for (const [field, value] of Object.entries(rawWeights)) {
      if (!isNumeric(value)) cannotCreate('weight for text index needs numeric type');
      weights.set(field, numberInt(value));
    }
  } else if (rawWeights === WILDCARD) {
    weights.set(WILDCARD, 1);
  } else if (rawWeights !== undefined) {
    cannotCreate("text index option 'weights' must be an object");
  }
  if (weights.size === 0) cannotCreate("text index option 'weights' must specify fields or the wildcard");
  const sortedWeights: Document = {};
  for (const field of [...weights.keys()].sort(compareBytes)) {
    const weight = weights.get(field)!;
    if (weight <= 0 || weight >= MAX_WORD_WEIGHT) {
      cannotCreate(`text index weight must be in the exclusive interval (0,${MAX_WORD_WEIGHT}) but found: ${weight}`);
    }
    if (field !== WILDCARD) {
      if (field.length === 0) cannotCreate('weight cannot be on an empty field');
      for (const part of field.split('.')) {
        if (part.length === 0) cannotCreate('weight cannot have empty path component');
        if (part.startsWith('$')) cannotCreate('weight cannot have path component with $ prefix');
      }
    }
    sortedWeights[field] = new Int32(weight);
  }
  let defaultLanguage = 'english';
  if (raw.default_language !== undefined) {
    if (typeof raw.default_language !== 'string') cannotCreate('default_language needs a string type');
    defaultLanguage = raw.default_language;
  }
  if (!findTextLanguage(defaultLanguage)) cannotCreate('default_language is not valid');
  let languageOverride = 'language';
  if (raw.language_override !== undefined) {
    if (typeof raw.language_override !== 'string') cannotCreate('language_override must be a string');
    if (!validOverride(raw.language_override)) cannotCreate('language_override is not valid');
    languageOverride = raw.language_override;
  }
  let version = TEXT_INDEX_VERSION;
  if (raw.textIndexVersion !== undefined) {
    version = numberInt(raw.textIndexVersion);
    // eddydb builds version 3 only; version 2 (the Basic tokenizer) is not implemented.
    if (version !== TEXT_INDEX_VERSION) cannotCreate(`bad textIndexVersion: ${version}`);
  }
  const fixed: Document = {};
  for (const [field, value] of Object.entries(raw)) {
    if (field === 'key') fixed.key = fixedKey;
    else if (field === 'weights') fixed.weights = sortedWeights;
    else if (field === 'default_language') fixed.default_language = defaultLanguage;
    else if (field === 'language_override') fixed.language_override = languageOverride;
    else if (field !== 'textIndexVersion') fixed[field] = value;
  }
  if (fixed.weights === undefined) fixed.weights = sortedWeights;
  if (fixed.default_language === undefined) fixed.default_language = defaultLanguage;
  if (fixed.language_override === undefined) fixed.language_override = languageOverride;
  fixed.textIndexVersion = new Int32(version);
  return fixed;
}

/** Prefix fields, then the text fields side by side, then suffix fields; never a field named `_fts` or `_ftsx`. */
function checkKeyLayout(key: Document): void {
  const entries = Object.entries(key);
  let i = 0;
  const notReserved = (field: string) => {
    if (field === '_fts' || field === '_ftsx') cannotCreate('text index with reserved fields _fts/_ftsx not allowed');
  };
  while (typeof entries[i]![1] !== 'string') {
    notReserved(entries[i]![0]);
    i++;
    if (i >= entries.length) cannotCreate('expected additional fields in text index key pattern');
  }
  if (entries[i]![0] === '_fts') {
    if (entries[i + 1]?.[0] !== '_ftsx') cannotCreate('expected _ftsx after _fts');
    i += 2;
  } else {
    while (i < entries.length && typeof entries[i]![1] === 'string') {
      notReserved(entries[i]![0]);
      i++;
    }
  }
  for (; i < entries.length; i++) {
    if (typeof entries[i]![1] === 'string') cannotCreate("'text' fields in index must all be adjacent");
    notReserved(entries[i]![0]);
  }
}

/** Byte order of UTF-8 strings, as mongod's std::map of weights sorts field names. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** What key generation and queries need of a stored text index specification. */
export interface TextIndexInfo {
  /** Field weights (not the wildcard), sorted by field name in byte order. */
  readonly weights: ReadonlyMap<string, number>;
  readonly weightFields: readonly string[];
  readonly wildcard: boolean;
  readonly defaultLanguage: TextLanguage;
  readonly languageOverride: string;
  /** The key's fields before and after `_fts`/`_ftsx`. */
  readonly prefixFields: readonly string[];
  readonly suffixFields: readonly string[];
  readonly version: number;
}

const infos = new WeakMap<Document, TextIndexInfo>();

/** The text index information of a stored spec (computed once per spec object). */
export function textIndexInfo(spec: Document): TextIndexInfo {
  let info = infos.get(spec);
  if (info) return info;
  const weights = new Map<string, number>();
  let wildcard = false;
  for (const [field, value] of Object.entries((spec.weights as Document | undefined) ?? {})) {
    if (field === WILDCARD) wildcard = true;
    else weights.set(field, toNumber(value));
  }
  const prefixFields: string[] = [];
  const suffixFields: string[] = [];
  let passed = false;
  for (const field of Object.keys(spec.key as Document)) {
    if (field === '_fts' || field === '_ftsx') passed = true;
    else (passed ? suffixFields : prefixFields).push(field);
  }
  info = {
    weights,
    weightFields: [...weights.keys()].sort(compareBytes),
    wildcard,
    defaultLanguage: textLanguage(typeof spec.default_language === 'string' ? spec.default_language : 'english'),
    languageOverride: typeof spec.language_override === 'string' ? spec.language_override : 'language',
    prefixFields,
    suffixFields,
    version: spec.textIndexVersion === undefined ? TEXT_INDEX_VERSION : toNumber(spec.textIndexVersion),
  };
  infos.set(spec, info);
  return info;
}
