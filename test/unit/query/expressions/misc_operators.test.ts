import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, Code, Decimal128, Int32, Long, hashedKeyValue } from '../../../../src/bson/index.js';
import { compileExpression, evaluateExpression } from '../../../../src/query/expressions/index.js';
import { parseCollation } from '../../../../src/bson/index.js';
import { assertBson, assertCode } from './helpers.js';

const i = (n: number): Int32 => new Int32(n);

describe('$sortArray', () => {
  const team = [
    { name: 'pat', age: i(30), address: { city: 'London' } },
    { name: 'dallas', age: i(36), address: { city: 'Palo Alto' } },
    { name: 'charlie', age: i(42), address: { city: 'New Brunswick' } },
  ];
  const [pat, dallas, charlie] = team;
  const cases: [string, unknown, unknown][] = [
    ['by a field', { $sortArray: { input: '$team', sortBy: { name: 1 } } }, [charlie, dallas, pat]],
    ['by a subfield, descending', { $sortArray: { input: '$team', sortBy: { 'address.city': -1 } } }, [dallas, charlie, pat]],
    ['by two fields', { $sortArray: { input: '$team', sortBy: { age: -1, name: 1 } } }, [charlie, dallas, pat]],
    ['values ascending', { $sortArray: { input: [1, 4, 1, 6, 12, 5], sortBy: 1 } }, [1, 1, 4, 5, 6, 12]],
    ['values descending', { $sortArray: { input: [1, 4, 6], sortBy: -1 } }, [6, 4, 1]],
    ['mixed types in BSON order', {
      $sortArray: { input: [20, 4, { a: 'Free' }, 6, 21, 5, 'Gratis', { a: null }, { a: { sale: true, price: 19 } },
        Decimal128.fromString('10.23'), { a: 'On sale' }], sortBy: 1 },
    }, [4, 5, 6, Decimal128.fromString('10.23'), 20, 21, 'Gratis', { a: null }, { a: 'Free' }, { a: 'On sale' }, { a: { sale: true, price: 19 } }]],
    ['by a field, values without it sort first and stay in order', {
      $sortArray: { input: [20, 4, { a: 'Free' }, 6, 21, 5, 'Gratis', { a: null }, { a: { sale: true, price: 19 } },
        Decimal128.fromString('10.23'), { a: 'On sale' }], sortBy: { a: 1 } },
    }, [20, 4, 6, 21, 5, 'Gratis', { a: null }, Decimal128.fromString('10.23'), { a: 'Free' }, { a: 'On sale' }, { a: { sale: true, price: 19 } }]],
    ['documents missing the field first', { $sortArray: { input: [{ a: 1 }, { b: 2 }, { c: 3 }], sortBy: { a: 1 } } },
      [{ b: 2 }, { c: 3 }, { a: 1 }]],
    ['an empty array', { $sortArray: { input: [], sortBy: 1 } }, []],
    ['null input', { $sortArray: { input: null, sortBy: 1 } }, null],
    ['missing input', { $sortArray: { input: '$nope', sortBy: 1 } }, null],
  ];
  for (const [name, expr, expected] of cases) test(name, () => assertBson(evaluateExpression(expr, { team }), expected));

  const errors: [string, unknown, number, string][] = [
    ['not an object', { $sortArray: 1 }, 2942500, '$sortArray requires an object as an argument, found: int'],
    ['an unknown argument', { $sortArray: { input: [], sortBy: 1, k: 1 } }, 2942501, '$sortArray found an unknown argument: k'],
    ['no input', { $sortArray: { sortBy: 1 } }, 2942502, "$sortArray requires 'input' to be specified"],
    ['no sortBy', { $sortArray: { input: [] } }, 2942503, "$sortArray requires 'sortBy' to be specified"],
    ['input not an array', { $sortArray: { input: 'x', sortBy: 1 } }, 2942504,
      'The input argument to $sortArray must be an array, but was of type: string'],
    ['sortBy 2', { $sortArray: { input: [], sortBy: 2 } }, 2942506, 'The $sort element value must be either 1 or -1'],
    ['a bad sort document', { $sortArray: { input: [], sortBy: { a: 2 } } }, 15975, '$sort key ordering must be 1 (for ascending) or -1 (for descending)'],
  ];
  for (const [name, expr, code, message] of errors) test(name, () => assertCode(() => evaluateExpression(expr, {}), code, message));
});

describe('$sortArray with a collation', () => {
  test('numeric ordering', () => {
    const ev = compileExpression(
      { $sortArray: { input: ['10', '2'], sortBy: 1 } },
      { collation: parseCollation({ locale: 'en', numericOrdering: true }) },
    );
    assertBson(ev({}), ['2', '10']);
  });
});

