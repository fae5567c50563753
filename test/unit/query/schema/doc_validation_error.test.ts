/**
 * The errInfo.details of a document failing a `$jsonSchema`, keyword by keyword, shaped as mongod's
 * doc_validation_error shapes them; the first fixture is the manual's "View Validation Rules" example.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, Double, Int32 } from 'bson';
import { jsonSchemaValidationError, parseJsonSchema } from '../../../../src/query/schema/index.js';
import type { Document } from '../../../../src/bson/index.js';

function details(schema: Document, doc: Document): Document {
  const root = parseJsonSchema(schema, { allowEncryptKeywords: true });
  assert.equal(root.matches(doc), false, 'the document must fail the schema');
  return jsonSchemaValidationError(root, doc);
}

/** The details of a schema with one property `a` holding `sub`, for a document whose `a` is `value`. */
function propertyDetails(sub: Document, value: unknown): Document[] {
  const d = details({ properties: { a: sub } }, { a: value });
  const rules = d.schemaRulesNotSatisfied as Document[];
  const properties = rules[0]!.propertiesNotSatisfied as Document[];
  return properties[0]!.details as Document[];
}

const students = {
  bsonType: 'object',
  title: 'Student Object Validation',
  required: ['address', 'major', 'name', 'year'],
  properties: {
    name: { bsonType: 'string', description: "'name' must be a string and is required" },
    year: { bsonType: 'int', minimum: 2017, maximum: 3017, description: "'year' must be an integer in [ 2017, 3017 ] and is required" },
    gpa: { bsonType: ['double'], description: "'gpa' must be a double if the field exists" },
  },
};

describe('the manual fixtures', () => {
  test('a gpa of the wrong type', () => {
    const doc = { name: 'Alice', year: new Int32(2019), major: 'History', gpa: new Int32(3), address: { city: 'NYC', street: '33rd Street' } };
    assert.deepEqual(details(students, doc), {
      operatorName: '$jsonSchema',
      title: 'Student Object Validation',
      schemaRulesNotSatisfied: [
        {
          operatorName: 'properties',
          propertiesNotSatisfied: [
            {
              propertyName: 'gpa',
              description: "'gpa' must be a double if the field exists",
              details: [
                { operatorName: 'bsonType', specifiedAs: { bsonType: ['double'] }, reason: 'type did not match', consideredValue: new Int32(3), consideredType: 'int' },
              ],
            },
          ],
        },
      ],
    });
  });

  test('missing required fields and a year out of range', () => {
    assert.deepEqual(details(students, { name: 'Bob', year: new Int32(2016), gpa: new Double(3.5) }).schemaRulesNotSatisfied, [
      {
        operatorName: 'properties',
        propertiesNotSatisfied: [
          {
            propertyName: 'year',
            description: "'year' must be an integer in [ 2017, 3017 ] and is required",
            details: [{ operatorName: 'minimum', specifiedAs: { minimum: 2017 }, reason: 'comparison failed', consideredValue: new Int32(2016) }],
          },
        ],
      },
      { operatorName: 'required', specifiedAs: { required: ['address', 'major', 'name', 'year'] }, missingProperties: ['address', 'major'] },
    ]);
  });
});

