import { isDocument } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { AndNode, NotNode } from './node.js';
import { regexNodeFromValue } from './regex.js';
import type { FieldOperatorParser } from './types.js';
import { isRegexValue } from './values.js';

/**
 * `$not` (mongod's parseNot): the negation of a regex (`{a: {$not: /x/}}`) or of the operators of a document
 * (`{a: {$not: {$gt: 1, $lt: 5}}}`), over the whole path, so it also matches documents without the field.
 */
export const parseNot: FieldOperatorParser = ({ path, value, ctx, level }) => {
  if (isRegexValue(value)) return new NotNode(regexNodeFromValue(path, value));
  if (!isDocument(value) || (value as { _bsontype?: unknown })._bsontype !== undefined) {
    throw mongoError('BadValue', '$not needs a regex or a document');
  }
  if (Object.keys(value).length === 0) throw mongoError('BadValue', '$not cannot be empty');
  return new NotNode(new AndNode(ctx.parseSub(path, value, level)));
};
