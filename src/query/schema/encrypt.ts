import { bsonTypeOf, isDocument, type Document } from '../../bson/index.js';
import { badEnumValueError, mongoError, unknownFieldError, wrongTypeError } from '../../errors/index.js';
import { bsonTypeAlias, parseSchemaTypeSet } from './type_set.js';
import { annotate, BinDataEncryptedTypeNode, BinDataSubTypeNode, type AndNode } from './nodes.js';

/**
 * The client-side field level encryption keywords of a schema: `encryptMetadata` is checked and means nothing to
 * matching; `encrypt` requires encrypted BinData (subtype 6), of the stated original types when `bsonType` is given.
 * Both are parsed as mongod's IDL structs EncryptionMetadata and EncryptionInfo parse them.
 */

const ALGORITHMS = new Set(['AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic', 'AEAD_AES_256_CBC_HMAC_SHA_512-Random']);

function checkAlgorithm(struct: string, value: unknown): void {
  if (typeof value !== 'string') throw wrongTypeError(`${struct}.algorithm`, bsonTypeOf(value), 'string');
  if (!ALGORITHMS.has(value)) throw badEnumValueError(`${struct}.algorithm`, value);
}

/** keyId: a JSON pointer to the key's id in the document, or an array of key UUIDs. */
function checkKeyId(value: unknown): void {
  if (typeof value === 'string') {
    if (!value.startsWith('/')) throw mongoError('FailedToParse', 'JSON Pointer must start with a \'/\'');
    return;
  }
  if (Array.isArray(value)) {
    for (const id of value) {
      if (bsonTypeOf(id) !== 'binData' || (id as { sub_type: number }).sub_type !== 4) {
        throw mongoError('BadValue', `Array elements must have type BinData, found ${bsonTypeOf(id)}`);
      }
    }
    return;
  }
  throw mongoError('TypeMismatch', `Expected either string or array of UUID for EncryptSchemaKeyId, but found ${bsonTypeOf(value)}`);
}

function parseStruct(struct: string, value: Document, fields: readonly string[]): Document {
  for (const name of Object.keys(value)) if (!fields.includes(name)) throw unknownFieldError(`${struct}.${name}`);
  if (value.algorithm !== undefined) checkAlgorithm(struct, value.algorithm);
  if (value.keyId !== undefined) checkKeyId(value.keyId);
  return value;
}

export function translateEncryptionKeywords(keywords: Map<string, unknown>, path: string, allowed: boolean, and: AndNode): void {
  const hasEncrypt = keywords.has('encrypt');
  const hasMetadata = keywords.has('encryptMetadata');
  if (!allowed && (hasEncrypt || hasMetadata)) {
    throw mongoError('QueryFeatureNotAllowed', 'Encryption-related validator keywords are not allowed in this context');
  }
  if (hasEncrypt && hasMetadata) throw mongoError('FailedToParse', "Cannot specify both $jsonSchema keywords 'encrypt' and 'encryptMetadata'");
  if (hasMetadata) {
    const metadata = keywords.get('encryptMetadata');
    if (!isDocument(metadata)) throw mongoError('TypeMismatch', "$jsonSchema keyword 'encryptMetadata' must be an object ");
    if (Object.keys(metadata).length === 0) throw mongoError('FailedToParse', "$jsonSchema keyword 'encryptMetadata' cannot be an empty object ");
    parseStruct('encryptMetadata', metadata, ['algorithm', 'keyId']);
  }
  if (hasEncrypt) {
    const encrypt = keywords.get('encrypt');
    if (!isDocument(encrypt)) throw mongoError('TypeMismatch', "$jsonSchema keyword 'encrypt' must be an object ");
    parseStruct('encrypt', encrypt, ['bsonType', 'keyId', 'algorithm']);
    const types = encrypt.bsonType === undefined ? null : parseSchemaTypeSet('bsonType', encrypt.bsonType, bsonTypeAlias);
    and.add(new BinDataSubTypeNode(path, annotate('encrypt')));
    if (types) and.add(new BinDataEncryptedTypeNode(path, types, annotate('encrypt')));
  }
}
