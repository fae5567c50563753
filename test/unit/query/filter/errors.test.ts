/**
 * Invalid filters are refused when compiled, with mongod's code, codeName and message.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, BSONRegExp, Decimal128 } from 'bson';
import { compileFilter, type MatchOptions } from '../../../../src/query/filter/index.js';
import { MongoServerError } from '../../../../src/errors/index.js';
import type { Document } from '../../../../src/bson/index.js';
import { show } from './show.js';

/** filter, code, message (exact string, or a RegExp the message must match), options. */
type ErrorCase = [filter: unknown, code: number, message: string | RegExp, options?: MatchOptions];

const evaluateExpr = () => true;

const cases: Record<string, ErrorCase[]> = {
  'unknown operators': [
    [
      { $foo: 1 },
      2,
      "unknown top level operator: $foo. If you have a field name that starts with a '$' symbol, consider using $getField or $setField.",
    ],
    [{ $not: { a: 1 } }, 2, 'unknown top level operator: $not. If you are trying to negate an entire expression, use $nor.'],
    [{ $size: 2 }, 2, /^unknown top level operator: \$size\. /],
    [{ a: { $foo: 1 } }, 2, 'unknown operator: $foo'],
    [{ a: { $gt: 1, b: 1 } }, 2, 'unknown operator: b'],
    [{ a: { $exists: true, $and: [] } }, 2, 'unknown operator: $and'],
    [{ a: { $elemMatch: { $gt: 1, b: 1 } } }, 2, 'unknown operator: b'],
    [{ a: { $elemMatch: { b: 1, $foo: 1 } } }, 2, /^unknown top level operator: \$foo\./],
    [{ a: { $where: 'x' } }, 2, '$where cannot be applied to a field'],
  ],
  'the filter itself': [
    [5, 14, "BSON field 'filter' is the wrong type 'int', expected type 'object'"],
    [[], 14, /wrong type 'array'/],
    [null, 14, /wrong type 'null'/],
    ['x', 14, /wrong type 'string'/],
  ],
  '$and, $or, $nor': [
    [{ $and: [] }, 2, '$and/$or/$nor must be a nonempty array'],
    [{ $or: [] }, 2, '$and/$or/$nor must be a nonempty array'],
    [{ $nor: [] }, 2, '$and/$or/$nor must be a nonempty array'],
    [{ $and: {} }, 2, '$and must be an array'],
    [{ $or: 1 }, 2, '$or must be an array'],
    [{ $or: [1] }, 2, '$or/$and/$nor entries need to be full objects'],
    [{ $and: [{ a: 1 }, []] }, 2, '$or/$and/$nor entries need to be full objects'],
    [{ $or: [{ $foo: 1 }] }, 2, /^unknown top level operator: \$foo/],
  ],
  'comparisons': [
    [{ a: { $ne: /x/ } }, 2, "Can't have regex as arg to $ne."],
    [{ a: { $gt: /x/ } }, 2, "Can't have RegEx as arg to predicate over field 'a'."],
    [{ 'a.b': { $lte: /x/ } }, 2, "Can't have RegEx as arg to predicate over field 'a.b'."],
  ],
  '$in and $nin': [
    [{ a: { $in: 1 } }, 2, '$in needs an array'],
    [{ a: { $in: { 0: 1 } } }, 2, '$in needs an array'],
    [{ a: { $nin: 'x' } }, 2, '$nin needs an array'],
    [{ a: { $in: [{ $gt: 1 }] } }, 2, 'cannot nest $ under $in'],
    [{ a: { $nin: [1, { $exists: true }] } }, 2, 'cannot nest $ under $in'],
  ],
  '$size': [
    [{ a: { $size: 'x' } }, 2, 'Failed to parse $size. Expected a number in: $size: "x"'],
    [{ a: { $size: null } }, 2, 'Failed to parse $size. Expected a number in: $size: null'],
    [{ a: { $size: { $gte: 3 } } }, 2, 'Failed to parse $size. Expected a number in: $size: { $gte: 3 }'],
    [{ a: { $size: -1 } }, 2, 'Failed to parse $size. Expected a non-negative number in: $size: -1'],
    [{ a: { $size: 1.5 } }, 2, 'Failed to parse $size. Expected an integer: $size: 1.5'],
    [{ a: { $size: NaN } }, 2, 'Failed to parse $size. Expected an integer, but found NaN in: $size: nan.0'],
    [{ a: { $size: Infinity } }, 2, 'Failed to parse $size. Cannot represent as a 64-bit integer: $size: inf.0'],
    [{ a: { $size: 2 ** 40 } }, 2, /^Failed to parse \$size\. Cannot represent \$size: 1099511627776\.0 in an int/],
    [{ a: { $size: Decimal128.fromString('1.5') } }, 2, /^Failed to parse \$size\. Cannot represent as a 64-bit integer/],
  ],
  '$mod': [
    [{ a: { $mod: 1 } }, 2, 'malformed mod, needs to be an array'],
    [{ a: { $mod: [] } }, 2, 'malformed mod, not enough elements'],
    [{ a: { $mod: [1] } }, 2, 'malformed mod, not enough elements'],
    [{ a: { $mod: [1, 2, 3] } }, 2, 'malformed mod, too many elements'],
    [{ a: { $mod: ['x', 1] } }, 2, 'malformed mod, divisor not a number'],
    [{ a: { $mod: [1, 'x'] } }, 2, 'malformed mod, remainder not a number'],
    [{ a: { $mod: [0, 1] } }, 2, 'divisor cannot be 0'],
    [{ a: { $mod: [0.5, 1] } }, 2, 'divisor cannot be 0'],
    [
      { a: { $mod: [NaN, 1] } },
      2,
      'malformed mod, divisor value is invalid :: caused by :: Unable to coerce NaN/Inf to integral type',
    ],
    [
      { a: { $mod: [1, Infinity] } },
      2,
      'malformed mod, remainder value is invalid :: caused by :: Unable to coerce NaN/Inf to integral type',
    ],
    [
      { a: { $mod: [1e30, 1] } },
      2,
      'malformed mod, divisor value is invalid :: caused by :: Out of bounds coercing to integral value',
    ],
  ],
  '$regex': [
    [{ a: { $regex: 'x', $options: 'z' } }, 51108, ' invalid flag in regex options: z'],
    [{ a: { $regex: 'x', $options: 'g' } }, 51108, ' invalid flag in regex options: g'],
    [{ a: { $regex: 1 } }, 2, '$regex has to be a string'],
    [{ a: { $regex: null } }, 2, '$regex has to be a string'],
    [{ a: { $options: 'i' } }, 2, '$options needs a $regex'],
    [{ a: { $regex: 'x', $options: 1 } }, 2, '$options has to be a string'],
    [{ a: { $regex: /x/i, $options: 'm' } }, 51075, 'options set in both $regex and $options'],
    [{ a: { $options: 'm', $regex: /x/i } }, 51074, 'options set in both $regex and $options'],
    [{ a: { $regex: '(' } }, 51091, /^Regular expression is invalid: /],
    [{ a: { $regex: 'a\0b' } }, 2, 'Regular expression cannot contain an embedded null byte'],
    [{ a: { $regex: 'a\0b', $options: 'q' } }, 51108, ' invalid flag in regex options: q'],
    [{ a: { $regex: '(a)\\1' } }, 51091, /^Regular expression is invalid: a backreference \(\\1\) is not supported: eddydb matches regular expressions in linear time$/],
    [{ a: { $regex: 'a(?=b)' } }, 51091, /lookahead assertion .* not supported: eddydb matches regular expressions in linear time$/],
    [{ a: /(?<!b)a/ }, 51091, /lookbehind assertion .* not supported/],
    [{ a: { $in: [new BSONRegExp('a++')] } }, 51091, /possessive quantifier .* not supported/],
    [{ a: { $in: ['x', { $regex: 'y' }] } }, 2, 'cannot nest $ under $in'],
  ],
  '$type': [
    [{ a: { $type: 'foo' } }, 2, 'Unknown type name alias: foo'],
    [{ a: { $type: 'String' } }, 2, 'Unknown type name alias: String'],
    [{ a: { $type: ['string', 'foo'] } }, 2, 'Unknown type name alias: foo'],
    [
      { a: { $type: 'missing' } },
      2,
      "'missing' is not a legal type name. To query for non-existence of a field, use {$exists:false}.",
    ],
    [{ a: { $type: 0 } }, 2, 'Invalid numerical type code: 0. Instead use {$exists:false}.'],
    [{ a: { $type: 99 } }, 2, 'Invalid numerical type code: 99'],
    [{ a: { $type: 1.5 } }, 2, 'Invalid numerical type code: 1.5'],
    [{ a: { $type: true } }, 14, 'type must be represented as a number or a string'],
    [{ a: { $type: {} } }, 14, 'type must be represented as a number or a string'],
    [{ a: { $type: null } }, 14, 'type must be represented as a number or a string'],
    [{ a: { $type: [] } }, 9, 'a must match at least one type'],
    [{ 'x.y': { $type: [] } }, 9, 'x.y must match at least one type'],
  ],
  '$not': [
    [{ a: { $not: 1 } }, 2, '$not needs a regex or a document'],
    [{ a: { $not: 'x' } }, 2, '$not needs a regex or a document'],
    [{ a: { $not: {} } }, 2, '$not cannot be empty'],
    [{ a: { $not: { b: 1 } } }, 2, 'unknown operator: b'],
  ],
  '$exists, $elemMatch, $all': [
    [{ a: { $elemMatch: 1 } }, 2, '$elemMatch needs an Object'],
    [{ a: { $elemMatch: [] } }, 2, '$elemMatch needs an Object'],
    [{ a: { $all: 1 } }, 2, '$all needs an array'],
    [{ a: { $all: [{ $elemMatch: { b: 1 } }, 1] } }, 2, '$all/$elemMatch has to be consistent'],
    [{ a: { $all: [{ $elemMatch: { b: 1 } }, { b: 1 }] } }, 2, '$all/$elemMatch has to be consistent'],
    [{ a: { $all: [1, { $gt: 1 }] } }, 2, 'no $ expressions in $all'],
    [{ a: { $all: [{ $elemMatch: 1 }] } }, 2, '$elemMatch needs an Object'],
  ],
  'bit tests': [
    [
      { a: { $bitsAllSet: 'x' } },
      2,
      'a takes an Array, a number, or a BinData but received: $bitsAllSet: "x"',
    ],
    [{ a: { $bitsAnySet: [-1] } }, 2, 'Failed to parse bit position. Expected a non-negative number in: 0: -1'],
    [{ a: { $bitsAnySet: [0, 1.5] } }, 2, 'Failed to parse bit position. Expected an integer: 1: 1.5'],
    [{ a: { $bitsAllClear: -1 } }, 9, 'Expected a non-negative number in: $bitsAllClear: -1'],
    [{ a: { $bitsAllClear: 0.5 } }, 9, 'Expected an integer: $bitsAllClear: 0.5'],
  ],
  'top-level only and special operators': [
    [{ $alwaysTrue: 2 }, 9, '$alwaysTrue must be an integer value of 1'],
    [{ $alwaysFalse: 'x' }, 9, 'Expected a number in: $alwaysFalse: "x"'],
    [{ $sampleRate: 2 }, 2, 'numeric argument to $sampleRate must be in [0, 1]'],
    [{ $sampleRate: NaN }, 2, 'numeric argument to $sampleRate must be in [0, 1]'],
    [{ $sampleRate: 'x' }, 2, 'argument to $sampleRate must be a numeric type'],
    [{ a: { $elemMatch: { $sampleRate: 0.5 } } }, 2, '$sampleRate can only be applied to the top-level document'],
    [{ $expr: { $eq: ['$a', 1] } }, 224, /^\$expr is not allowed in this context/],
    [{ $and: [{ $expr: true }] }, 224, /^\$expr is not allowed in this context/],
    [
      { a: { $elemMatch: { $expr: { $eq: ['$b', 1] } } } },
      2,
      '$expr can only be applied to the top-level document',
      { evaluateExpr },
    ],
  ],
  'operators eddydb does not support': [
    [{ $where: 'this.a == 1' }, 2, /^\$where is not supported by eddydb/],
    [{ a: { $_internalSchemaMinItems: 1 } }, 2, /^\$_internalSchemaMinItems is not supported by eddydb/],
  ],
  'geo operands': [
    [{ a: { $geoIntersects: {} } }, 2, "geo query doesn't have any geometry"],
    [{ a: { $within: {} } }, 2, "geo query doesn't have any geometry"],
    [{ a: { $geoWithin: 5 } }, 2, 'geometry must be an object'],
    [{ a: { $geoWithin: { $box: [[0, 0], ['x', 1]] } } }, 2, 'Point must only contain numeric elements, instead got type string'],
    [{ a: { $near: { $geometry: { type: 'Point', coordinates: [0, 0] } }, $maxDistance: 1 } }, 2, /^geo near accepts just one argument when querying for a GeoJSON point/],
    [{ a: { $near: {} } }, 2, '$geometry is required for geo near query'],
  ],
};

