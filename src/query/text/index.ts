/**
 * Text search as mongod's text index version 3 does it: languages, tokenizing, stop words and stemming
 * (language.ts, tokenizer.ts), the index specification (text_index_spec.ts), what a document contributes to the
 * index and its scores (text_document.ts), the `$text` search string (text_query.ts), the matcher that checks
 * negations and phrases (text_matcher.ts), and the score kept beside each returned document (text_score.ts).
 */
export { findTextLanguage, textLanguage, TEXT_INDEX_VERSION, type TextLanguage } from './language.js';
export { foldCase, phraseMatches, splitWords, stripDiacritics, tokenize, type TokenizeOptions } from './tokenizer.js';
export { fixTextIndexSpec, isTextKeyPattern, textIndexInfo, type TextIndexInfo } from './text_index_spec.js';
export { indexedTerm, scoreDocument, textValues, type TextValue } from './text_document.js';
export { parsedTextQueryDocument, parseTextParams, parseTextQuery, type TextParams, type TextQuery } from './text_query.js';
export { findTextPredicate, hasTextPredicate, type TextPredicate } from './text_predicate.js';
export { textMatches, textScore } from './text_matcher.js';
export { carryTextScore, setTextScore, textScoreOf, textScoresInUse } from './text_score.js';
