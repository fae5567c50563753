import { mongoError } from '../../errors/index.js';
import { comparison } from './comparison.js';
import { NotNode } from './node.js';
import type { FieldOperatorParser, TopLevelOperatorParser } from './types.js';
import { isRegexValue } from './values.js';

/**
 * `$eq` (and implicit equality `{a: 5}`): some value the path yields equals the operand, or the operand is null
 * and the field is missing. An array operand also matches an equal array (`{a: [1, 2]}` matches `{a: [1, 2]}` and
 * `{a: [[1, 2], 3]}`); a document operand matches only an equal document, field order included. A regex operand
 * under `$eq` matches an equal regex value, not strings.
 */
export const parseEq: FieldOperatorParser = ({ path, value, ctx }) => comparison(path, 'eq', value, ctx.collation);

/**
 * `$ne`: the negation of `$eq` over the whole path, so `{a: {$ne: 1}}` fails on `{a: [1, 2]}` and
 * `{a: {$ne: null}}` fails when `a` is missing.
 */
export const parseNe: FieldOperatorParser = ({ path, value, ctx }) => {
  // $ne of a regex is refused even though it would read as NOT(regex match) (https://jira.mongodb.org/browse/SERVER-1705).
  if (isRegexValue(value)) throw mongoError('BadValue', "Can't have regex as arg to $ne.");
  return new NotNode(comparison(path, 'eq', value, ctx.collation));
};

/**
 * `$ref`, `$id` and `$db` as top-level operators: equality on that literal field, which is how a DBRef is matched
 * under `$elemMatch` (`{refs: {$elemMatch: {$ref: 'users', $id: 5}}}`). `$id` uses the collation, the names do not.
 */
export const parseDbRefField: TopLevelOperatorParser = ({ name, value, ctx }) =>
  comparison(name, 'eq', value, name === '$id' ? ctx.collation : null);
