import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Int32 } from 'bson';
import {
  fixTextIndexSpec, foldCase, parseTextParams, parseTextQuery, phraseMatches, scoreDocument, splitWords, stripDiacritics,
  textIndexInfo, textLanguage, textMatches, textScore, tokenize, type TextQuery,
} from '../../../../src/query/text/index.js';
import type { Document } from '../../../../src/bson/index.js';

const english = textLanguage('english');

function spec(key: Document, options: Document = {}): Document {
  return fixTextIndexSpec({ key, name: 'text', ...options });
}

function query(search: string, options: Partial<{ language: string; caseSensitive: boolean; diacriticSensitive: boolean }> = {}): TextQuery {
  return parseTextQuery({ search, language: options.language ?? '', caseSensitive: options.caseSensitive ?? false, diacriticSensitive: options.diacriticSensitive ?? false }, english);
}

function throwsCode(fn: () => unknown, code: number, message: string | RegExp): void {
  assert.throws(fn, (err: { code?: number; message?: string }) => {
    assert.equal(err.code, code);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message ?? '', message);
    return true;
  });
}

describe('text search: languages', () => {
  test('names and two-letter aliases, in any case; none', () => {
    assert.equal(textLanguage('es').name, 'spanish');
    assert.equal(textLanguage('German').name, 'german');
    assert.equal(textLanguage('nb').name, 'norwegian');
    assert.equal(textLanguage('none').name, 'none');
  });

  test('an unknown language is BadValue with mongod words', () => {
    throwsCode(() => textLanguage('klingon'), 2, 'unsupported language: "klingon" for text index version 3');
  });
});

describe('text search: tokenizer', () => {
  test('words split at whitespace, punctuation, dashes and quotes; not at underscores', () => {
    assert.deepEqual(splitWords('well-known a.b,c;d (e) x_y "q"', english), ['well', 'known', 'a', 'b', 'c', 'd', 'e', 'x_y', 'q']);
  });

  test('English keeps the apostrophe inside a word; other languages split there', () => {
    assert.deepEqual(splitWords("don't stop", english), ["don't", 'stop']);
    assert.deepEqual(splitWords("l'été", textLanguage('french')), ['l', 'été']);
  });

  test('terms are lower-cased, stop words dropped, stemmed, diacritics removed', () => {
    assert.deepEqual(tokenize('Coffee Shopping', english, { filterStopWords: true }), ['coffe', 'shop']);
    assert.deepEqual(tokenize('Baking a cake', english, { filterStopWords: true }), ['bake', 'cake']);
    assert.deepEqual(tokenize("They don't bake", english, { filterStopWords: true }), ['bake']);
    assert.deepEqual(tokenize('Café', english, { filterStopWords: true }), ['cafe']);
  });

  test('the matcher keeps stop words; case and diacritic sensitivity keep what they say', () => {
    assert.deepEqual(tokenize('Baking a cake', english), ['bake', 'a', 'cake']);
    assert.deepEqual(tokenize('Café', english, { diacriticSensitive: true }), ['café']);
    assert.deepEqual(tokenize('CAKE', english, { caseSensitive: true }), ['CAKE']);
  });

  test('language none: no stop words, no stemming', () => {
    assert.deepEqual(tokenize('the running cats', textLanguage('none'), { filterStopWords: true }), ['the', 'running', 'cats']);
  });

  test('each language has its own stop words', () => {
    assert.deepEqual(tokenize('el pastel', textLanguage('spanish'), { filterStopWords: true }), ['pastel']);
    assert.deepEqual(tokenize('el pastel', english, { filterStopWords: true }), ['el', 'pastel']);
  });

  test('Turkish folds its dotted and dotless i', () => {
    const turkish = textLanguage('turkish');
    assert.equal(foldCase('DIŞ İÇ', turkish), 'dış iç');
    assert.equal(foldCase('DIŞ', english), 'diş');
  });

  test('diacritics come off letters and combining marks go', () => {
    assert.equal(stripDiacritics('crème brûlée'), 'creme brulee');
    assert.equal(stripDiacritics('сы́рники'), 'сырники');
  });

  test('phrases are substrings, case and diacritic insensitive unless asked', () => {
    assert.equal(phraseMatches('coffee shop', 'Coffee Shopping', english, false, false), true);
    assert.equal(phraseMatches('coffee shop', 'Coffee Shopping', english, true, false), false);
    assert.equal(phraseMatches('cafe con', 'Café Con Leche', english, false, false), true);
    assert.equal(phraseMatches('cafe con', 'Café Con Leche', english, false, true), false);
  });
});

