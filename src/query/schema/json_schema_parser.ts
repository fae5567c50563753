import { bsonTypeOf, Decimal128, isDocument, isNumeric, toNumber, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { ComparisonNode } from '../filter/comparison.js';
import type { PathNode } from '../filter/node.js';
import { MISSING } from '../filter/types.js';
import { parseIntegerToNonNegativeLong } from '../filter/integer.js';
import { compileQueryRegex, RegexNode } from '../filter/regex.js';
import type { TypeSet } from '../filter/type.js';
import { translateEncryptionKeywords } from './encrypt.js';
import { bsonTypeAlias, jsonTypeAlias, keywordError, parseSchemaTypeSet } from './type_set.js';
import {
  AllElemMatchFromIndexNode, AllowedPropertiesNode, AlwaysNode, AndNode, annotate, ArrayItemsNode, CondNode,
  ExistsSchemaNode, FmodNode, IGNORE, IGNORE_BUT_DESCEND, MatchArrayIndexNode, NotNode, NumPropertiesNode,
  ObjectMatchNode, OrNode, PLACEHOLDER, QueryPredicateNode, RootDocEqNode, SchemaEqNode, SchemaTypeNode, StrLengthNode,
  UniqueItemsNode, unorderedEqual, valueAt, XorNode, type Bound, type PatternSchema, type SchemaNode,
} from './nodes.js';

/**
 * Translates a `$jsonSchema` (https://www.mongodb.com/docs/manual/reference/operator/query/jsonSchema/) into its
 * match tree, keyword by keyword as mongod's JSON Schema parser does: the same keywords, the same checks in the same
 * order with the same codes and messages, and the same tree, so matching and validation errors agree with mongod.
 * A nested schema applies to a field (`path`) of the object its parent applies to; the top-level schema has no path
 * and applies to the document.
 */

export interface JsonSchemaOptions {
  /** `encrypt` and `encryptMetadata` are accepted only in collection validators. */
  readonly allowEncryptKeywords: boolean;
}

const KEYWORDS: ReadonlySet<string> = new Set([
  'additionalItems', 'additionalProperties', 'allOf', 'anyOf', 'bsonType', 'dependencies', 'description', 'encrypt',
  'encryptMetadata', 'enum', 'exclusiveMaximum', 'exclusiveMinimum', 'items', 'maxItems', 'maxLength', 'maxProperties',
  'maximum', 'minItems', 'minLength', 'minProperties', 'minimum', 'multipleOf', 'not', 'oneOf', 'pattern',
  'patternProperties', 'properties', 'required', 'title', 'type', 'uniqueItems',
]);

const UNSUPPORTED: ReadonlySet<string> = new Set(['$ref', '$schema', 'default', 'definitions', 'format', 'id']);

type Keywords = Map<string, unknown>;

function single(code: number): TypeSet {
  return { allNumbers: false, codes: new Set([code]) };
}

const NUMBERS: TypeSet = { allNumbers: true, codes: new Set() };
const ARRAY = single(4);
const OBJECT = single(3);
const STRING = single(2);

function isSingleType(t: TypeSet): boolean {
  return t.allNumbers ? t.codes.size === 0 : t.codes.size === 1;
}

function hasType(t: TypeSet, code: number): boolean {
  return t.codes.has(code) || (t.allNumbers && (code === 1 || code === 16 || code === 18 || code === 19));
}

/**
 * A restriction keyword applies only to values of its type: with a single stated type it is kept when that type is
 * its own and dropped otherwise; else the field passes when it is not of the restriction's type.
 */
function makeRestriction(restrictionType: TypeSet, path: string, restriction: SchemaNode, statedType: SchemaTypeNode | null): SchemaNode {
  if (statedType && isSingleType(statedType.types)) {
    const stated = statedType.types.allNumbers ? 16 : [...statedType.types.codes][0]!;
    return hasType(restrictionType, stated) ? restriction : new AlwaysNode(true, IGNORE);
  }
  const or = new OrNode(IGNORE_BUT_DESCEND);
  or.add(new NotNode(new SchemaTypeNode(path, restrictionType, IGNORE), IGNORE));
  or.add(restriction);
  return or;
}

function parseType(path: string, keyword: string, value: unknown, aliases: (name: string) => number | undefined): SchemaTypeNode {
  const types = parseSchemaTypeSet(keyword, value, aliases);
  if (!types.allNumbers && types.codes.size === 0) keywordError(keyword, 'must name at least one type', 'FailedToParse');
  return new SchemaTypeNode(path, types, annotate(keyword, { [keyword]: value }));
}

/**
 * The test of a query predicate on `path`: the query node's own path walk, except for a present scalar at a plain
 * field name, the one value the walk would yield.
 */
function queryTest(path: string, node: PathNode): (doc: Document) => boolean {
  if (path.includes('.')) return (doc) => node.matches(doc);
  return (doc) => {
    const v = valueAt(doc, path);
    return Array.isArray(v) || v === MISSING ? node.matches(doc) : node.matchesSingleElement(v);
  };
}

function parseBound(path: string, keyword: 'minimum' | 'maximum', value: unknown, exclusive: boolean, typeExpr: SchemaTypeNode | null): SchemaNode {
  if (!isNumeric(value)) keywordError(keyword, 'must be a number');
  const exclusiveName = keyword === 'minimum' ? 'exclusiveMinimum' : 'exclusiveMaximum';
  const annotation = annotate(keyword, exclusive ? { [keyword]: value, [exclusiveName]: true } : { [keyword]: value });
  // Only objects are stored, so a bound on the document itself never fails.
  if (path === '') return new AlwaysNode(true, annotation);
  const op = keyword === 'minimum' ? (exclusive ? 'gt' : 'gte') : exclusive ? 'lt' : 'lte';
  const comparison = new ComparisonNode(path, op, value, null);
  return makeRestriction(NUMBERS, path, new QueryPredicateNode(path, queryTest(path, comparison), annotation), typeExpr);
}

function parseNonNegative(keyword: string, value: unknown): number {
  const n = parseIntegerToNonNegativeLong(keyword, value);
  if (!n.ok) throw mongoError('FailedToParse', n.reason);
  return n.value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n.value);
}

