import { compareValues, deepClone, setField, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { elementToString } from '../../bson/index.js';
import { identical } from './identical.js';
import { validateDocumentForStorage } from './storage_validation.js';

/**
 * Replaces `original` by `replacement` as mongod's ObjectReplaceExecutor does: every field goes except `_id`,
 * which is kept (first) when the replacement has none; a replacement `_id` must equal the old one (ImmutableField,
 * 66). Top-level `$` field names are refused (52) unless `allowTopLevelDollarPrefixes` (pipeline results).
 * Returns null when the replacement is byte-for-byte the original (a no-op).
 */
export function applyReplacement(original: Document, replacement: Document, allowTopLevelDollarPrefixes: boolean): Document | null {
  if (identical(original, replacement)) return null;
  const hasId = (d: Document) => Object.prototype.hasOwnProperty.call(d, '_id');
  const out: Document = {};
  if (!hasId(replacement) && hasId(original)) out._id = deepClone(original._id);
  for (const key of Object.keys(replacement)) setField(out, key, deepClone(replacement[key]));
  validateDocumentForStorage(out, allowTopLevelDollarPrefixes);
  if (hasId(original) && hasId(out) && compareValues(out._id, original._id) !== 0) {
    throw mongoError(
      'ImmutableField',
      `After applying the update, the (immutable) field '_id' was found to have been altered to ${elementToString('_id', out._id)}`,
    );
  }
  return out;
}