describe('text search: the search string', () => {
  test('terms, a negated term, a phrase and a negated phrase', () => {
    const q = query('bake -shop "coffee cake" -"cream cheese"');
    assert.deepEqual([...q.positiveTerms].sort(), ['bake', 'cake', 'coffe']);
    assert.deepEqual([...q.negatedTerms], ['shop']);
    assert.deepEqual(q.positivePhrases, ['coffee cake']);
    assert.deepEqual(q.negatedPhrases, ['cream cheese']);
    assert.deepEqual([...q.boundsTerms].sort(), ['bake', 'cake', 'coffe']);
  });

  test('a negation lasts until whitespace; a dash after whitespace only negates what touches it', () => {
    assert.deepEqual([...query('-foo-bar').negatedTerms].sort(), ['bar', 'foo']);
    const spaced = query('- foo');
    assert.deepEqual([...spaced.positiveTerms], ['foo']);
    assert.deepEqual([...spaced.negatedTerms], []);
    const inside = query('coffee-shop');
    assert.deepEqual([...inside.positiveTerms].sort(), ['coffe', 'shop']);
  });

  test('stop words are no terms; $language picks the stemmer', () => {
    assert.deepEqual(query('the and of').boundsTerms, []);
    assert.deepEqual([...query('el pastel', { language: 'es' }).positiveTerms], ['pastel']);
    throwsCode(() => query('x', { language: 'xx' }), 2, 'unsupported language: "xx" for text index version 3');
  });

  test('case and diacritic sensitive terms for the matcher, folded terms for the index', () => {
    const q = query('Café', { caseSensitive: true, diacriticSensitive: true });
    assert.deepEqual([...q.positiveTerms], ['Café']);
    assert.deepEqual(q.boundsTerms, ['cafe']);
  });

  test('$text operand errors', () => {
    throwsCode(() => parseTextParams('x'), 2, '$text expects an object');
    throwsCode(() => parseTextParams({}), 14, '$search requires a string value');
    throwsCode(() => parseTextParams({ $search: 1 }), 14, '$search requires a string value');
    throwsCode(() => parseTextParams({ $search: 'x', $language: 1 }), 14, '$language requires a string value');
    throwsCode(() => parseTextParams({ $search: 'x', $caseSensitive: 1 }), 14, '$caseSensitive requires a boolean value');
    throwsCode(() => parseTextParams({ $search: 'x', $diacriticSensitive: 'no' }), 14, '$diacriticSensitive requires a boolean value');
    throwsCode(() => parseTextParams({ $search: 'x', extra: 1 }), 2, 'extra fields in $text');
  });
});

describe('text search: index specification', () => {
  test('text fields become _fts/_ftsx with their weights; defaults spelled out', () => {
    const fixed = fixTextIndexSpec({ key: { subject: 'text' }, name: 'subject_text' });
    assert.deepEqual(fixed, {
      key: { _fts: 'text', _ftsx: new Int32(1) },
      name: 'subject_text',
      weights: { subject: new Int32(1) },
      default_language: 'english',
      language_override: 'language',
      textIndexVersion: new Int32(3),
    });
  });

  test('compound: prefix and suffix fields keep their places; weights sorted, integer, given ones win', () => {
    const fixed = fixTextIndexSpec({ key: { x: 1, b: 'text', a: 'text', y: -1 }, name: 'n', weights: { b: 5.9, c: 2 }, default_language: 'es' });
    assert.deepEqual(Object.keys(fixed.key as Document), ['x', '_fts', '_ftsx', 'y']);
    assert.deepEqual(fixed.weights, { a: new Int32(1), b: new Int32(5), c: new Int32(2) });
    assert.equal(fixed.default_language, 'es');
  });

  test('the wildcard', () => {
    assert.deepEqual(fixTextIndexSpec({ key: { '$**': 'text' }, name: 'w' }).weights, { '$**': new Int32(1) });
  });

  test("mongod's CannotCreateIndex messages", () => {
    const cases: [Document, string][] = [
      [{ key: { a: 'text', b: 1, c: 'text' } }, "'text' fields in index must all be adjacent"],
      [{ key: { x: 2, a: 'text' } }, 'expected value 1 or -1 for non-text key in compound index'],
      [{ key: { a: 'text' }, weights: { a: 0 } }, 'text index weight must be in the exclusive interval (0,100000) but found: 0'],
      [{ key: { a: 'text' }, weights: { a: 100000 } }, 'text index weight must be in the exclusive interval (0,100000) but found: 100000'],
      [{ key: { a: 'text' }, weights: { a: 'x' } }, 'weight for text index needs numeric type'],
      [{ key: { a: 'text' }, weights: 'a' }, "text index option 'weights' must be an object"],
      [{ key: { a: 'text' }, weights: { 'b.$c': 1 } }, 'weight cannot have path component with $ prefix'],
      [{ key: { a: 'text' }, default_language: 'klingon' }, 'default_language is not valid'],
      [{ key: { a: 'text' }, default_language: 1 }, 'default_language needs a string type'],
      [{ key: { a: 'text' }, language_override: 'a.b' }, 'language_override is not valid'],
      [{ key: { a: 'text' }, language_override: 3 }, 'language_override must be a string'],
      [{ key: { a: 'text' }, textIndexVersion: 1 }, 'bad textIndexVersion: 1'],
      [{ key: { _fts: 'text', _ftsx: 1, _ftsy: 'text' } }, "'text' fields in index must all be adjacent"],
      [{ key: { _ftsx: 1, a: 'text' } }, 'text index with reserved fields _fts/_ftsx not allowed'],
    ];
    for (const [raw, message] of cases) throwsCode(() => fixTextIndexSpec({ name: 'n', ...raw }), 67, message);
  });
});

