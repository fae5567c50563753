import { isDocument, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { parseJsonSchema } from '../schema/json_schema_parser.js';
import type { SchemaNode } from '../schema/nodes.js';
import type { MatchNode, TopLevelOperatorParser } from './types.js';

/** `$jsonSchema`: the document (or, under `$elemMatch`, the element) satisfies the schema. */
export class JsonSchemaNode implements MatchNode {
  constructor(
    readonly schema: Document,
    readonly root: SchemaNode,
  ) {}

  matches(doc: unknown): boolean {
    return isDocument(doc) && this.root.matches(doc);
  }

  matchesSingleElement(value: unknown): boolean {
    return this.matches(value);
  }
}

/**
 * `$jsonSchema` (mongod's parseJSONSchema): the operand must be a document; `encrypt` and `encryptMetadata` only
 * in a collection validator.
 *
 * @throws MongoServerError QueryFeatureNotAllowed (224) where the caller bans it; TypeMismatch (14) "$jsonSchema must
 *   be an object"; the schema's parse errors.
 */
export const parseJsonSchemaOperator: TopLevelOperatorParser = ({ value, ctx }) => {
  if (!ctx.allowJsonSchema) throw mongoError('QueryFeatureNotAllowed', '$jsonSchema is not allowed in this context');
  if (!isDocument(value) || (value as { _bsontype?: unknown })._bsontype !== undefined) {
    throw mongoError('TypeMismatch', '$jsonSchema must be an object');
  }
  return new JsonSchemaNode(value, parseJsonSchema(value, { allowEncryptKeywords: ctx.allowEncryptKeywords }));
};
