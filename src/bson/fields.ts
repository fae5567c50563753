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