describe('text search: scores', () => {
  const subject = textIndexInfo(spec({ subject: 'text' }));

  test("the manual's example: 'cake' in 'Baking a cake' scores 0.75", () => {
    assert.equal(scoreDocument(subject, { subject: 'Baking a cake' }).get('cake'), 0.75);
  });

  test('a term that is the whole field gets 10% more; repeats count half the one before', () => {
    assert.equal(scoreDocument(subject, { subject: 'cake' }).get('cake'), 1.1);
    assert.equal(scoreDocument(subject, { subject: 'coffee coffee coffee' }).get('coffe'), 1.75);
  });

  test('weights multiply; array elements are scored one by one', () => {
    const weighted = textIndexInfo(spec({ title: 'text', body: 'text' }, { weights: { title: 10 } }));
    assert.equal(scoreDocument(weighted, { title: 'cake', body: 'cake recipe' }).get('cake'), 11.75);
    const tags = scoreDocument(subject, { subject: ['cake', 'baking'] });
    assert.equal(tags.get('cake'), 1.1);
    assert.equal(tags.get('bake'), 1);
  });

  test('the wildcard indexes every string, into subdocuments and arrays, but not the language field', () => {
    const all = textIndexInfo(spec({ '$**': 'text' }));
    assert.deepEqual([...scoreDocument(all, { a: 'cake', b: { c: ['bake'] }, n: 5, language: 'english' }).keys()].sort(), ['bake', 'cake']);
  });

  test('a named field reaches into subdocuments by its dotted path only', () => {
    const nested = textIndexInfo(spec({ 'a.b': 'text' }));
    assert.deepEqual([...scoreDocument(nested, { a: [{ b: 'cake' }, { c: 'pie' }], b: 'tart' }).keys()], ['cake']);
  });

  test('the language override field picks the language of its document', () => {
    const scores = scoreDocument(subject, { subject: 'el pastel', language: 'spanish' });
    assert.deepEqual([...scores.keys()], ['pastel']);
    throwsCode(() => scoreDocument(subject, { subject: 'x', language: 'klingon' }), 17262, 'language override unsupported: klingon');
    throwsCode(() => scoreDocument(subject, { subject: 'x', language: 5 }), 17261, 'found language override field in document with non-string type');
  });

  test('a query scores the sum of its terms; the matcher checks negations and phrases', () => {
    const doc = { subject: 'Baking a cake' };
    assert.equal(textScore(query('bake cake'), subject, doc), 1.5);
    assert.equal(textMatches(query('cake'), subject, doc, false), true);
    assert.equal(textMatches(query('pie'), subject, doc, false), false);
    assert.equal(textMatches(query('cake -bake'), subject, doc, false), false);
    assert.equal(textMatches(query('cake "a cake"'), subject, doc, false), true);
    assert.equal(textMatches(query('cake "the cake"'), subject, doc, false), false);
    assert.equal(textMatches(query('cake -"a cake"'), subject, doc, false), false);
    assert.equal(textMatches(query('CAKE', { caseSensitive: true }), subject, doc, true), false);
  });
});