for (const [group, list] of Object.entries(cases)) {
  describe(group, () => {
    for (const [filter, code, message, options] of list) {
      test(`${show(filter)} -> ${code}`, () => {
        assert.throws(
          () => compileFilter(filter as Document, options),
          (err: unknown) => {
            assert.ok(err instanceof MongoServerError, `not a MongoServerError: ${String(err)}`);
            assert.equal(err.code, code);
            if (typeof message === 'string') assert.equal(err.message, message);
            else assert.match(err.message, message);
            return true;
          },
        );
      });
    }
  });
}

test('codeNames follow the code table', () => {
  const codeName = (filter: Document) => {
    try {
      compileFilter(filter);
    } catch (err) {
      return (err as MongoServerError).codeName;
    }
    return 'none';
  };
  assert.equal(codeName({ $foo: 1 }), 'BadValue');
  assert.equal(codeName({ a: { $type: true } }), 'TypeMismatch');
  assert.equal(codeName({ a: { $type: [] } }), 'FailedToParse');
  assert.equal(codeName({ a: { $regex: 'x', $options: 'q' } }), 'Location51108');
  assert.equal(codeName({ $jsonSchema: 1 }), 'TypeMismatch');
  assert.equal(codeName({ $jsonSchema: { encrypt: {} } }), 'QueryFeatureNotAllowed');
});

test('valid operands that look odd are accepted', () => {
  for (const filter of [
    { a: { $bitsAllSet: new Binary(Buffer.from([])) } },
    { a: { $type: [2, 'number', 16.0] } },
    { a: { $size: Decimal128.fromString('3') } },
    { a: { $mod: [Decimal128.fromString('2.9'), -1.5] } },
    { a: { $in: [{ $ref: 'c', $id: 1 }] } },
    { a: { $regex: 'x', $options: 'imsxu' } },
    { a: { $not: { $not: /x/ } } },
    { a: { $elemMatch: { $comment: 'x' } } },
    { $comment: { any: ['thing'] } },
  ] as Document[]) {
    assert.doesNotThrow(() => compileFilter(filter), show(filter));
  }
});
