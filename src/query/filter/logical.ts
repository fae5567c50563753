import { isDocument } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { AndNode, NotNode, OrNode } from './node.js';
import type { MatchNode, TopLevelOperatorParser } from './types.js';

function clauses(name: string, value: unknown, parse: (clause: Record<string, unknown>) => MatchNode): MatchNode[] {
  if (!Array.isArray(value)) throw mongoError('BadValue', `${name} must be an array`);
  if (value.length === 0) throw mongoError('BadValue', '$and/$or/$nor must be a nonempty array');
  return value.map((clause) => {
    if (!isDocument(clause) || (clause as { _bsontype?: unknown })._bsontype !== undefined) {
      throw mongoError('BadValue', '$or/$and/$nor entries need to be full objects');
    }
    return parse(clause);
  });
}

/** `$and: [filter, ...]`: every clause matches. */
export const parseAnd: TopLevelOperatorParser = ({ name, value, ctx, level }) =>
  new AndNode(clauses(name, value, (c) => ctx.parse(c, level)));

/** `$or: [filter, ...]`: some clause matches. */
export const parseOr: TopLevelOperatorParser = ({ name, value, ctx, level }) =>
  new OrNode(clauses(name, value, (c) => ctx.parse(c, level)));

/** `$nor: [filter, ...]`: no clause matches. */
export const parseNor: TopLevelOperatorParser = ({ name, value, ctx, level }) =>
  new NotNode(new OrNode(clauses(name, value, (c) => ctx.parse(c, level))));
