import { parseAll } from './all.js';
import { parseAlwaysBoolean, parseSampleRate } from './always_boolean.js';
import { parseBitsAllClear, parseBitsAllSet, parseBitsAnyClear, parseBitsAnySet } from './bits.js';
import { parseGt, parseGte, parseLt, parseLte } from './comparison.js';
import { parseElemMatch } from './elemMatch.js';
import { parseDbRefField, parseEq, parseNe } from './eq.js';
import { parseExists } from './exists.js';
import { parseExpr } from './expr.js';
import { parseGeoIntersects } from './geoIntersects.js';
import { parseGeoWithin } from './geoWithin.js';
import { parseIn, parseNin } from './in.js';
import { parseJsonSchemaOperator } from './jsonSchema.js';
import { parseAnd, parseNor, parseOr } from './logical.js';
import { parseMod } from './mod.js';
import { parseNear } from './near.js';
import { parseOptions, parseRegex } from './regex.js';
import { parseSize } from './size.js';
import { parseType } from './type.js';
import type { FieldOperatorParser, TopLevelOperatorParser } from './types.js';
import { parseUnsupportedField, parseUnsupportedTopLevel } from './unsupported.js';
import { parseText } from './text.js';

/** `$comment`: accepted anywhere a top-level operator is, and adds no predicate. */
const parseComment: TopLevelOperatorParser = () => null;

/**
 * The operators that apply to a field (`{path: {<op>: value}}`; mongod's path-accepting keywords), sorted.
 * `$not` is not here: it wraps the others and is handled by the parser itself, as in mongod.
 */
export const fieldOperators: ReadonlyMap<string, FieldOperatorParser> = new Map<string, FieldOperatorParser>([
  ['$all', parseAll],
  ['$bitsAllClear', parseBitsAllClear],
  ['$bitsAllSet', parseBitsAllSet],
  ['$bitsAnyClear', parseBitsAnyClear],
  ['$bitsAnySet', parseBitsAnySet],
  ['$elemMatch', parseElemMatch],
  ['$eq', parseEq],
  ['$exists', parseExists],
  ['$geoIntersects', parseGeoIntersects],
  ['$geoNear', parseNear],
  ['$geoWithin', parseGeoWithin],
  ['$gt', parseGt],
  ['$gte', parseGte],
  ['$in', parseIn],
  ['$lt', parseLt],
  ['$lte', parseLte],
  ['$mod', parseMod],
  ['$ne', parseNe],
  ['$near', parseNear],
  ['$nearSphere', parseNear],
  ['$nin', parseNin],
  ['$options', parseOptions],
  ['$regex', parseRegex],
  ['$size', parseSize],
  ['$type', parseType],
  ['$within', parseGeoWithin],
  ...[
    '$_internalExprEq', '$_internalExprGt', '$_internalExprGte', '$_internalExprLt', '$_internalExprLte',
    '$_internalSchemaAllElemMatchFromIndex', '$_internalSchemaBinDataEncryptedType',
    '$_internalSchemaBinDataSubType', '$_internalSchemaEq', '$_internalSchemaFmod',
    '$_internalSchemaMatchArrayIndex', '$_internalSchemaMaxItems', '$_internalSchemaMaxLength',
    '$_internalSchemaMinItems', '$_internalSchemaMinLength', '$_internalSchemaObjectMatch',
    '$_internalSchemaType', '$_internalSchemaUniqueItems',
  ].map((name): [string, FieldOperatorParser] => [name, parseUnsupportedField]),
]);

/** The operators that stand in place of a field name (`{<op>: value}`; mongod's pathless operators), sorted. */
export const topLevelOperators: ReadonlyMap<string, TopLevelOperatorParser> = new Map<string, TopLevelOperatorParser>([
  ['$alwaysFalse', parseAlwaysBoolean],
  ['$alwaysTrue', parseAlwaysBoolean],
  ['$and', parseAnd],
  ['$comment', parseComment],
  ['$db', parseDbRefField],
  ['$expr', parseExpr],
  ['$id', parseDbRefField],
  ['$jsonSchema', parseJsonSchemaOperator],
  ['$nor', parseNor],
  ['$or', parseOr],
  ['$ref', parseDbRefField],
  ['$sampleRate', parseSampleRate],
  ['$text', parseText],
  ['$where', parseUnsupportedTopLevel],
  ...[
    '$_internalBucketGeoWithin', '$_internalSchemaAllowedProperties', '$_internalSchemaCond',
    '$_internalSchemaMaxProperties', '$_internalSchemaMinProperties', '$_internalSchemaRootDocEq',
    '$_internalSchemaXor',
  ].map((name): [string, TopLevelOperatorParser] => [name, parseUnsupportedTopLevel]),
]);