describe('each keyword', () => {
  test('a required property that is missing is reported by required only', () => {
    assert.deepEqual(details({ required: ['b', 'a'], properties: { a: { bsonType: 'int' } } }, {}).schemaRulesNotSatisfied, [
      { operatorName: 'required', specifiedAs: { required: ['b', 'a'] }, missingProperties: ['a', 'b'] },
    ]);
  });

  test('type and bsonType', () => {
    assert.deepEqual(propertyDetails({ type: 'string' }, [1]), [
      { operatorName: 'type', specifiedAs: { type: 'string' }, reason: 'type did not match', consideredValue: [1], consideredType: 'array' },
    ]);
  });

  test('a top-level type other than object', () => {
    assert.deepEqual(details({ bsonType: 'array' }, { a: 1 }), {
      operatorName: '$jsonSchema',
      specifiedAs: { $jsonSchema: { bsonType: 'array' } },
      reason: 'expression always evaluates to false',
    });
  });

  test('minimum, maximum with exclusiveMaximum, multipleOf', () => {
    assert.deepEqual(propertyDetails({ maximum: 3, exclusiveMaximum: true, multipleOf: 2 }, 3), [
      { operatorName: 'multipleOf', specifiedAs: { multipleOf: 2 }, reason: 'considered value is not a multiple of the specified value', consideredValue: 3 },
      { operatorName: 'maximum', specifiedAs: { maximum: 3, exclusiveMaximum: true }, reason: 'comparison failed', consideredValue: 3 },
    ]);
  });

  test('pattern, minLength and maxLength', () => {
    assert.deepEqual(propertyDetails({ pattern: '^x', minLength: 3, maxLength: 1 }, 'yy'), [
      { operatorName: 'pattern', specifiedAs: { pattern: '^x' }, reason: 'regular expression did not match', consideredValue: 'yy' },
      { operatorName: 'maxLength', specifiedAs: { maxLength: 1 }, reason: 'specified string length was not satisfied', consideredValue: 'yy' },
      { operatorName: 'minLength', specifiedAs: { minLength: 3 }, reason: 'specified string length was not satisfied', consideredValue: 'yy' },
    ]);
  });

  test('a keyword of another type than the value reports nothing; the type reports last', () => {
    assert.deepEqual(propertyDetails({ bsonType: ['int', 'string'], minimum: 5, minLength: 2 }, 1.5), [
      { operatorName: 'minimum', specifiedAs: { minimum: 5 }, reason: 'comparison failed', consideredValue: 1.5 },
      { operatorName: 'bsonType', specifiedAs: { bsonType: ['int', 'string'] }, reason: 'type did not match', consideredValue: 1.5, consideredType: 'double' },
    ]);
  });

  test('minItems, maxItems, uniqueItems and items', () => {
    assert.deepEqual(propertyDetails({ minItems: 4, uniqueItems: true, items: { bsonType: 'int', title: 'ints' } }, [1, 'x', 'x']), [
      { operatorName: 'minItems', specifiedAs: { minItems: 4 }, reason: 'array did not match specified length', consideredValue: [1, 'x', 'x'], numberOfItems: 3 },
      { operatorName: 'uniqueItems', specifiedAs: { uniqueItems: true }, reason: 'found a duplicate item', consideredValue: [1, 'x', 'x'], duplicatedValue: 'x' },
      {
        operatorName: 'items',
        title: 'ints',
        reason: 'At least one item did not match the sub-schema',
        itemIndex: 1,
        details: [{ operatorName: 'bsonType', specifiedAs: { bsonType: 'int' }, reason: 'type did not match', consideredValue: 'x', consideredType: 'string' }],
      },
    ]);
  });

  test('items as an array, additionalItems false and as a schema', () => {
    assert.deepEqual(propertyDetails({ items: [{ bsonType: 'int' }, { bsonType: 'string' }], additionalItems: false }, [1, 2, 3]), [
      {
        operatorName: 'items',
        details: [{ itemIndex: 1, details: [{ operatorName: 'bsonType', specifiedAs: { bsonType: 'string' }, reason: 'type did not match', consideredValue: 2, consideredType: 'int' }] }],
      },
      { operatorName: 'additionalItems', specifiedAs: { additionalItems: false }, reason: 'found additional items', additionalItems: [3] },
    ]);
    assert.deepEqual(propertyDetails({ items: [{}], additionalItems: { bsonType: 'string' } }, [1, 'x', 2]), [
      {
        operatorName: 'additionalItems',
        reason: 'At least one additional item did not match the sub-schema',
        itemIndex: 2,
        details: [{ operatorName: 'bsonType', specifiedAs: { bsonType: 'string' }, reason: 'type did not match', consideredValue: 2, consideredType: 'int' }],
      },
    ]);
  });

  test('enum', () => {
    assert.deepEqual(propertyDetails({ enum: [1, 2] }, 3), [
      { operatorName: 'enum', specifiedAs: { enum: [1, 2] }, reason: 'value was not found in enum', consideredValue: 3 },
    ]);
    assert.deepEqual(details({ enum: [1, 2] }, { a: 1 }).schemaRulesNotSatisfied, [
      { operatorName: 'enum', specifiedAs: { enum: [1, 2] }, reason: 'expression always evaluates to false' },
    ]);
    assert.deepEqual(details({ enum: [{ a: 2 }] }, { a: 1 }).schemaRulesNotSatisfied, [
      { operatorName: 'enum', specifiedAs: { enum: [{ a: 2 }] }, reason: 'value was not found in enum', consideredValue: { a: 1 } },
    ]);
  });

  test('nested properties', () => {
    const d = details({ properties: { a: { bsonType: 'object', required: ['b'], properties: { c: { minimum: 1, description: 'c' } } } } }, { a: { c: 0 } });
    assert.deepEqual(d.schemaRulesNotSatisfied, [
      {
        operatorName: 'properties',
        propertiesNotSatisfied: [
          {
            propertyName: 'a',
            details: [
              {
                operatorName: 'properties',
                propertiesNotSatisfied: [{ propertyName: 'c', description: 'c', details: [{ operatorName: 'minimum', specifiedAs: { minimum: 1 }, reason: 'comparison failed', consideredValue: 0 }] }],
              },
              { operatorName: 'required', specifiedAs: { required: ['b'] }, missingProperties: ['b'] },
            ],
          },
        ],
      },
    ]);
  });

  test('additionalProperties false and patternProperties', () => {
    const d = details({ properties: { _id: {} }, additionalProperties: false, patternProperties: { '^x': { bsonType: 'string', title: 'xs' } } }, { _id: 1, b: 2, xa: 3 });
    assert.deepEqual(d.schemaRulesNotSatisfied, [
      { operatorName: 'additionalProperties', specifiedAs: { additionalProperties: false }, additionalProperties: ['b'] },
      {
        operatorName: 'patternProperties',
        details: [
          { propertyName: 'xa', title: 'xs', regexMatched: '^x', details: [{ operatorName: 'bsonType', specifiedAs: { bsonType: 'string' }, reason: 'type did not match', consideredValue: 3, consideredType: 'int' }] },
        ],
      },
    ]);
  });

  test('additionalProperties as a schema', () => {
    const d = details({ properties: { _id: {} }, additionalProperties: { bsonType: 'string', description: 'strings' } }, { _id: 1, a: 'x', b: 2 });
    assert.deepEqual(d.schemaRulesNotSatisfied, [
      {
        operatorName: 'additionalProperties',
        description: 'strings',
        reason: 'at least one additional property did not match the subschema',
        failingProperty: 'b',
        details: [{ operatorName: 'bsonType', specifiedAs: { bsonType: 'string' }, reason: 'type did not match', consideredValue: 2, consideredType: 'int' }],
      },
    ]);
  });

  test('minProperties and maxProperties', () => {
    assert.deepEqual(details({ minProperties: 3, maxProperties: 0 }, { a: 1 }).schemaRulesNotSatisfied, [
      { operatorName: 'minProperties', specifiedAs: { minProperties: 3 }, reason: 'specified number of properties was not satisfied', numberOfProperties: 1 },
      { operatorName: 'maxProperties', specifiedAs: { maxProperties: 0 }, reason: 'specified number of properties was not satisfied', numberOfProperties: 1 },
    ]);
  });

  test('dependencies of both forms', () => {
    assert.deepEqual(details({ dependencies: { a: ['b', 'c'], d: { required: ['e'] } } }, { a: 1, d: 1 }).schemaRulesNotSatisfied, [
      {
        operatorName: 'dependencies',
        failingDependencies: [
          { conditionalProperty: 'a', missingProperties: ['b', 'c'] },
          { conditionalProperty: 'd', details: [{ operatorName: 'required', specifiedAs: { required: ['e'] }, missingProperties: ['e'] }] },
        ],
      },
    ]);
  });

  test('allOf, anyOf, oneOf and not', () => {
    const schema = {
      allOf: [{ minProperties: 1 }, { minProperties: 5, title: 'five' }],
      anyOf: [{ required: ['x'], description: 'has x' }],
      oneOf: [{ required: ['a'] }, { required: ['b'] }],
      not: { required: ['_id'] },
    };
    assert.deepEqual(details(schema, { _id: 1, a: 1, b: 1 }).schemaRulesNotSatisfied, [
      {
        operatorName: 'allOf',
        schemasNotSatisfied: [
          { index: 1, title: 'five', details: [{ operatorName: 'minProperties', specifiedAs: { minProperties: 5 }, reason: 'specified number of properties was not satisfied', numberOfProperties: 3 }] },
        ],
      },
      {
        operatorName: 'anyOf',
        schemasNotSatisfied: [{ index: 0, description: 'has x', details: [{ operatorName: 'required', specifiedAs: { required: ['x'] }, missingProperties: ['x'] }] }],
      },
      { operatorName: 'oneOf', reason: 'more than one subschema matched', matchingSchemaIndexes: [0, 1] },
      { operatorName: 'not', reason: 'child expression matched' },
    ]);
    assert.deepEqual(details({ oneOf: [{ required: ['a'] }, { required: ['b'] }] }, {}).schemaRulesNotSatisfied, [
      {
        operatorName: 'oneOf',
        schemasNotSatisfied: [
          { index: 0, details: [{ operatorName: 'required', specifiedAs: { required: ['a'] }, missingProperties: ['a'] }] },
          { index: 1, details: [{ operatorName: 'required', specifiedAs: { required: ['b'] }, missingProperties: ['b'] }] },
        ],
      },
    ]);
  });

  test('encrypt', () => {
    assert.deepEqual(propertyDetails({ encrypt: { bsonType: 'string' } }, 1), [{ operatorName: 'encrypt', reason: 'value was not encrypted' }]);
    const wrongType = new Binary(Buffer.from([1, ...new Array(16).fill(0), 16, 0]), 6);
    assert.deepEqual(propertyDetails({ encrypt: { bsonType: 'string' } }, wrongType), [{ operatorName: 'encrypt', reason: 'encrypted value has wrong type' }]);
  });

  test('the title and description of the schema itself', () => {
    assert.deepEqual(details({ title: 't', description: 'd', required: ['a'] }, {}), {
      operatorName: '$jsonSchema',
      title: 't',
      description: 'd',
      schemaRulesNotSatisfied: [{ operatorName: 'required', specifiedAs: { required: ['a'] }, missingProperties: ['a'] }],
    });
  });
});
