/**
 * `$jsonSchema` matching, keyword by keyword, as mongod's translation matches: a keyword for one type leaves values
 * of other types alone, properties constrain only present fields, and the top-level schema applies to the document.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, BSONSymbol, Decimal128, Double, Int32, Long, MaxKey } from 'bson';
import { compileFilter } from '../../../../src/query/filter/index.js';
import type { Document } from '../../../../src/bson/index.js';
import { show } from '../filter/show.js';

/** schema, then documents it matches, then documents it does not. */
type Case = [schema: Document, matching: Document[], failing: Document[]];

const cases: Record<string, Case[]> = {
  'type and bsonType': [
    [{ properties: { a: { bsonType: 'int' } } }, [{}, { a: new Int32(1) }, { a: 1 }], [{ a: 1.5 }, { a: '1' }, { a: [1] }, { a: new Long(1) }]],
    [{ properties: { a: { bsonType: 'number' } } }, [{ a: 1.5 }, { a: new Long(1) }, { a: Decimal128.fromString('1') }], [{ a: 'x' }, { a: [1] }]],
    [{ properties: { a: { bsonType: ['string', 'null'] } } }, [{ a: 'x' }, { a: null }], [{ a: 1 }]],
    [{ properties: { a: { type: 'number' } } }, [{ a: new Int32(2) }, { a: 2.5 }], [{ a: '2' }]],
    [{ properties: { a: { type: ['array', 'object'] } } }, [{ a: [] }, { a: {} }], [{ a: 'x' }, { a: null }]],
    [{ properties: { a: { type: 'boolean' } } }, [{ a: true }], [{ a: 0 }]],
    [{ properties: { a: { bsonType: 'binData' } } }, [{ a: new Binary(Buffer.from('x')) }], [{ a: 'x' }]],
    [{ properties: { a: { bsonType: 'maxKey' } } }, [{ a: new MaxKey() }], [{ a: 1 }]],
    // The document is an object: an object type passes, any other matches nothing.
    [{ type: 'object' }, [{}, { a: 1 }], []],
    [{ bsonType: ['object', 'string'] }, [{ a: 1 }], []],
    [{ bsonType: 'string' }, [], [{}, { a: 'x' }]],
  ],
  'properties and required': [
    [{ properties: { a: { minimum: 1 } } }, [{}, { a: 1 }, { b: 0 }], [{ a: 0 }]],
    [{ required: ['a', 'b'] }, [{ a: null, b: undefined }, { a: 1, b: 2, c: 3 }], [{ a: 1 }, {}]],
    [{ required: ['a'], properties: { a: { bsonType: 'string' } } }, [{ a: 'x' }], [{}, { a: 1 }]],
    [
      { properties: { a: { bsonType: 'object', required: ['b'], properties: { b: { enum: [1] } } } } },
      [{}, { a: { b: 1 } }],
      [{ a: {} }, { a: { b: 2 } }, { a: 1 }],
    ],
    // Without a type, object keywords leave non-objects alone.
    [{ properties: { a: { required: ['b'], properties: { b: { bsonType: 'int' } } } } }, [{ a: 1 }, { a: [] }, { a: { b: 1 } }], [{ a: {} }, { a: { b: 'x' } }]],
    // A dotted property name is a path, as in mongod.
    [{ properties: { 'a.b': { minimum: 5 } } }, [{ a: { b: 5 } }, {}], [{ a: { b: 4 } }]],
  ],
  'additionalProperties and patternProperties': [
    [{ properties: { _id: {}, a: {} }, additionalProperties: false }, [{ _id: 1 }, { _id: 1, a: 2 }], [{ _id: 1, b: 2 }]],
    [{ additionalProperties: true }, [{ x: 1 }], []],
    [{ properties: { _id: {} }, additionalProperties: { bsonType: 'string' } }, [{ _id: 1, b: 'x' }], [{ _id: 1, b: 2 }]],
    [{ patternProperties: { '^s_': { bsonType: 'string' } } }, [{ s_a: 'x', n: 1 }], [{ s_a: 1 }]],
    // A field found by a pattern is not additional; patterns search anywhere in the name.
    [{ patternProperties: { '^s_': {}, 'id$': {} }, additionalProperties: false }, [{ _id: 1, s_x: 1 }], [{ _id: 1, x: 1 }]],
    [{ properties: { a: { patternProperties: { x: { minimum: 5 } } } } }, [{ a: { x: 5 } }, { a: 1 }], [{ a: { ax: 4 } }]],
  ],
  'minProperties and maxProperties': [
    [{ minProperties: 2 }, [{ a: 1, b: 2 }], [{ a: 1 }]],
    [{ maxProperties: 1 }, [{ a: 1 }], [{ a: 1, b: 2 }]],
    [{ properties: { a: { minProperties: 1 } } }, [{ a: { x: 1 } }, { a: 'x' }], [{ a: {} }]],
  ],
  dependencies: [
    [{ dependencies: { a: ['b', 'c'] } }, [{}, { b: 1 }, { a: 1, b: 1, c: 1 }], [{ a: 1, b: 1 }]],
    [{ dependencies: { a: { required: ['b'] } } }, [{}, { a: 1, b: 1 }], [{ a: 1 }]],
    [{ dependencies: { a: { properties: { b: { bsonType: 'string' } } } } }, [{ b: 1 }, { a: 1, b: 'x' }], [{ a: 1, b: 1 }]],
    [{ properties: { o: { dependencies: { a: ['b'] } } } }, [{ o: { a: 1, b: 1 } }, { o: 1 }], [{ o: { a: 1 } }]],
    [{ dependencies: { title: 'deps', a: ['b'] } }, [{ b: 1 }], [{ a: 1 }]],
  ],
  'items and additionalItems': [
    [{ properties: { a: { items: { bsonType: 'int' } } } }, [{ a: [] }, { a: [1, 2] }, { a: 'x' }], [{ a: [1, 'x'] }]],
    [
      { properties: { a: { items: [{ bsonType: 'int' }, { bsonType: 'string' }] } } },
      [{ a: [1] }, { a: [1, 'x', true] }],
      [{ a: ['x'] }, { a: [1, 2] }],
    ],
    [{ properties: { a: { items: [{ bsonType: 'int' }], additionalItems: false } } }, [{ a: [1] }, { a: [] }], [{ a: [1, 2] }]],
    [{ properties: { a: { items: [{}], additionalItems: { bsonType: 'string' } } } }, [{ a: [1, 'x'] }], [{ a: [1, 2] }]],
    // additionalItems means nothing without an items array.
    [{ properties: { a: { items: {}, additionalItems: false } } }, [{ a: [1, 2] }], []],
    [{ properties: { a: { additionalItems: false } } }, [{ a: [1, 2] }], []],
  ],
  'minItems, maxItems and uniqueItems': [
    [{ properties: { a: { minItems: 2 } } }, [{ a: [1, 2] }, { a: 'x' }], [{ a: [1] }]],
    [{ properties: { a: { maxItems: 1 } } }, [{ a: [] }], [{ a: [1, 2] }]],
    [{ properties: { a: { uniqueItems: true } } }, [{ a: [1, 2] }, { a: [{ x: 1, y: 2 }, { x: 1 }] }], [{ a: [1, 1.0] }, { a: [{ x: 1, y: 2 }, { y: 2, x: 1 }] }]],
    [{ properties: { a: { uniqueItems: false } } }, [{ a: [1, 1] }], []],
  ],
  'minimum, maximum and multipleOf': [
    [{ properties: { a: { minimum: 2, maximum: 4 } } }, [{ a: 2 }, { a: 4 }, { a: 'x' }, { a: [0] }], [{ a: 1 }, { a: 5 }]],
    [{ properties: { a: { minimum: 2, exclusiveMinimum: true } } }, [{ a: 2.5 }], [{ a: 2 }]],
    [{ properties: { a: { maximum: 2, exclusiveMaximum: true } } }, [{ a: 1 }], [{ a: 2 }]],
    [{ properties: { a: { maximum: 2, exclusiveMaximum: false } } }, [{ a: 2 }], [{ a: 3 }]],
    [{ properties: { a: { multipleOf: 3 } } }, [{ a: 9 }, { a: Long.fromNumber(-6) }, { a: 'x' }], [{ a: 10 }, { a: Number.NaN }]],
    [{ properties: { a: { multipleOf: 0.1 } } }, [{ a: 0.3 }, { a: Decimal128.fromString('0.7') }], [{ a: 0.35 }]],
    // With a single stated type, a keyword of another type changes nothing.
    [{ properties: { a: { bsonType: 'string', minimum: 5 } } }, [{ a: 'x' }], [{ a: 10 }]],
    [{ properties: { a: { bsonType: 'int', minimum: 5 } } }, [{ a: 5 }], [{ a: 4 }, { a: 5.5 }]],
  ],
  'minLength, maxLength and pattern': [
    [{ properties: { a: { minLength: 2, maxLength: 3 } } }, [{ a: 'ab' }, { a: '😀😀' }, { a: 1 }], [{ a: 'a' }, { a: 'abcd' }, { a: '😀' }]],
    [{ properties: { a: { pattern: '^a+$' } } }, [{ a: 'aa' }, { a: 1 }, { a: new BSONSymbol('b') }], [{ a: 'ab' }, { a: 'A' }]],
    [{ properties: { a: { pattern: 'b' } } }, [{ a: 'abc' }], [{ a: 'ac' }]],
  ],
  enum: [
    [{ properties: { a: { enum: [1, 'x', { k: 1, j: 2 }, [1, 2]] } } }, [{ a: 1.0 }, { a: 'x' }, { a: { j: 2, k: 1 } }, { a: [1, 2] }, {}], [{ a: 2 }, { a: [2, 1] }, { a: null }]],
    [{ required: ['a'], properties: { a: { enum: [null] } } }, [{ a: null }], [{}]],
    [{ enum: [{ a: 1 }, 5] }, [{ a: 1 }], [{ a: 2 }, { a: 1, b: 1 }]],
    [{ enum: [5, 'x'] }, [], [{ a: 1 }]],
  ],
  'allOf, anyOf, oneOf and not': [
    [{ allOf: [{ required: ['a'] }, { required: ['b'] }] }, [{ a: 1, b: 1 }], [{ a: 1 }]],
    [{ anyOf: [{ required: ['a'] }, { required: ['b'] }] }, [{ a: 1 }, { b: 1 }], [{ c: 1 }]],
    [{ oneOf: [{ required: ['a'] }, { required: ['b'] }] }, [{ a: 1 }, { b: 1 }], [{ a: 1, b: 1 }, {}]],
    [{ not: { required: ['a'] } }, [{ b: 1 }], [{ a: 1 }]],
    [{ properties: { a: { not: { bsonType: 'string' } } } }, [{ a: 1 }, {}], [{ a: 'x' }]],
    [{ properties: { a: { anyOf: [{ bsonType: 'string' }, { minimum: 5 }] } } }, [{ a: 'x' }, { a: 6 }, { a: [] }], [{ a: 1 }]],
  ],
  'title and description': [[{ title: 't', description: 'd', properties: { a: { title: 'x', description: 'y' } } }, [{ a: 1 }], []]],
  encrypt: [
    [
      { properties: { s: { encrypt: { bsonType: 'string' } } } },
      [{}, { s: new Binary(Buffer.from([1, ...new Array(16).fill(0), 2, 9]), 6) }],
      [{ s: 'x' }, { s: new Binary(Buffer.from([1, ...new Array(16).fill(0), 16, 9]), 6) }, { s: new Binary(Buffer.from('x'), 0) }],
    ],
    [{ properties: { s: { encrypt: {} } } }, [{ s: new Binary(Buffer.from([2]), 6) }], [{ s: 1 }]],
    [{ encryptMetadata: { algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Random' }, properties: { a: {} } }, [{ a: 1 }], []],
  ],
};

for (const [group, list] of Object.entries(cases)) {
  describe(group, () => {
    for (const [schema, matching, failing] of list) {
      test(show(schema), () => {
        const filter = compileFilter({ $jsonSchema: schema }, { allowEncryptKeywords: true });
        for (const doc of matching) assert.equal(filter.matches(doc), true, `should match ${show(doc)}`);
        for (const doc of failing) assert.equal(filter.matches(doc), false, `should not match ${show(doc)}`);
      });
    }
  });
}

describe('$jsonSchema among other operators', () => {
  test('beside query operators, inside $and, $or and $nor', () => {
    const schema = { required: ['a'] };
    const check = (filter: Document, doc: Document, expected: boolean) => assert.equal(compileFilter(filter).matches(doc), expected, show(filter));
    check({ $jsonSchema: schema, b: 1 }, { a: 1, b: 1 }, true);
    check({ $jsonSchema: schema, b: 1 }, { a: 1, b: 2 }, false);
    check({ $or: [{ $jsonSchema: schema }, { b: 1 }] }, { b: 1 }, true);
    check({ $and: [{ $jsonSchema: schema }, { $jsonSchema: { required: ['b'] } }] }, { a: 1 }, false);
    check({ $nor: [{ $jsonSchema: schema }] }, { b: 1 }, true);
  });

  test('under $elemMatch it applies to each element', () => {
    const filter = compileFilter({ xs: { $elemMatch: { $jsonSchema: { required: ['k'] } } } });
    assert.equal(filter.matches({ xs: [{ j: 1 }, { k: 1 }] }), true);
    assert.equal(filter.matches({ xs: [{ j: 1 }, 5] }), false);
  });

  test('a double-typed field is a double', () => {
    const filter = compileFilter({ $jsonSchema: { properties: { a: { bsonType: 'double' } } } });
    assert.equal(filter.matches({ a: new Double(3) }), true);
    assert.equal(filter.matches({ a: new Int32(3) }), false);
  });
});
