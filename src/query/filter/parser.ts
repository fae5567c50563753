import { isDocument, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { comparison } from './comparison.js';
import { AndNode } from './node.js';
import { parseNot } from './not.js';
import { regexNodeFromValue } from './regex.js';
import { fieldOperators, topLevelOperators } from './registry.js';
import { ParseLevel, type MatchNode, type MatchOptions, type FilterParseContext } from './types.js';
import { isExpressionDocument, isRegexValue } from './values.js';

/** The geo operators that take sibling modifiers ($maxDistance, ...), so the whole operator document is theirs. */
const geoNear: ReadonlySet<string> = new Set(['$geoNear', '$near', '$nearSphere']);

/**
 * Parses one field of an operator document (mongod's parseSubField): `$not` wraps the others, a known operator
 * parses itself, anything else is refused.
 */
function parseSubField(ctx: FilterParseContext, context: Document, path: string, name: string, value: unknown, level: ParseLevel): MatchNode | null {
  if (name === '$not') return parseNot({ name, path, value, context, ctx, level });
  const parser = fieldOperators.get(name);
  if (!parser) {
    if (name === '$where') throw mongoError('BadValue', '$where cannot be applied to a field');
    throw mongoError('BadValue', `unknown operator: ${name}`);
  }
  return parser({ name, path, value, context, ctx, level });
}

/** Parses `{$gt: 1, $lt: 5}` applying to `path` (mongod's parseSub). */
function parseSub(ctx: FilterParseContext, path: string, operators: Document, level: ParseLevel): MatchNode[] {
  const entries = Object.entries(operators);
  const first = entries[0];
  if (first && geoNear.has(first[0]) && (isDocument(first[1]) || Array.isArray(first[1]))) {
    return [fieldOperators.get(first[0])!({ name: first[0], path, value: first[1], context: operators, ctx, level })!];
  }
  const out: MatchNode[] = [];
  for (const [name, value] of entries) {
    const node = parseSubField(ctx, operators, path, name, value, level);
    if (node) out.push(node);
  }
  return out;
}

/**
 * Parses a filter document (mongod's MatchExpressionParser::parse): `$`-fields are top-level operators; a field
 * whose value is an operator document gets those operators; a regex value is a regex match; anything else is
 * equality. A single predicate is returned as is, several as their AND.
 */
function parse(ctx: FilterParseContext, filter: Document, level: ParseLevel): MatchNode {
  const children: MatchNode[] = [];
  const nextLevel = level === ParseLevel.predicateTop ? ParseLevel.userDocumentTop : level;
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith('$')) {
      const parser = topLevelOperators.get(key);
      if (!parser) {
        const hint =
          key === '$not'
            ? '. If you are trying to negate an entire expression, use $nor.'
            : ". If you have a field name that starts with a '$' symbol, consider using $getField or $setField.";
        throw mongoError('BadValue', `unknown top level operator: ${key}${hint}`);
      }
      const node = parser({ name: key, value, ctx, level });
      if (node) children.push(node);
      continue;
    }
    if (isExpressionDocument(value, false)) {
      children.push(...parseSub(ctx, key, value, nextLevel));
      continue;
    }
    if (isRegexValue(value)) {
      children.push(regexNodeFromValue(key, value));
      continue;
    }
    children.push(comparison(key, 'eq', value, ctx.collation));
  }
  return children.length === 1 ? children[0]! : new AndNode(children);
}

/** The parse context for one compilation. */
export function parseContext(options: MatchOptions): FilterParseContext {
  const ctx: FilterParseContext = {
    collation: options.collation ?? null,
    evaluateExpr: options.evaluateExpr,
    allowEncryptKeywords: options.allowEncryptKeywords ?? false,
    allowJsonSchema: options.allowJsonSchema ?? true,
    allowText: options.allowText ?? true,
    nearNotAllowed: options.nearNotAllowed,
    parse: (filter, level) => parse(ctx, filter, level),
    parseSub: (path, operators, level) => parseSub(ctx, path, operators, level),
    isTopLevelOperator: (name) => topLevelOperators.has(name),
    isFieldOperator: (name) => fieldOperators.has(name),
  };
  return ctx;
}
