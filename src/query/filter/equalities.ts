import { deepClone, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { ComparisonNode } from './comparison.js';
import { InNode } from './in.js';
import { AndNode, OrNode } from './node.js';
import type { MatchNode } from './types.js';

function collect(node: MatchNode, found: Map<string, unknown>): void {
  if (node instanceof AndNode) {
    for (const child of node.children) collect(child, found);
    return;
  }
  // mongod optimizes a one-clause $or into its clause and a one-value $in into $eq before it looks.
  if (node instanceof OrNode) {
    if (node.children.length === 1) collect(node.children[0]!, found);
    return;
  }
  let value: unknown;
  let path: string;
  if (node instanceof ComparisonNode && node.op === 'eq') {
    path = node.path;
    value = node.rhs;
  } else if (node instanceof InNode && node.equalities.length === 1 && node.regexes.length === 0) {
    path = node.path;
    value = node.equalities[0];
  } else {
    return;
  }
  for (const existing of found.keys()) {
    if (existing === path) throw mongoError('NotSingleValueField', `cannot infer query fields to set, path '${path}' is matched twice`);
    if (existing.startsWith(`${path}.`) || path.startsWith(`${existing}.`)) {
      throw mongoError('NotSingleValueField', `cannot infer query fields to set, both paths '${path}' and '${existing}' are matched`);
    }
  }
  found.set(path, value);
}

/**
 * The `{path: value}` equalities a compiled filter pins, for seeding an upsert (see CompiledFilter.equalities).
 *
 * @throws MongoServerError NotSingleValueField (54) for a path matched twice or two paths where one is a prefix of
 *   the other.
 */
export function extractEqualities(root: MatchNode): Document {
  const found = new Map<string, unknown>();
  collect(root, found);
  const out: Document = {};
  for (const [path, value] of found) {
    Object.defineProperty(out, path, { value: deepClone(value), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
