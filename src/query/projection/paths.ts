import type { Document } from '../../bson/index.js';

/** The value of a top-level field (undefined when absent; check hasOwnProperty for BSON undefined). */
export function getPathValue(doc: Document, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(doc, key) ? doc[key] : undefined;
}

/** Sets a field, keeping its position when present; `__proto__` stays a data field. */
export function setPathValue(doc: Document, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(doc, key, { value, enumerable: true, writable: true, configurable: true });
  else doc[key] = value;
}

export function hasField(doc: Document, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(doc, key);
}