describe('data size operators', () => {
  const cases: [string, unknown, unknown][] = [
    ['$bsonSize of a document', { $bsonSize: { a: i(1) } }, i(12)],
    ['$bsonSize of the empty document', { $bsonSize: { $literal: {} } }, i(5)],
    ['$bsonSize of null', { $bsonSize: null }, null],
    ['$binarySize of ASCII', { $binarySize: 'Hello World!' }, i(12)],
    ['$binarySize counts UTF-8 bytes', { $binarySize: 'cafétéria' }, i(11)],
    ['$binarySize of three-byte characters', { $binarySize: '寿司' }, i(6)],
    ['$binarySize of a literal dollar string', { $binarySize: { $literal: '$€λG' } }, i(7)],
    ['$binarySize of the empty string', { $binarySize: '' }, i(0)],
    ['$binarySize of binary data', { $binarySize: new Binary(Buffer.from('OEJTfmD8twzaj/LPKLIVkA==', 'base64'), 0) }, i(16)],
    ['$binarySize of missing', { $binarySize: '$nope' }, null],
  ];
  for (const [name, expr, expected] of cases) test(name, () => assertBson(evaluateExpression(expr, {}), expected));

  const errors: [string, unknown, number, string][] = [
    ['$bsonSize of a number', { $bsonSize: i(1) }, 31393, '$bsonSize requires a document input, found: int'],
    ['$bsonSize of an array', { $bsonSize: [[1]] }, 31393, '$bsonSize requires a document input, found: array'],
    ['$binarySize of a number', { $binarySize: i(1) }, 51276, '$binarySize requires a string or BinData argument, found: int'],
    ['$bsonSize takes one argument', { $bsonSize: [{}, {}] }, 16020, 'Expression $bsonSize takes exactly 1 arguments. 2 were passed in.'],
  ];
  for (const [name, expr, code, message] of errors) test(name, () => assertCode(() => evaluateExpression(expr, {}), code, message));
});

describe('$toHashedIndexKey', () => {
  test('is the key a hashed index stores', () => {
    for (const v of ['string to hash', i(1), Long.fromNumber(1), 1.5, { a: 1 }, null]) {
      assertBson(evaluateExpression({ $toHashedIndexKey: { $literal: v } }, {}), hashedKeyValue(v));
    }
  });
  test('equal numbers of different types hash alike', () => {
    assertBson(evaluateExpression({ $toHashedIndexKey: i(5) }, {}), evaluateExpression({ $toHashedIndexKey: 5.0 }, {}));
  });
  test('a missing value hashes as null, as an index entry for a missing field does', () => {
    assertBson(evaluateExpression({ $toHashedIndexKey: '$nope' }, {}), hashedKeyValue(null));
  });
});

describe('$toUUID', () => {
  test('a UUID string becomes BinData subtype 4', () => {
    const r = evaluateExpression({ $toUUID: '123e4567-E89B-12d3-a456-426614174000' }, {});
    assert.ok(r instanceof Binary);
    assert.equal(r.sub_type, 4);
    assert.equal(Buffer.from(r.buffer).toString('hex'), '123e4567e89b12d3a456426614174000');
  });
  test('null and missing give null', () => {
    assertBson(evaluateExpression({ $toUUID: null }, {}), null);
    assertBson(evaluateExpression({ $toUUID: '$nope' }, {}), null);
  });
  test('a UUID stays as it is', () => {
    const uuid = new Binary(Buffer.alloc(16, 7), 4);
    assert.equal(evaluateExpression({ $toUUID: '$u' }, { u: uuid }), uuid);
  });
  test('a string that is no UUID is a conversion failure', () => {
    assertCode(() => evaluateExpression({ $toUUID: 'not-a-uuid' }, {}), 241);
  });
  test('a number cannot convert', () => {
    assertCode(() => evaluateExpression({ $toUUID: i(1) }, {}), 241, 'Unsupported conversion from int to binData in $convert with no onError value');
  });
  test('one argument', () => assertCode(() => evaluateExpression({ $toUUID: [1, 2] }, {}), 50723, '$toUUID requires a single argument, got 2'));
});

describe('$function without a JavaScript engine', () => {
  const body = 'function(name) { return hex_md5(name) == "15b0a220baa16331e8d80e15367677ad" }';
  test('a valid $function parses and fails when it runs, as mongod with JavaScript disabled', () => {
    assertCode(() => evaluateExpression({ $function: { body, args: ['$name'], lang: 'js' } }, { name: 'x' }), 31264,
      'Cannot run server-side javascript without the javascript engine enabled');
    assertCode(() => evaluateExpression({ $function: { body: new Code(body), args: [], lang: 'js' } }, {}), 31264);
  });
  const errors: [string, unknown, number, string][] = [
    ['not an object', { $function: 'x' }, 31260, '$function requires an object as an argument, found: string'],
    ['no body', { $function: { args: [], lang: 'js' } }, 31261, 'The body function must be specified.'],
    ['a body that is not constant', { $function: { body: '$f', args: [], lang: 'js' } }, 31432, 'The body function must be a constant expression'],
    ['a body that is not code', { $function: { body: 1, args: [], lang: 'js' } }, 31262, 'The body function must evaluate to type string or code'],
    ['no args', { $function: { body, lang: 'js' } }, 31263, 'The args field must be specified.'],
    ['no lang', { $function: { body, args: [] } }, 31418, 'The lang field must be specified.'],
    ['another language', { $function: { body, args: [], lang: 'python' } }, 31419, "Currently the only supported language specifier is 'js'."],
  ];
  for (const [name, expr, code, message] of errors) test(name, () => assertCode(() => evaluateExpression(expr, {}), code, message));
});
