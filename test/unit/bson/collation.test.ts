import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Int32, Long } from 'bson';
import { MongoServerError } from '../../../src/errors/index.js';
import { collationSpecDocument, compareStrings, parseCollation } from '../../../src/bson/index.js';

function rejects(spec: unknown, code: number, message?: RegExp): void {
  assert.throws(
    () => parseCollation(spec),
    (err: unknown) => {
      assert.ok(err instanceof MongoServerError, `expected MongoServerError, got ${String(err)}`);
      assert.equal(err.code, code, `code for ${JSON.stringify(spec)}: ${err.message}`);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

describe('parseCollation', () => {
  test('accepts a locale with options and returns exactly the given fields', () => {
    assert.deepEqual(parseCollation({ locale: 'en', strength: 2 }), { locale: 'en', strength: 2 });
    assert.deepEqual(parseCollation({ locale: 'fr', strength: new Int32(1), numericOrdering: true }), {
      locale: 'fr', strength: 1, numericOrdering: true,
    });
    assert.deepEqual(
      parseCollation({ locale: 'en_US', caseLevel: true, caseFirst: 'upper', alternate: 'shifted', maxVariable: 'space', backwards: false, normalization: true }),
      { locale: 'en_US', caseLevel: true, caseFirst: 'upper', alternate: 'shifted', maxVariable: 'space', backwards: false, normalization: true },
    );
    assert.deepEqual(parseCollation({ locale: 'de@collation=phonebook' }), { locale: 'de@collation=phonebook' });
  });

  test("locale 'simple' means binary comparison (null), and allows no other field", () => {
    assert.equal(parseCollation({ locale: 'simple' }), null);
    rejects({ locale: 'simple', strength: 1 }, 9, /no other fields/);
  });

  test('missing or mistyped locale', () => {
    rejects({}, 4, /^Missing expected field "locale"$/);
    rejects({ strength: 1 }, 4);
    rejects({ locale: 1 }, 14, /"locale" had the wrong type. Expected string, found int/);
    rejects('en', 14);
    rejects(null, 14);
  });

  test('empty or unknown locale is BadValue', () => {
    rejects({ locale: '' }, 2, /empty string/);
    rejects({ locale: 'xx' }, 2, /Field 'locale' is invalid/);
    rejects({ locale: 'en\0' }, 2, /null byte/);
  });

  test('strength must be an integer 1..5', () => {
    rejects({ locale: 'en', strength: 0 }, 9, /must be an integer 1 through 5/);
    rejects({ locale: 'en', strength: 6 }, 9);
    rejects({ locale: 'en', strength: 1.5 }, 2);
    rejects({ locale: 'en', strength: '1' }, 14);
    assert.equal(parseCollation({ locale: 'en', strength: Long.fromNumber(2) })?.strength, 2);
    for (const s of [1, 2, 3, 4, 5]) assert.equal(parseCollation({ locale: 'en', strength: s })?.strength, s);
  });

  test('enumerated options and booleans are checked', () => {
    rejects({ locale: 'en', caseFirst: 'sideways' }, 9, /Field 'caseFirst' must be 'upper', 'lower', or 'off'. Got: sideways/);
    rejects({ locale: 'en', alternate: 'x' }, 9);
    rejects({ locale: 'en', maxVariable: 'x' }, 9);
    rejects({ locale: 'en', caseLevel: 1 }, 14, /Expected bool, found int/);
    rejects({ locale: 'en', numericOrdering: 'yes' }, 14);
  });

  test('unknown fields are FailedToParse', () => {
    rejects({ locale: 'en', blah: 1 }, 9, /unknown field/);
  });

  test('invalid combinations are BadValue', () => {
    rejects({ locale: 'en', strength: 1, backwards: true }, 2);
    rejects({ locale: 'en', strength: 2, caseFirst: 'upper' }, 2);
    assert.ok(parseCollation({ locale: 'en', strength: 2, caseFirst: 'upper', caseLevel: true }));
    assert.ok(parseCollation({ locale: 'en', strength: 1, caseFirst: 'off' }));
  });

  test('collationSpecDocument fills in defaults', () => {
    const doc = collationSpecDocument({ locale: 'en', strength: 2 });
    assert.deepEqual(Object.keys(doc), ['locale', 'caseLevel', 'caseFirst', 'strength', 'numericOrdering', 'alternate', 'maxVariable', 'normalization', 'backwards', 'version']);
    assert.equal(doc.strength, 2);
    assert.equal(doc.caseFirst, 'off');
  });
});

describe('compareStrings', () => {
  test('without collation: binary', () => {
    assert.equal(compareStrings('A', 'a'), -1);
    assert.equal(compareStrings('a', 'á'), -1);
    assert.equal(compareStrings('b', 'á'), -1, 'á (C3 A1) sorts after every ASCII letter in bytes');
    assert.equal(compareStrings('10', '9'), -1);
    assert.equal(compareStrings('x', 'x'), 0);
    assert.equal(compareStrings('x', 'x', null), 0);
  });

  test('strength 1 ignores case and accents', () => {
    const c = { locale: 'en', strength: 1 };
    assert.equal(compareStrings('a', 'A', c), 0);
    assert.equal(compareStrings('a', 'á', c), 0);
    assert.equal(compareStrings('A', 'á', c), 0);
    assert.equal(compareStrings('a', 'b', c), -1);
    assert.equal(compareStrings('b', 'á', c), 1, 'linguistic order: á is an a');
  });

  test('strength 2 distinguishes accents but not case', () => {
    const c = { locale: 'en', strength: 2 };
    assert.equal(compareStrings('a', 'A', c), 0);
    assert.equal(compareStrings('a', 'á', c), -1);
    assert.equal(compareStrings('á', 'b', c), -1);
  });

  test('strength 3 (the default) distinguishes case too', () => {
    for (const c of [{ locale: 'en', strength: 3 }, { locale: 'en' }]) {
      assert.equal(compareStrings('a', 'A', c), -1, 'lowercase first by default');
      assert.equal(compareStrings('a', 'á', c), -1);
      assert.equal(compareStrings('A', 'b', c), -1);
    }
    assert.equal(compareStrings('a', 'A', { locale: 'en', caseFirst: 'upper' }), 1);
  });

  test('caseLevel with strength 1 distinguishes case but not accents', () => {
    const c = { locale: 'en', strength: 1, caseLevel: true };
    assert.notEqual(compareStrings('a', 'A', c), 0);
    assert.equal(compareStrings('a', 'á', c), 0);
  });

  test("alternate 'shifted' ignores spaces and punctuation below strength 4", () => {
    assert.equal(compareStrings('a b', 'ab', { locale: 'en', alternate: 'shifted' }), 0);
    assert.notEqual(compareStrings('a b', 'ab', { locale: 'en' }), 0);
    assert.notEqual(compareStrings('a b', 'ab', { locale: 'en', alternate: 'shifted', strength: 4 }), 0);
  });

  test('strength 5 breaks ties that strength 3 leaves', () => {
    // U+00C5 (Å) and U+212B (Angstrom sign) are canonically equivalent; they differ at no level, so equal even at 5.
    assert.equal(compareStrings('\u00C5', '\u212B', { locale: 'en', strength: 5 }), 0);
    assert.equal(compareStrings('a', 'b', { locale: 'en', strength: 5 }), -1);
    // A zero-width space is ignorable at every level but identical.
    assert.equal(compareStrings('a\u200B', 'a', { locale: 'en', strength: 3 }), 0);
    assert.equal(compareStrings('a\u200B', 'a', { locale: 'en', strength: 5 }), 1);
  });

  test('numericOrdering compares digit runs as numbers', () => {
    assert.equal(compareStrings('10', '9', { locale: 'en' }), -1);
    assert.equal(compareStrings('10', '9', { locale: 'en', numericOrdering: true }), 1);
    assert.equal(compareStrings('item2', 'item10', { locale: 'en', numericOrdering: true }), -1);
  });
});
