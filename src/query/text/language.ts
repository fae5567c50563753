import { createRequire } from 'node:module';
import { mongoError } from '../../errors/index.js';
import { STOP_WORDS } from './stop_words.js';

/** The text index version eddydb builds and reads: mongod's current one (Unicode tokenizer, diacritic folding). */
export const TEXT_INDEX_VERSION = 3;

/** A text search language: how its words are split, folded, filtered and stemmed. */
export interface TextLanguage {
  /** The canonical name, as `default_language` and explain show it. */
  readonly name: string;
  /** English keeps the apostrophe inside words ("don't" is one word); every other language splits at it. */
  readonly english: boolean;
  /** Turkish folds I to ı and İ to i. */
  readonly turkish: boolean;
  readonly stopWords: ReadonlySet<string>;
  stem(word: string): string;
}

interface Stemmer {
  stem(word: string): string;
}

const snowball = createRequire(import.meta.url)('snowball-stemmers') as { newStemmer(language: string): Stemmer };

/** mongod's text search languages and their two-letter aliases; every other name is refused. */
const LANGUAGES: readonly [string, string][] = [
  ['danish', 'da'], ['dutch', 'nl'], ['english', 'en'], ['finnish', 'fi'], ['french', 'fr'], ['german', 'de'],
  ['hungarian', 'hu'], ['italian', 'it'], ['norwegian', 'nb'], ['portuguese', 'pt'], ['romanian', 'ro'],
  ['russian', 'ru'], ['spanish', 'es'], ['swedish', 'sv'], ['turkish', 'tr'],
];

const byName = new Map<string, TextLanguage>();

function makeLanguage(name: string): TextLanguage {
  if (name === 'none') {
    return { name, english: false, turkish: false, stopWords: new Set(), stem: (word) => word };
  }
  const stemmer = snowball.newStemmer(name);
  // Stemming is the costly step and a corpus repeats its words: remember the last few thousand.
  const cache = new Map<string, string>();
  return {
    name,
    english: name === 'english',
    turkish: name === 'turkish',
    stopWords: new Set(STOP_WORDS[name] ?? []),
    stem(word) {
      let stemmed = cache.get(word);
      if (stemmed === undefined) {
        stemmed = stemmer.stem(word);
        if (cache.size >= 4096) cache.clear();
        cache.set(word, stemmed);
      }
      return stemmed;
    },
  };
}

for (const [name, alias] of [['none', 'none'], ...LANGUAGES] as [string, string][]) {
  const language = makeLanguage(name);
  byName.set(name, language);
  byName.set(alias, language);
}

/** The language a name or alias stands for, matched without regard to ASCII case as mongod does, or null. */
export function findTextLanguage(name: string): TextLanguage | null {
  return byName.get(name.toLowerCase()) ?? null;
}

/** The language a name stands for; BadValue (2) with mongod's words for a name it does not know. */
export function textLanguage(name: string): TextLanguage {
  const language = findTextLanguage(name);
  if (!language) throw mongoError('BadValue', `unsupported language: "${name}" for text index version ${TEXT_INDEX_VERSION}`);
  return language;
}