function parseLength(path: string, keyword: string, value: unknown, typeExpr: SchemaTypeNode | null): SchemaNode {
  const limit = parseNonNegative(keyword, value);
  const annotation = annotate(keyword, { [keyword]: value });
  if (path === '') return new AlwaysNode(true, annotation);
  const bound: Bound = keyword.startsWith('min') ? 'min' : 'max';
  if (keyword.endsWith('Items')) return makeRestriction(ARRAY, path, new ArrayItemsNode(path, bound, limit, annotation), typeExpr);
  return makeRestriction(STRING, path, new StrLengthNode(path, bound, limit, annotation), typeExpr);
}

function parsePattern(path: string, value: unknown, typeExpr: SchemaTypeNode | null): SchemaNode {
  if (typeof value !== 'string') keywordError('pattern', 'must be a string');
  const annotation = annotate('pattern', { pattern: value });
  if (path === '') return new AlwaysNode(true, annotation);
  // JSON Schema patterns take no flags.
  const regex = new RegexNode(path, value, '');
  return makeRestriction(STRING, path, new QueryPredicateNode(path, queryTest(path, regex), annotation), typeExpr);
}

function asDecimal(v: unknown): unknown {
  switch (bsonTypeOf(v)) {
    case 'decimal':
      return v;
    case 'long':
      return Decimal128.fromString(String(typeof v === 'bigint' ? v : (v as { toBigInt(): bigint }).toBigInt()));
    case 'double': {
      // mongod converts a double to decimal with 15 significant digits.
      const d = toNumber(v);
      return Decimal128.fromString(Number.isInteger(d) && Math.abs(d) < 1e15 ? String(d) : d.toExponential(14));
    }
    default:
      return Decimal128.fromString(String(toNumber(v)));
  }
}

function parseMultipleOf(path: string, value: unknown, typeExpr: SchemaTypeNode | null): SchemaNode {
  if (!isNumeric(value)) keywordError('multipleOf', 'must be a number');
  const divisor = asDecimal(value);
  const text = String(divisor as object);
  if (text.startsWith('-') || /^-?0(?:\.0*)?(?:E[+-]?\d+)?$/i.test(text)) keywordError('multipleOf', 'must have a positive value', 'FailedToParse');
  const annotation = annotate('multipleOf', { multipleOf: value });
  if (path === '') return new AlwaysNode(true, annotation);
  return makeRestriction(NUMBERS, path, new FmodNode(path, divisor, annotation), typeExpr);
}

