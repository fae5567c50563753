import type { TextLanguage } from './language.js';

/**
 * Text index version 3's tokenizer: words are the runs between delimiters (the Unicode White_Space, Dash, Hyphen,
 * Quotation_Mark, Terminal_Punctuation, Pattern_Syntax and Sentence_Terminal characters; in English the apostrophe
 * is part of a word). A word is lower-cased (Turkish folds its dotted and dotless i), checked against the stop words,
 * stemmed, and stripped of its diacritics, in that order: stop words and stemmers expect diacritics.
 */

/** `\p{Hyphen}` is not a property JavaScript's regular expressions know: its characters are listed. */
const HYPHENS = '\\u002D\\u00AD\\u058A\\u1806\\u2010\\u2011\\u2E17\\u30FB\\uFE63\\uFF0D\\uFF65';
const DELIMITER_CLASS = `\\p{White_Space}\\p{Dash}\\p{Quotation_Mark}\\p{Terminal_Punctuation}\\p{Pattern_Syntax}\\p{Sentence_Terminal}${HYPHENS}`;
const WORDS_NOT_ENGLISH = new RegExp(`[^${DELIMITER_CLASS}]+`, 'gu');
// The apostrophe is a Pattern_Syntax and Quotation_Mark character: English alone keeps it inside words.
const WORDS_ENGLISH = new RegExp(`(?:[^${DELIMITER_CLASS}]|')+`, 'gu');
const DELIMITER = new RegExp(`[${DELIMITER_CLASS}]`, 'u');
const DIACRITIC = /\p{Diacritic}/gu;
const ASCII_ONLY = /^[\x00-\x7f]*$/;

export interface TokenizeOptions {
  /** Leave out the language's stop words (the index and a query's terms do; the matcher does not). */
  filterStopWords?: boolean;
  /** Keep the word's case (stop words are still found case-insensitively). */
  caseSensitive?: boolean;
  /** Keep the word's diacritics. */
  diacriticSensitive?: boolean;
}

/** True when `c` (one character) separates words in `language`. */
export function isDelimiter(c: string, language: TextLanguage): boolean {
  return c === "'" ? !language.english : DELIMITER.test(c);
}

/** The words of `text`, unchanged, in order. */
export function splitWords(text: string, language: TextLanguage): string[] {
  return text.match(language.english ? WORDS_ENGLISH : WORDS_NOT_ENGLISH) ?? [];
}

/** Lower case as text search folds it (simple case folding; Turkish's own i and I). */
export function foldCase(text: string, language: TextLanguage): string {
  if (language.turkish) return text.replace(/I/g, 'ı').replace(/İ/g, 'i').toLowerCase();
  return text.toLowerCase();
}

/** `text` without its diacritics: accents and other marks taken off the letters they sit on, or dropped. */
export function stripDiacritics(text: string): string {
  if (ASCII_ONLY.test(text)) return text.replace(/[\^`]/g, '');
  return text.normalize('NFD').replace(DIACRITIC, '').normalize('NFC');
}

/** The terms of `text` in `language`, as the index stores them (or as a case or diacritic sensitive query sees them). */
export function tokenize(text: string, language: TextLanguage, options: TokenizeOptions = {}): string[] {
  const terms: string[] = [];
  for (const word of splitWords(text, language)) {
    const lower = foldCase(word, language);
    if (options.filterStopWords && language.stopWords.has(lower)) continue;
    let term = language.stem(options.caseSensitive ? word : lower);
    if (!options.diacriticSensitive) term = stripDiacritics(term);
    terms.push(term);
  }
  return terms;
}

/**
 * Whether `phrase` occurs in `text`, as a substring (not word by word): case and diacritics are ignored unless the
 * query asks otherwise, as mongod's phrase matcher does.
 */
export function phraseMatches(phrase: string, text: string, language: TextLanguage, caseSensitive: boolean, diacriticSensitive: boolean): boolean {
  const fold = (s: string) => {
    let out = caseSensitive ? s : foldCase(s, language);
    if (!diacriticSensitive) out = stripDiacritics(out);
    return out;
  };
  return fold(text).includes(fold(phrase));
}
