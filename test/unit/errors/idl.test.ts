import { test } from 'node:test';
import assert from 'node:assert/strict';
import { badEnumValueError, missingFieldError, unknownFieldError, validatorError, wrongTypeError } from '../../../src/errors/index.js';

// The texts are idl_parser.cpp's; clients and spec tests match on them.
test('IDL errors: codes, codeNames and messages as mongod words them', () => {
  const cases: [Error & { code?: number; codeName?: string }, number, string, string][] = [
    [unknownFieldError('$out.bogus'), 40415, 'IDLUnknownField', "BSON field '$out.bogus' is an unknown field."],
    [missingFieldError('insert.documents'), 40414, 'IDLFailedToParse', "BSON field 'insert.documents' is missing but a required field"],
    [wrongTypeError('find.filter', 'string', 'object'), 14, 'TypeMismatch', "BSON field 'find.filter' is the wrong type 'string', expected type 'object'"],
    [wrongTypeError('$merge.into', 'int', ['string', 'object']), 14, 'TypeMismatch', "BSON field '$merge.into' is the wrong type 'int', expected types '[string, object]'"],
    [badEnumValueError('$changeStream.fullDocument', 'x'), 2, 'BadValue', "Enumeration value 'x' for field '$changeStream.fullDocument' is not a valid value."],
    [validatorError('limit', '>= 0', -1), 51024, 'Location51024', "BSON field 'limit' value must be >= 0, actual value '-1'"],
    [validatorError('skip', '>= 0', -2, 2), 2, 'BadValue', "BSON field 'skip' value must be >= 0, actual value '-2'"],
  ];
  for (const [err, code, codeName, message] of cases) {
    assert.equal(err.code, code, message);
    assert.equal(err.codeName, codeName, message);
    assert.equal(err.message, message);
  }
});