function parseLogical(path: string, keyword: 'allOf' | 'anyOf' | 'oneOf', value: unknown, options: JsonSchemaOptions): SchemaNode {
  if (!Array.isArray(value)) keywordError(keyword, 'must be an array');
  if (value.length === 0) keywordError(keyword, 'must be a non-empty array', 'BadValue');
  const annotation = annotate(keyword);
  const list = keyword === 'allOf' ? new AndNode(annotation) : keyword === 'anyOf' ? new OrNode(annotation) : new XorNode(annotation);
  for (const elem of value) {
    if (!isDocument(elem)) keywordError(keyword, `must be an array of objects, but found an element of type ${bsonTypeOf(elem)}`);
    list.add(parseSchema(path, elem, options));
  }
  return list;
}

function parseEnum(path: string, value: unknown): SchemaNode {
  if (!Array.isArray(value)) keywordError('enum', `must be an array, but found an element of type ${bsonTypeOf(value)}`);
  if (value.length === 0) keywordError('enum', 'cannot be an empty array', 'FailedToParse');
  const or = new OrNode(annotate('enum', { enum: value }));
  value.forEach((v, i) => {
    if (value.slice(0, i).some((earlier) => unorderedEqual(earlier, v))) keywordError('enum', 'array cannot contain duplicate values.', 'FailedToParse');
    if (path === '') {
      // Only objects are stored, so a top-level enum's other values can never match.
      if (isDocument(v)) or.add(new RootDocEqNode(v, IGNORE));
    } else {
      or.add(new SchemaEqNode(path, v, IGNORE));
    }
  });
  if (or.list.length === 0) return new AlwaysNode(false, annotate('enum', { enum: value }));
  return or;
}

function parseRequired(value: unknown): Set<string> {
  if (!Array.isArray(value)) keywordError('required', `must be an array, but found an element of type ${bsonTypeOf(value)}`);
  const names = new Set<string>();
  for (const name of value) {
    if (typeof name !== 'string') keywordError('required', `must be an array of strings, but found an element of type: ${bsonTypeOf(name)}`);
    if (names.has(name)) keywordError('required', 'array cannot contain duplicate values', 'FailedToParse');
    names.add(name);
  }
  if (names.size === 0) keywordError('required', 'cannot be an empty array', 'FailedToParse');
  return names;
}

