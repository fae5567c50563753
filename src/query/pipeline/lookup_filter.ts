import { BSONRegExp, type Document } from '../../bson/index.js';
import { valuesAtPath } from './sub_pipeline.js';

/** True when one of `values` is a regular expression (which `$in` would run as a pattern, not compare). */
export function hasRegex(values: readonly unknown[]): boolean {
  return values.some((v) => v instanceof RegExp || v instanceof BSONRegExp);
}

/**
 * The filter of an equality join for one input document, as mongod builds it: each value at `localField` (array
 * elements one by one; none means null, which matches null and missing), `$eq` for one value, `$in` for several,
 * and `$or` of `$eq`s when a value is a regular expression (which `$in` would run as a pattern).
 */
export function equalityFilter(doc: Document, local: readonly string[], foreignField: string): Document {
  const values = valuesAtPath(doc, local);
  if (values.length === 0) values.push(null);
  if (values.length === 1) return { [foreignField]: { $eq: values[0] } };
  if (hasRegex(values)) return { $or: values.map((v) => ({ [foreignField]: { $eq: v } })) };
  return { [foreignField]: { $in: values } };
}

