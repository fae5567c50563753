/**
 * `$jsonSchema`: a JSON Schema (draft 4 keywords and `bsonType`) compiled into the match tree mongod builds for it
 * (json_schema_parser.ts, nodes.ts), and the document validation error mongod reports from that tree
 * (doc_validation_error.ts).
 */
export { parseJsonSchema, type JsonSchemaOptions } from './json_schema_parser.js';
export { jsonSchemaValidationError } from './doc_validation_error.js';
export type { SchemaNode } from './nodes.js';
