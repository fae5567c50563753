import type { Document } from '../../bson/index.js';
import { scoreDocument, textValues } from './text_document.js';
import type { TextIndexInfo } from './text_index_spec.js';
import type { TextQuery } from './text_query.js';
import { phraseMatches, tokenize } from './tokenizer.js';

/**
 * Whether a document satisfies a text query (mongod's FTSMatcher): one of the positive terms (unless the index
 * already found the document by one), none of the negated terms, every positive phrase and no negated phrase.
 */
export function textMatches(query: TextQuery, info: TextIndexInfo, doc: Document, foundByTerm: boolean): boolean {
  // A case or diacritic sensitive query found the document by its folded terms: the exact ones are checked here.
  const positiveKnown = foundByTerm && !query.params.caseSensitive && !query.params.diacriticSensitive;
  if (positiveKnown && query.negatedTerms.size === 0 && query.positivePhrases.length === 0 && query.negatedPhrases.length === 0) return true;
  const values = textValues(info, doc);
  const sensitive = { caseSensitive: query.params.caseSensitive, diacriticSensitive: query.params.diacriticSensitive };
  const hasTerm = (terms: ReadonlySet<string>) => values.some((v) => tokenize(v.text, v.language, sensitive).some((t) => terms.has(t)));
  if (!positiveKnown && !hasTerm(query.positiveTerms)) return false;
  if (query.negatedTerms.size > 0 && hasTerm(query.negatedTerms)) return false;
  const phrase = (p: string) => values.some((v) => phraseMatches(p, v.text, v.language, query.params.caseSensitive, query.params.diacriticSensitive));
  return query.positivePhrases.every(phrase) && !query.negatedPhrases.some(phrase);
}

/** A matching document's score: the sum of its scores for the query's terms, as the index keys hold them. */
export function textScore(query: TextQuery, info: TextIndexInfo, doc: Document): number {
  const scores = scoreDocument(info, doc);
  let total = 0;
  for (const term of query.boundsTerms) total += scores.get(term) ?? 0;
  return total;
}