/** Byte order, as mongod sorts the required names. */
function byteOrder(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

function translateRequired(required: Set<string>, value: unknown, path: string, typeExpr: SchemaTypeNode | null): SchemaNode {
  const and = new AndNode(annotate('required', { required: value }));
  // Each missing name is reported as a path, not as an error object.
  for (const name of [...required].sort(byteOrder)) and.add(new ExistsSchemaNode(name, annotate('_propertyExists')));
  if (path === '') return and;
  return makeRestriction(OBJECT, path, new ObjectMatchNode(path, and, IGNORE_BUT_DESCEND), typeExpr);
}

function parseProperties(path: string, value: unknown, typeExpr: SchemaTypeNode | null, required: Set<string>, options: JsonSchemaOptions): SchemaNode {
  if (!isDocument(value)) keywordError('properties', 'must be an object');
  const and = new AndNode(annotate('properties'));
  for (const [name, sub] of Object.entries(value)) {
    if (!isDocument(sub)) throw mongoError('TypeMismatch', `Nested schema for $jsonSchema property '${name}' must be an object`);
    const nested = parseSchema(name, sub, options);
    nested.annotation = annotate('_property', { propertyName: name }, sub);
    if (required.has(name)) {
      and.add(nested);
    } else {
      // An absent property satisfies its schema.
      const or = new OrNode(IGNORE_BUT_DESCEND);
      or.add(new NotNode(new ExistsSchemaNode(name, IGNORE), IGNORE));
      or.add(nested);
      and.add(or);
    }
  }
  if (path === '') return and;
  return makeRestriction(OBJECT, path, new ObjectMatchNode(path, and, IGNORE_BUT_DESCEND), typeExpr);
}

function parsePatternProperties(value: unknown, options: JsonSchemaOptions): PatternSchema[] {
  if (value === undefined) return [];
  if (!isDocument(value)) keywordError('patternProperties', 'must be an object');
  return Object.entries(value).map(([raw, sub]) => {
    if (!isDocument(sub)) keywordError('patternProperties', `has property '${raw}' which is not an object`);
    const schema = parseSchema(PLACEHOLDER, sub, options);
    return { raw, regex: compileQueryRegex(raw, ''), schema };
  });
}

function parseAdditionalProperties(value: unknown, options: JsonSchemaOptions): SchemaNode {
  // No additionalProperties means any additional property is allowed.
  if (value === undefined) return new AlwaysNode(true, IGNORE);
  if (typeof value !== 'boolean' && !isDocument(value)) keywordError('additionalProperties', 'must be an object or a boolean');
  if (typeof value === 'boolean') return new AlwaysNode(value, IGNORE);
  return parseSchema(PLACEHOLDER, value, options);
}

function parseAllowedProperties(path: string, keywords: Keywords, typeExpr: SchemaTypeNode | null, options: JsonSchemaOptions): SchemaNode {
  const properties = keywords.get('properties');
  const names = new Set(isDocument(properties) ? Object.keys(properties) : []);
  const patterns = parsePatternProperties(keywords.get('patternProperties'), options);
  const additional = keywords.get('additionalProperties');
  const otherwise = parseAdditionalProperties(additional, options);
  const annotation = annotate('', additional === undefined ? {} : { additionalProperties: additional });
  const allowed = new AllowedPropertiesNode(names, patterns, otherwise, annotation);
  if (path === '') return allowed;
  return makeRestriction(OBJECT, path, new ObjectMatchNode(path, allowed, IGNORE_BUT_DESCEND), typeExpr);
}

function parseNumProperties(path: string, keyword: 'minProperties' | 'maxProperties', value: unknown, typeExpr: SchemaTypeNode | null): SchemaNode {
  const limit = parseNonNegative(keyword, value);
  const node = new NumPropertiesNode(keyword === 'minProperties' ? 'min' : 'max', limit, annotate(keyword, { [keyword]: value }));
  if (path === '') return node;
  return makeRestriction(OBJECT, path, new ObjectMatchNode(path, node, IGNORE_BUT_DESCEND), typeExpr);
}

function dependencyExists(path: string, name: string, annotation = annotate('_propertyExists')): SchemaNode {
  const exists = new ExistsSchemaNode(name, annotation);
  return path === '' ? exists : new ObjectMatchNode(path, exists, IGNORE_BUT_DESCEND);
}

function parseDependencies(path: string, value: unknown, options: JsonSchemaOptions): SchemaNode {
  if (!isDocument(value)) keywordError('dependencies', 'must be an object');
  const and = new AndNode(annotate('dependencies', {}, value));
  for (const [name, dep] of Object.entries(value)) {
    if (!isDocument(dep) && !Array.isArray(dep)) {
      // title and description are allowed among the dependencies.
      if (typeof dep === 'string' && (name === 'title' || name === 'description')) continue;
      throw mongoError('TypeMismatch', `property '${name}' in $jsonSchema keyword 'dependencies' must be either an object or an array`);
    }
    // The condition never contributes to an error.
    const condition = path === '' ? new ExistsSchemaNode(name, IGNORE) : new ObjectMatchNode(path, new ExistsSchemaNode(name, IGNORE), IGNORE);
    let then: SchemaNode;
    let tag: string;
    if (isDocument(dep)) {
      then = parseSchema(path, dep, options);
      tag = '_schemaDependency';
    } else {
      if (dep.length === 0) {
        throw mongoError('FailedToParse', `property '${name}' in $jsonSchema keyword 'dependencies' cannot be an empty array`);
      }
      const list = new AndNode(annotate('_propertiesExistList', { [name]: dep }));
      const seen = new Set<string>();
      for (const other of dep) {
        if (typeof other !== 'string') {
          throw mongoError('TypeMismatch', `array '${name}' in $jsonSchema keyword 'dependencies' can only contain strings, but found element of type: ${bsonTypeOf(other)}`);
        }
        if (seen.has(other)) {
          throw mongoError('FailedToParse', `array '${name}' in $jsonSchema keyword 'dependencies' contains duplicate element: ${other}`);
        }
        seen.add(other);
        list.add(dependencyExists(path, other));
      }
      then = list;
      tag = '_propertyDependency';
    }
    and.add(new CondNode(condition, then, new AlwaysNode(true, IGNORE), annotate(tag, { [name]: dep })));
  }
  return and;
}

function parseUniqueItems(path: string, value: unknown, typeExpr: SchemaTypeNode | null): SchemaNode {
  const annotation = annotate('uniqueItems', { uniqueItems: value });
  if (typeof value !== 'boolean') keywordError('uniqueItems', 'must be a boolean');
  if (path === '' || !value) return new AlwaysNode(true, annotation);
  return makeRestriction(ARRAY, path, new UniqueItemsNode(path, annotation), typeExpr);
}

function translateArrayKeywords(keywords: Keywords, path: string, typeExpr: SchemaTypeNode | null, and: AndNode, options: JsonSchemaOptions): void {
  for (const keyword of ['minItems', 'maxItems'] as const) {
    if (keywords.has(keyword)) and.add(parseLength(path, keyword, keywords.get(keyword), typeExpr));
  }
  if (keywords.has('uniqueItems')) and.add(parseUniqueItems(path, keywords.get('uniqueItems'), typeExpr));
  let additionalFrom: number | undefined;
  if (keywords.has('items')) {
    const items = keywords.get('items');
    if (Array.isArray(items)) {
      const list = new AndNode(annotate('items', { items }));
      items.forEach((sub, index) => {
        if (!isDocument(sub)) {
          keywordError('items', `requires that each element of the array is an object, but found a ${bsonTypeOf(sub)}`);
        }
        // The 'items' list carries the keyword; each position reports its index.
        list.add(new MatchArrayIndexNode(path, index, parseSchema(PLACEHOLDER, sub, options), annotate('')));
      });
      additionalFrom = items.length;
      and.add(path === '' ? new AlwaysNode(true, annotate('items', { items })) : makeRestriction(ARRAY, path, list, typeExpr));
    } else if (isDocument(items)) {
      const nested = parseSchema(PLACEHOLDER, items, options);
      const annotation = annotate('items', { items });
      and.add(path === '' ? new AlwaysNode(true, annotation) : makeRestriction(ARRAY, path, new AllElemMatchFromIndexNode(path, 0, nested, annotation), typeExpr));
    } else {
      keywordError('items', `must be an array or an object, not ${bsonTypeOf(items)}`);
    }
  }
  if (keywords.has('additionalItems')) {
    const additional = keywords.get('additionalItems');
    let otherwise: SchemaNode;
    if (typeof additional === 'boolean') otherwise = new AlwaysNode(additional, IGNORE);
    else if (isDocument(additional)) otherwise = parseSchema(PLACEHOLDER, additional, options);
    else keywordError('additionalItems', `must be either an object or a boolean, but got a ${bsonTypeOf(additional)}`);
    // additionalItems means something only after an items array.
    if (additionalFrom !== undefined) {
      const annotation = annotate('additionalItems', { additionalItems: additional });
      and.add(path === '' ? new AlwaysNode(true, annotation) : makeRestriction(ARRAY, path, new AllElemMatchFromIndexNode(path, additionalFrom, otherwise, annotation), typeExpr));
    }
  }
}

function translateObjectKeywords(keywords: Keywords, path: string, typeExpr: SchemaTypeNode | null, and: AndNode, options: JsonSchemaOptions): void {
  const required = keywords.has('required') ? parseRequired(keywords.get('required')) : new Set<string>();
  if (keywords.has('properties')) and.add(parseProperties(path, keywords.get('properties'), typeExpr, required, options));
  if (keywords.has('patternProperties') || keywords.has('additionalProperties')) and.add(parseAllowedProperties(path, keywords, typeExpr, options));
  if (required.size > 0) and.add(translateRequired(required, keywords.get('required'), path, typeExpr));
  for (const keyword of ['minProperties', 'maxProperties'] as const) {
    if (keywords.has(keyword)) and.add(parseNumProperties(path, keyword, keywords.get(keyword), typeExpr));
  }
  if (keywords.has('dependencies')) and.add(parseDependencies(path, keywords.get('dependencies'), options));
}

function translateScalarKeywords(keywords: Keywords, path: string, typeExpr: SchemaTypeNode | null, and: AndNode): void {
  if (keywords.has('pattern')) and.add(parsePattern(path, keywords.get('pattern'), typeExpr));
  for (const keyword of ['maxLength', 'minLength'] as const) {
    if (keywords.has(keyword)) and.add(parseLength(path, keyword, keywords.get(keyword), typeExpr));
  }
  if (keywords.has('multipleOf')) and.add(parseMultipleOf(path, keywords.get('multipleOf'), typeExpr));
  for (const [keyword, exclusiveName] of [['maximum', 'exclusiveMaximum'], ['minimum', 'exclusiveMinimum']] as const) {
    if (keywords.has(keyword)) {
      let exclusive = false;
      if (keywords.has(exclusiveName)) {
        const e = keywords.get(exclusiveName);
        if (typeof e !== 'boolean') keywordError(exclusiveName, 'must be a boolean');
        exclusive = e;
      }
      and.add(parseBound(path, keyword, keywords.get(keyword), exclusive, typeExpr));
    } else if (keywords.has(exclusiveName)) {
      throw mongoError('FailedToParse', `$jsonSchema keyword '${keyword}' must be a present if ${exclusiveName} is present`);
    }
  }
}

function translateLogicalKeywords(keywords: Keywords, path: string, and: AndNode, options: JsonSchemaOptions): void {
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (keywords.has(keyword)) and.add(parseLogical(path, keyword, keywords.get(keyword), options));
  }
  if (keywords.has('not')) {
    const not = keywords.get('not');
    if (!isDocument(not)) keywordError('not', `must be an object, but found an element of type ${bsonTypeOf(not)}`);
    and.add(new NotNode(parseSchema(path, not, options), annotate('not')));
  }
  if (keywords.has('enum')) and.add(parseEnum(path, keywords.get('enum')));
}

