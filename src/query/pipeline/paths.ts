import { isDocument, setField, type Document } from '../../bson/index.js';

/**
 * Dotted-path access as mongod's Document::getNestedField/MutableDocument::setNestedField do it: through
 * embedded documents only (an array on the way makes the path missing). Writes copy each document along the
 * path, so the input is never modified.
 */

/** The value at `parts` through documents only; undefined when missing or blocked by a non-document. */
export function getNested(doc: Document, parts: readonly string[]): unknown {
  let v: unknown = doc;
  for (const part of parts) {
    if (!isDocument(v) || !Object.prototype.hasOwnProperty.call(v, part)) return undefined;
    v = v[part];
  }
  return v;
}

/** A copy of `doc` with `value` at `parts`; non-documents on the way are replaced by documents. */
export function setNested(doc: Document, parts: readonly string[], value: unknown): Document {
  const out: Document = {};
  for (const key of Object.keys(doc)) setField(out, key, doc[key]);
  const [head, ...rest] = parts;
  if (rest.length === 0) {
    setField(out, head!, value);
  } else {
    const child = Object.prototype.hasOwnProperty.call(doc, head!) ? doc[head!] : undefined;
    setField(out, head!, setNested(isDocument(child) ? child : {}, rest, value));
  }
  return out;
}

/** A copy of `doc` without the field at `parts` (unchanged when the path does not exist). */
export function removeNested(doc: Document, parts: readonly string[]): Document {
  const [head, ...rest] = parts;
  if (!Object.prototype.hasOwnProperty.call(doc, head!)) return doc;
  const out: Document = {};
  for (const key of Object.keys(doc)) {
    if (key !== head) setField(out, key, doc[key]);
    else if (rest.length > 0) {
      const child = doc[key];
      setField(out, key, isDocument(child) ? removeNested(child, rest) : child);
    }
  }
  return out;
}
