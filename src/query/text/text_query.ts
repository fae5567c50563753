import { isDocument, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { textLanguage, type TextLanguage } from './language.js';
import { tokenize } from './tokenizer.js';

/** A `$text` operand, checked: the search string and its options as sent. */
export interface TextParams {
  readonly search: string;
  /** Empty when not given: the index's default language applies. */
  readonly language: string;
  readonly caseSensitive: boolean;
  readonly diacriticSensitive: boolean;
}

/**
 * Checks a `$text` operand as mongod's parser does: an object with a string `$search` and optional string
 * `$language` and booleans `$caseSensitive` and `$diacriticSensitive`, nothing else.
 */
export function parseTextParams(value: unknown): TextParams {
  if (!isDocument(value)) throw mongoError('BadValue', '$text expects an object');
  let expected = 1;
  const search = value.$search;
  if (typeof search !== 'string') throw mongoError('TypeMismatch', '$search requires a string value');
  let language = '';
  if (value.$language !== undefined) {
    expected++;
    if (typeof value.$language !== 'string') throw mongoError('TypeMismatch', '$language requires a string value');
    language = value.$language;
  }
  let caseSensitive = false;
  if (value.$caseSensitive !== undefined) {
    expected++;
    if (typeof value.$caseSensitive !== 'boolean') throw mongoError('TypeMismatch', '$caseSensitive requires a boolean value');
    caseSensitive = value.$caseSensitive;
  }
  let diacriticSensitive = false;
  if (value.$diacriticSensitive !== undefined) {
    expected++;
    if (typeof value.$diacriticSensitive !== 'boolean') throw mongoError('TypeMismatch', '$diacriticSensitive requires a boolean value');
    diacriticSensitive = value.$diacriticSensitive;
  }
  if (Object.keys(value).length !== expected) throw mongoError('BadValue', 'extra fields in $text');
  return { search, language, caseSensitive, diacriticSensitive };
}

/** A search string parsed for one text index (mongod's FTSQueryImpl). */
export interface TextQuery {
  readonly params: TextParams;
  readonly language: TextLanguage;
  /** The terms the index is read for: lower-cased, stemmed, without diacritics, stop words left out. */
  readonly boundsTerms: readonly string[];
  /** The terms a document must have one of, as the matcher compares them (case or diacritics kept when asked). */
  readonly positiveTerms: ReadonlySet<string>;
  readonly negatedTerms: ReadonlySet<string>;
  readonly positivePhrases: readonly string[];
  readonly negatedPhrases: readonly string[];
}

/**
 * Parses a search string: words are OR'ed terms, "quoted text" a phrase every match must contain, and a `-` right
 * before a word or phrase (after whitespace or at the start) negates it until the next whitespace. A word inside a
 * phrase is also a term; a negated phrase adds no term.
 */
export function parseTextQuery(params: TextParams, defaultLanguage: TextLanguage): TextQuery {
  const language = params.language === '' ? defaultLanguage : textLanguage(params.language);
  const search = params.search;
  let positiveSentence = '';
  let negativeSentence = '';
  const positivePhrases: string[] = [];
  const negatedPhrases: string[] = [];
  let inNegation = false;
  let inPhrase = false;
  let quoteAt = 0;
  let i = 0;
  let previousWhiteSpace = true;
  while (i < search.length) {
    const c = search[i]!;
    if (/\s/.test(c)) {
      previousWhiteSpace = true;
      i++;
      continue;
    }
    if (c === '-' || c === '"') {
      if (c === '-') {
        if (!inPhrase && previousWhiteSpace) inNegation = true;
      } else if (inPhrase) {
        const phrase = search.slice(quoteAt + 1, i);
        (inNegation ? negatedPhrases : positivePhrases).push(phrase);
        inPhrase = false;
      } else {
        inPhrase = true;
        if (inNegation && previousWhiteSpace) inNegation = false;
        quoteAt = i;
      }
      previousWhiteSpace = false;
      i++;
      continue;
    }
    let end = i;
    while (end < search.length && !/\s/.test(search[end]!) && search[end] !== '-' && search[end] !== '"') end++;
    const word = search.slice(i, end);
    if (!(inPhrase && inNegation)) {
      if (inNegation && previousWhiteSpace) inNegation = false;
      if (inNegation) negativeSentence += `${word} `;
      else positiveSentence += `${word} `;
    }
    previousWhiteSpace = false;
    i = end;
  }
  const sensitive = { caseSensitive: params.caseSensitive, diacriticSensitive: params.diacriticSensitive };
  const boundsTerms = [...new Set(tokenize(positiveSentence, language, { filterStopWords: true }))];
  return {
    params,
    language,
    boundsTerms,
    positiveTerms: new Set(tokenize(positiveSentence, language, { filterStopWords: true, ...sensitive })),
    negatedTerms: new Set(tokenize(negativeSentence, language, { filterStopWords: true, ...sensitive })),
    positivePhrases,
    negatedPhrases,
  };
}

/** The parsed query as explain shows it (`parsedTextQuery`). */
export function parsedTextQueryDocument(query: TextQuery): Document {
  return {
    terms: [...query.positiveTerms].sort(),
    negatedTerms: [...query.negatedTerms].sort(),
    phrases: query.positivePhrases,
    negatedPhrases: query.negatedPhrases,
  };
}
