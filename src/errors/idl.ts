import { ErrorCodes } from './codes.js';
import { MongoServerError } from './command_error.js';

/**
 * The errors mongod's IDL parsers raise for command arguments and stage specifications, worded as idl_parser.cpp
 * words them so that clients matching on errmsg see the same text. `path` is the dotted path IDL reports: the
 * command or stage, then each field down to the offending one (`'$merge.into.coll'`, `'bulkWrite.ops.0.filter'`).
 */

/** IDLUnknownField (40415): a field the specification does not define. */
export function unknownFieldError(path: string): MongoServerError {
  return new MongoServerError(ErrorCodes.IDLUnknownField, `BSON field '${path}' is an unknown field.`);
}

/** IDLFailedToParse (40414): a required field that is absent. */
export function missingFieldError(path: string): MongoServerError {
  return new MongoServerError(ErrorCodes.IDLFailedToParse, `BSON field '${path}' is missing but a required field`);
}

/**
 * TypeMismatch (14): a field of another BSON type. `actualType` and `expected` are type names as mongod's typeName
 * prints them ('int', 'object', ...); several expected types read `expected types '[string, object]'`.
 */
export function wrongTypeError(path: string, actualType: string, expected: string | readonly string[]): MongoServerError {
  const wanted = typeof expected === 'string' ? `type '${expected}'` : `types '[${expected.join(', ')}]'`;
  return new MongoServerError(ErrorCodes.TypeMismatch, `BSON field '${path}' is the wrong type '${actualType}', expected ${wanted}`);
}

/** BadValue (2): a string that is not one of an enumeration's values. */
export function badEnumValueError(path: string, value: string): MongoServerError {
  return new MongoServerError(ErrorCodes.BadValue, `Enumeration value '${value}' for field '${path}' is not a valid value.`);
}

/**
 * A value outside a field's validator range (`requirement` like '>= 0'). IDL's generated validators raise 51024;
 * a few hand-written checks word theirs the same with another code.
 */
export function validatorError(path: string, requirement: string, actual: unknown, code = 51024): MongoServerError {
  return new MongoServerError(code, `BSON field '${path}' value must be ${requirement}, actual value '${String(actual)}'`);
}

/** mongod's names of the BinData subtypes (typeName(BinDataType)), as IDL prints them. */
const BIN_DATA_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'general',
  1: 'function',
  2: 'binary(old)',
  3: 'UUID(old)',
  4: 'UUID',
  5: 'MD5',
  6: 'encrypt',
  7: 'column',
  8: 'sensitive',
  9: 'vector',
  128: 'user',
};

function binDataTypeName(subtype: number): string {
  return BIN_DATA_TYPE_NAMES[subtype] ?? 'invalid';
}

/** TypeMismatch (14): a BinData field of another subtype (a UUID field given generic bytes, say). */
export function wrongBinDataTypeError(path: string, actualSubtype: number, expectedSubtype: number): MongoServerError {
  return new MongoServerError(
    ErrorCodes.TypeMismatch,
    `BSON field '${path}' is the wrong binData type '${binDataTypeName(actualSubtype)}', expected type '${binDataTypeName(expectedSubtype)}'`,
  );
}
