import { bsonTypeOf, isDocument, type Document } from '../bson/index.js';
import { missingFieldError, unknownFieldError, wrongTypeError } from '../errors/index.js';

/**
 * Readers for the IDL shapes that stages and commands share (arrays of structs, structs of strings), with the errors
 * and paths mongod's generated parsers report. IDL treats a null field as an absent one, so null is "missing" for a
 * required field and nothing for an optional one.
 */

/**
 * A required `array<Struct>` field: `arrayPath` names the field in the array's own type error; each element is checked to be
 * an object at `<elementPath>.<index>` and handed to `parse` with `elementPath`, since IDL reports the fields of an
 * element without its index (`KillAllSessionsCmd.killAllSessions.db`). The two paths differ only for a command's
 * first field (`endSessions.endSessions`, then `endSessions.endSessionsFromClient.0`).
 *
 * @throws MongoServerError 40414 when absent or null; TypeMismatch (14) for a non-array or a non-object element;
 *   whatever `parse` throws.
 */
export function structArray<T>(value: unknown, arrayPath: string, elementPath: string, parse: (element: Document, path: string) => T): T[] {
  if (value === null || value === undefined) throw missingFieldError(arrayPath);
  if (!Array.isArray(value)) throw wrongTypeError(arrayPath, bsonTypeOf(value), 'array');
  return value.map((element, i) => {
    if (!isDocument(element)) throw wrongTypeError(`${elementPath}.${i}`, bsonTypeOf(element), 'object');
    return parse(element, elementPath);
  });
}

/**
 * A strict struct whose fields are all required strings, such as `{user, db}`: fields are checked in the document's
 * order, then the missing ones in `fields` order, as IDL does.
 *
 * @throws MongoServerError 40415 for an unknown field; TypeMismatch (14) for a non-string; 40414 for a missing field.
 */
export function stringStruct<K extends string>(doc: Document, path: string, fields: readonly K[]): Record<K, string> {
  const out: Partial<Record<K, string>> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!(fields as readonly string[]).includes(key)) throw unknownFieldError(`${path}.${key}`);
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string') throw wrongTypeError(`${path}.${key}`, bsonTypeOf(value), 'string');
    out[key as K] = value;
  }
  for (const field of fields) if (out[field] === undefined) throw missingFieldError(`${path}.${field}`);
  return out as Record<K, string>;
}
