import { bsonTypeNumbers, type BsonTypeName } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import type { TypeSet } from '../filter/type.js';

/** Throws mongod's error for a bad keyword operand: "$jsonSchema keyword '<name>' <what>". */
export function keywordError(name: string, what: string, code: 'TypeMismatch' | 'FailedToParse' | 'BadValue' = 'TypeMismatch'): never {
  throw mongoError(code, `$jsonSchema keyword '${name}' ${what}`);
}

/** The JSON Schema `type` names (besides 'number'). */
const JSON_TYPES: Readonly<Record<string, number>> = { array: 4, boolean: 8, null: 10, object: 3, string: 2 };

/** The BSON type code a `type` name stands for. */
export function jsonTypeAlias(name: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(JSON_TYPES, name) ? JSON_TYPES[name] : undefined;
}

/**
 * Parses a type or bsonType operand (mongod's JSONSchemaParser::parseTypeSet): a name or an array of distinct names;
 * 'integer' is refused, as mongod does.
 */
export function parseSchemaTypeSet(keyword: string, value: unknown, aliases: (name: string) => number | undefined): TypeSet {
  if (typeof value !== 'string' && !Array.isArray(value)) keywordError(keyword, 'must be either a string or an array of strings');
  const names = new Set<string>();
  for (const v of typeof value === 'string' ? [value] : value) {
    if (typeof v !== 'string') keywordError(keyword, 'array elements must be strings');
    if (v === 'integer') throw mongoError('FailedToParse', "$jsonSchema type 'integer' is not currently supported.");
    if (names.has(v)) keywordError(keyword, `has duplicate value: ${v}`, 'FailedToParse');
    names.add(v);
  }
  const set: TypeSet = { allNumbers: false, codes: new Set() };
  // mongod adds the names in sorted order, so the first unknown name in that order is the one reported.
  for (const name of [...names].sort()) {
    if (name === 'number') {
      set.allNumbers = true;
      continue;
    }
    const code = aliases(name);
    if (code === undefined) {
      if (name === 'missing') {
        throw mongoError('BadValue', "'missing' is not a legal type name. To query for non-existence of a field, use {$exists:false}.");
      }
      throw mongoError('BadValue', `Unknown type name alias: ${name}`);
    }
    set.codes.add(code);
  }
  return set;
}

/** The BSON type code a `bsonType` name (a `$type` alias) stands for. */
export function bsonTypeAlias(name: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(bsonTypeNumbers, name) ? bsonTypeNumbers[name as BsonTypeName] : undefined;
}