function parseSchema(path: string, schema: Document, options: JsonSchemaOptions): SchemaNode {
  const keywords: Keywords = new Map();
  for (const [name, value] of Object.entries(schema)) {
    if (!KEYWORDS.has(name)) {
      if (UNSUPPORTED.has(name)) throw mongoError('FailedToParse', `$jsonSchema keyword '${name}' is not currently supported`);
      throw mongoError('FailedToParse', `Unknown $jsonSchema keyword: ${name}`);
    }
    keywords.set(name, value);
  }
  for (const keyword of ['description', 'title']) {
    if (keywords.has(keyword) && typeof keywords.get(keyword) !== 'string') keywordError(keyword, 'must be of type string');
  }
  const hasTypeKeyword = keywords.has('type');
  const hasBsonType = keywords.has('bsonType');
  const hasEncrypt = keywords.has('encrypt');
  if (hasTypeKeyword && hasBsonType) throw mongoError('FailedToParse', "Cannot specify both $jsonSchema keywords 'type' and 'bsonType'");
  if ((hasTypeKeyword || hasBsonType) && hasEncrypt) {
    throw mongoError(
      'FailedToParse',
      `$jsonSchema keyword 'encrypt' cannot be used in conjunction with '${hasTypeKeyword ? 'type' : 'bsonType'}', 'encrypt' implies type 'bsonType::BinData'`,
    );
  }
  let typeExpr: SchemaTypeNode | null = null;
  if (hasTypeKeyword) typeExpr = parseType(path, 'type', keywords.get('type'), jsonTypeAlias);
  else if (hasBsonType) typeExpr = parseType(path, 'bsonType', keywords.get('bsonType'), bsonTypeAlias);
  else if (hasEncrypt) typeExpr = new SchemaTypeNode(path, single(5), IGNORE);

  const and = new AndNode(annotate('_subschema', {}, schema));
  translateScalarKeywords(keywords, path, typeExpr, and);
  translateArrayKeywords(keywords, path, typeExpr, and, options);
  translateEncryptionKeywords(keywords, path, options.allowEncryptKeywords, and);
  translateObjectKeywords(keywords, path, typeExpr, and, options);
  translateLogicalKeywords(keywords, path, and, options);

  if (path === '' && typeExpr && !hasType(typeExpr.types, 3)) {
    // Only objects are stored: a top-level schema requiring another type matches nothing.
    return new AlwaysNode(false, annotate('$jsonSchema', { $jsonSchema: schema }));
  }
  if (path !== '' && typeExpr) and.add(typeExpr);
  return and;
}

/**
 * Compiles a `$jsonSchema` operand into its match tree, the root annotated as the `$jsonSchema` operator.
 *
 * @throws MongoServerError FailedToParse (9), TypeMismatch (14), BadValue (2) or QueryFeatureNotAllowed (224) with
 *   mongod's message for an invalid or unsupported schema.
 */
export function parseJsonSchema(schema: Document, options: JsonSchemaOptions): SchemaNode {
  const root = parseSchema('', schema, options);
  root.annotation = annotate('$jsonSchema', root.annotation.annotation, schema);
  return root;
}
