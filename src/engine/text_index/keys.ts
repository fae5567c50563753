import { Double, encodeCompoundKey, isDocument, toNumber, valueToString, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { indexedTerm, scoreDocument, textIndexInfo } from '../../query/text/index.js';
import type { IndexSpec } from '../catalog.js';

/**
 * A text index's entries for a document (mongod's FTSIndexFormat::getKeys): one per distinct term, keyed by the
 * prefix fields' values, the term, the term's score in the document, then the suffix fields' values.
 */
export function textIndexKeys(spec: IndexSpec, doc: Document): { key: Uint8Array; values: unknown[] }[] {
  const info = textIndexInfo(spec);
  const prefix = info.prefixFields.map((field) => nonTextValue(doc, field));
  const suffix = info.suffixFields.map((field) => nonTextValue(doc, field));
  const directions = textKeyDirections(spec);
  const keys: { key: Uint8Array; values: unknown[] }[] = [];
  const scores = scoreDocument(info, doc);
  for (const term of [...scores.keys()].sort()) {
    const values = [...prefix, indexedTerm(term), new Double(scores.get(term)!), ...suffix];
    keys.push({ key: encodeCompoundKey(values, directions), values });
  }
  return keys;
}

/** The direction of each component of a text index key: the prefix fields', the term's and score's, the suffix's. */
export function textKeyDirections(spec: IndexSpec): number[] {
  const info = textIndexInfo(spec);
  const of = (field: string) => (toNumber(spec.key[field]) < 0 ? -1 : 1);
  return [...info.prefixFields.map(of), 1, 1, ...info.suffixFields.map(of)];
}

/**
 * A prefix or suffix field's value (null when missing). Such a field holds one value per document: an array on its
 * path is CannotBuildIndexKeys, unless a numeric component picks one element.
 */
function nonTextValue(doc: Document, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(value)) {
      if (!/^\d+$/.test(part)) throw arrayError(path, doc);
      value = value[Number(part)];
    } else if (isDocument(value)) {
      value = value[part];
    } else {
      return null;
    }
  }
  if (Array.isArray(value)) throw arrayError(path, doc);
  return value === undefined ? null : value;
}

function arrayError(path: string, doc: Document): Error {
  return mongoError('CannotBuildIndexKeys', `Field '${path}' of text index contains an array in document: ${valueToString(doc)}`);
}
