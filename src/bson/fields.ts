import { isDocument, type Document } from './types.js';

/**
 * Field access on plain-object documents that treats every key as data: decoded BSON may hold a field named
 * `__proto__` or `constructor`, which plain property access would read from, or write to, the prototype.
 */

/** An own field's value; undefined when the document has no such field. */
export function getField(doc: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(doc, key) ? doc[key] : undefined;
}

/** Sets a field: appended when new, in place when present. */
export function setField(doc: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(doc, key, { value, enumerable: true, writable: true, configurable: true });
  else doc[key] = value;
}

/**
 * `value` with `onDocument` applied to it when it is a document, or to each document inside it, at any depth of
 * nested arrays, when it is an array; other values go through `onScalar`. An array element that comes out
 * undefined is dropped: that is how $redact prunes a subdocument and an inclusion projection a scalar.
 */
export function mapDocuments(
  value: unknown,
  onDocument: (doc: Document) => unknown,
  onScalar: (value: unknown) => unknown,
): unknown {
  if (isDocument(value)) return onDocument(value);
  if (!Array.isArray(value)) return onScalar(value);
  const out: unknown[] = [];
  for (const element of value) {
    const v = mapDocuments(element, onDocument, onScalar);
    if (v !== undefined) out.push(v);
  }
  return out;
}
