/**
 * Invalid schemas are refused when the filter is compiled, with mongod's code and message.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter } from '../../../../src/query/filter/index.js';
import { MongoServerError } from '../../../../src/errors/index.js';
import type { Document } from '../../../../src/bson/index.js';
import { show } from '../filter/show.js';

type ErrorCase = [schema: unknown, code: number, message: string | RegExp];

const cases: ErrorCase[] = [
  [5, 14, '$jsonSchema must be an object'],
  [{ foo: 1 }, 9, 'Unknown $jsonSchema keyword: foo'],
  ...['$ref', '$schema', 'default', 'definitions', 'format', 'id'].map(
    (k): ErrorCase => [{ [k]: 'x' }, 9, `$jsonSchema keyword '${k}' is not currently supported`],
  ),
  [{ properties: { a: { type: 'integer' } } }, 9, "$jsonSchema type 'integer' is not currently supported."],
  [{ bsonType: ['object', 'integer'] }, 9, "$jsonSchema type 'integer' is not currently supported."],
  [{ type: 'int' }, 2, 'Unknown type name alias: int'],
  [{ bsonType: 'foo' }, 2, 'Unknown type name alias: foo'],
  [{ bsonType: 1 }, 14, "$jsonSchema keyword 'bsonType' must be either a string or an array of strings"],
  [{ type: [1] }, 14, "$jsonSchema keyword 'type' array elements must be strings"],
  [{ type: ['string', 'string'] }, 9, "$jsonSchema keyword 'type' has duplicate value: string"],
  [{ type: [] }, 9, "$jsonSchema keyword 'type' must name at least one type"],
  [{ type: 'object', bsonType: 'object' }, 9, "Cannot specify both $jsonSchema keywords 'type' and 'bsonType'"],
  [{ title: 1 }, 14, "$jsonSchema keyword 'title' must be of type string"],
  [{ description: {} }, 14, "$jsonSchema keyword 'description' must be of type string"],
  [{ properties: 1 }, 14, "$jsonSchema keyword 'properties' must be an object"],
  [{ properties: { a: 1 } }, 14, "Nested schema for $jsonSchema property 'a' must be an object"],
  [{ required: 'a' }, 14, "$jsonSchema keyword 'required' must be an array, but found an element of type string"],
  [{ required: [1] }, 14, "$jsonSchema keyword 'required' must be an array of strings, but found an element of type: int"],
  [{ required: ['a', 'a'] }, 9, "$jsonSchema keyword 'required' array cannot contain duplicate values"],
  [{ required: [] }, 9, "$jsonSchema keyword 'required' cannot be an empty array"],
  [{ minimum: 'a' }, 14, "$jsonSchema keyword 'minimum' must be a number"],
  [{ maximum: null }, 14, "$jsonSchema keyword 'maximum' must be a number"],
  [{ exclusiveMaximum: true }, 9, "$jsonSchema keyword 'maximum' must be a present if exclusiveMaximum is present"],
  [{ minimum: 1, exclusiveMinimum: 1 }, 14, "$jsonSchema keyword 'exclusiveMinimum' must be a boolean"],
  [{ multipleOf: 'a' }, 14, "$jsonSchema keyword 'multipleOf' must be a number"],
  [{ multipleOf: 0 }, 9, "$jsonSchema keyword 'multipleOf' must have a positive value"],
  [{ multipleOf: -2 }, 9, "$jsonSchema keyword 'multipleOf' must have a positive value"],
  [{ minLength: -1 }, 9, 'Expected a non-negative number in: minLength: -1'],
  [{ maxItems: 1.5 }, 9, 'Expected an integer: maxItems: 1.5'],
  [{ minProperties: 'x' }, 9, 'Expected a number in: minProperties: "x"'],
  [{ pattern: 1 }, 14, "$jsonSchema keyword 'pattern' must be a string"],
  [{ properties: { a: { pattern: '(' } } }, 51091, /^Regular expression is invalid/],
  [{ enum: 1 }, 14, "$jsonSchema keyword 'enum' must be an array, but found an element of type int"],
  [{ enum: [] }, 9, "$jsonSchema keyword 'enum' cannot be an empty array"],
  [{ enum: [{ a: 1, b: 2 }, { b: 2, a: 1 }] }, 9, "$jsonSchema keyword 'enum' array cannot contain duplicate values."],
  [{ allOf: {} }, 14, "$jsonSchema keyword 'allOf' must be an array"],
  [{ anyOf: [] }, 2, "$jsonSchema keyword 'anyOf' must be a non-empty array"],
  [{ oneOf: [1] }, 14, "$jsonSchema keyword 'oneOf' must be an array of objects, but found an element of type int"],
  [{ not: [] }, 14, "$jsonSchema keyword 'not' must be an object, but found an element of type array"],
  [{ items: 1 }, 14, "$jsonSchema keyword 'items' must be an array or an object, not int"],
  [{ items: [1] }, 14, "$jsonSchema keyword 'items' requires that each element of the array is an object, but found a int"],
  [{ additionalItems: 1 }, 14, "$jsonSchema keyword 'additionalItems' must be either an object or a boolean, but got a int"],
  [{ uniqueItems: 1 }, 14, "$jsonSchema keyword 'uniqueItems' must be a boolean"],
  [{ additionalProperties: 1 }, 14, "$jsonSchema keyword 'additionalProperties' must be an object or a boolean"],
  [{ patternProperties: 1 }, 14, "$jsonSchema keyword 'patternProperties' must be an object"],
  [{ patternProperties: { x: 1 } }, 14, "$jsonSchema keyword 'patternProperties' has property 'x' which is not an object"],
  [{ dependencies: 1 }, 14, "$jsonSchema keyword 'dependencies' must be an object"],
  [{ dependencies: { a: 1 } }, 14, "property 'a' in $jsonSchema keyword 'dependencies' must be either an object or an array"],
  [{ dependencies: { a: [] } }, 9, "property 'a' in $jsonSchema keyword 'dependencies' cannot be an empty array"],
  [{ dependencies: { a: [1] } }, 14, "array 'a' in $jsonSchema keyword 'dependencies' can only contain strings, but found element of type: int"],
  [{ dependencies: { a: ['b', 'b'] } }, 9, "array 'a' in $jsonSchema keyword 'dependencies' contains duplicate element: b"],
  [{ properties: { a: { encrypt: {} } } }, 224, 'Encryption-related validator keywords are not allowed in this context'],
  [{ encryptMetadata: {} }, 224, 'Encryption-related validator keywords are not allowed in this context'],
  // Nested schemas are checked as deeply as they go.
  [{ properties: { a: { items: { anyOf: [{ bsonType: 'nope' }] } } } }, 2, 'Unknown type name alias: nope'],
];

const validatorCases: ErrorCase[] = [
  [{ encrypt: {}, encryptMetadata: { keyId: '/k' } }, 9, "Cannot specify both $jsonSchema keywords 'encrypt' and 'encryptMetadata'"],
  [{ properties: { a: { encrypt: {}, bsonType: 'int' } } }, 9, "$jsonSchema keyword 'encrypt' cannot be used in conjunction with 'bsonType', 'encrypt' implies type 'bsonType::BinData'"],
  [{ properties: { a: { encrypt: 1 } } }, 14, "$jsonSchema keyword 'encrypt' must be an object "],
  [{ properties: { a: { encrypt: { foo: 1 } } } }, 40415, "BSON field 'encrypt.foo' is an unknown field."],
  [{ properties: { a: { encrypt: { algorithm: 'x' } } } }, 2, "Enumeration value 'x' for field 'encrypt.algorithm' is not a valid value."],
  [{ encryptMetadata: [] }, 14, "$jsonSchema keyword 'encryptMetadata' must be an object "],
  [{ encryptMetadata: {} }, 9, "$jsonSchema keyword 'encryptMetadata' cannot be an empty object "],
];

function expectError(schema: unknown, code: number, message: string | RegExp, allowEncryptKeywords: boolean): void {
  assert.throws(
    () => compileFilter({ $jsonSchema: schema } as Document, { allowEncryptKeywords }),
    (err: unknown) => {
      assert.ok(err instanceof MongoServerError, `not a MongoServerError: ${String(err)}`);
      assert.equal(err.code, code, err.message);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

describe('$jsonSchema parse errors', () => {
  for (const [schema, code, message] of cases) test(`${show(schema)} -> ${code}`, () => expectError(schema, code, message, false));
});

test('where the caller bans it ($pull, arrayFilters, the $elemMatch projection) it is QueryFeatureNotAllowed', () => {
  assert.throws(
    () => compileFilter({ a: { $elemMatch: { $jsonSchema: {} } } }, { allowJsonSchema: false }),
    (err: unknown) => err instanceof MongoServerError && err.code === 224 && err.message === '$jsonSchema is not allowed in this context',
  );
});

describe('$jsonSchema parse errors of the encryption keywords (validators)', () => {
  for (const [schema, code, message] of validatorCases) test(`${show(schema)} -> ${code}`, () => expectError(schema, code, message, true));
});
