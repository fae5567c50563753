import { isDocument } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { comparison } from './comparison.js';
import { parseElemMatch } from './elemMatch.js';
import { AndNode, ConstantNode } from './node.js';
import { regexNodeFromValue } from './regex.js';
import type { FieldOperatorParser, MatchNode } from './types.js';
import { isRegexValue } from './values.js';

function firstKey(v: unknown): string | undefined {
  return isDocument(v) && (v as { _bsontype?: unknown })._bsontype === undefined ? Object.keys(v)[0] : undefined;
}

/**
 * `$all` (mongod's parseAll): every listed value is matched (equality, or a regex match for a regex) by some value
 * the path yields, i.e. `{a: {$all: [1, 2]}}` is `{$and: [{a: 1}, {a: 2}]}`. `$all: []` matches nothing. A list of
 * `{$elemMatch: ...}` documents requires an element matching each; it cannot be mixed with plain values.
 */
export const parseAll: FieldOperatorParser = (args) => {
  const { path, value, ctx } = args;
  if (!Array.isArray(value)) throw mongoError('BadValue', '$all needs an array');
  const children: MatchNode[] = [];
  if (value.length > 0 && firstKey(value[0]) === '$elemMatch') {
    for (const item of value) {
      if (firstKey(item) !== '$elemMatch') throw mongoError('BadValue', '$all/$elemMatch has to be consistent');
      const node = parseElemMatch({ ...args, name: '$elemMatch', value: (item as Record<string, unknown>).$elemMatch });
      if (node) children.push(node);
    }
    return new AndNode(children);
  }
  for (const item of value) {
    if (isRegexValue(item)) {
      children.push(regexNodeFromValue(path, item));
      continue;
    }
    const key = firstKey(item);
    if (key !== undefined && ctx.isFieldOperator(key)) throw mongoError('BadValue', 'no $ expressions in $all');
    children.push(comparison(path, 'eq', item, ctx.collation));
  }
  return children.length === 0 ? new ConstantNode(false) : new AndNode(children);
};
