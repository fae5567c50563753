import { bsonTypeOf, compareValues, isDocument, toNumber, valueToString, type Document } from '../bson/index.js';
import { mongoError } from '../errors/index.js';
import { compileFilter } from '../query/filter/index.js';
import { trueValue } from '../query/filter/exists.js';
import { isExpressionDocument, isRegexValue } from '../query/filter/values.js';

/**
 * What mongod allows in an index's `partialFilterExpression`. The filter is parsed as a query filter without the
 * special features ($expr, $where, $text, $jsonSchema, $near), then every node of the parsed tree must be an
 * equality, `$exists: true`, a range comparison, `$type`, `$in`, a geo predicate, or an `$and`/`$or` of those (at
 * any depth since 6.0). The first node that is not is named in the error as mongod prints the tree
 * (MatchExpression::debugString): `$ne: 1` is `$not\n    a $eq 1\n`.
 */

/** A node of the filter as mongod parses it, enough to judge it and print it. */
interface FilterNode {
  kind: 'and' | 'or' | 'nor' | 'not' | 'allowed' | 'refused';
  children: FilterNode[];
  /** The line mongod prints for this node, without indentation or newline. */
  line: string;
}

const ALLOWED_COMPARISONS = new Set(['$eq', '$lt', '$lte', '$gt', '$gte']);
const GEO_OPERATORS = new Set(['$geoWithin', '$geoIntersects', '$within']);
const GEO_NEAR = new Set(['$near', '$nearSphere', '$geoNear']);
const BIT_OPERATORS = new Set(['$bitsAllSet', '$bitsAllClear', '$bitsAnySet', '$bitsAnyClear']);

/**
 * Checks a partial filter expression as mongod does when it validates an index spec (before the index is built).
 *
 * @throws MongoServerError QueryFeatureNotAllowed (224) for `$expr` and `$jsonSchema`, BadValue (2) for `$where`,
 *   `$text` and `$near`-style operators ("... is not allowed in this context"); the query filter's own errors.
 */
export function parsePartialFilter(filter: Document): void {
  refuseSpecialFeatures(filter);
  compileFilter(filter);
}

/**
 * The reason mongod gives for a partial filter it parses but cannot index ("Expression not supported in partial
 * index: ..."), or null when every node is allowed. Call after {@link parsePartialFilter}.
 */
export function unsupportedPartialFilter(filter: Document): string | null {
  const root = parseTop(filter);
  const bad = firstRefused(root);
  return bad ? `Expression not supported in partial index: ${debugString(bad, 0)}` : null;
}

function refuseSpecialFeatures(filter: Document): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$expr') throw mongoError('QueryFeatureNotAllowed', '$expr is not allowed in this context');
    if (key === '$jsonSchema') throw mongoError('QueryFeatureNotAllowed', '$jsonSchema is not allowed in this context');
    if (key === '$where') throw mongoError('BadValue', '$where is not allowed in this context');
    if (key === '$text') throw mongoError('BadValue', '$text is not allowed in this context');
    if ((key === '$and' || key === '$or' || key === '$nor') && Array.isArray(value)) {
      for (const clause of value) if (isDocument(clause)) refuseSpecialFeatures(clause);
    } else if (!key.startsWith('$') && isExpressionDocument(value, false)) {
      refuseNear(value);
    }
  }
}

function refuseNear(operators: Document): void {
  for (const [op, operand] of Object.entries(operators)) {
    if (GEO_NEAR.has(op)) throw mongoError('BadValue', '$geoNear, $near, and $nearSphere are not allowed in this context');
    if ((op === '$not' || op === '$elemMatch') && isExpressionDocument(operand, false)) refuseNear(operand);
  }
}

/** A filter document as mongod's parser returns it: its one predicate, or an $and of several. */
function parseTop(filter: Document): FilterNode {
  const children = parseClauses(filter);
  return children.length === 1 ? children[0]! : node('and', '$and', children);
}

function parseClauses(filter: Document): FilterNode[] {
  const out: FilterNode[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$comment') continue;
    if (key === '$and' || key === '$or' || key === '$nor') {
      const clauses = (value as Document[]).map(parseTop);
      out.push(node(key.slice(1) as 'and' | 'or' | 'nor', key, clauses));
    } else if (key === '$alwaysTrue' || key === '$alwaysFalse') {
      out.push(refused(key));
    } else if (isRegexValue(value)) {
      out.push(refused(regexLine(key, value)));
    } else if (isExpressionDocument(value, false)) {
      out.push(...parseOperators(key, value));
    } else {
      out.push(allowed(`${key} $eq ${valueToString(value)}`));
    }
  }
  return out;
}

/** The nodes `{path: {op: operand, ...}}` adds to the enclosing $and, one per operator, as mongod's parseSub. */
function parseOperators(path: string, operators: Document): FilterNode[] {
  const out: FilterNode[] = [];
  const entries = Object.entries(operators);
  if (entries.length > 0 && GEO_OPERATORS.has(entries[0]![0])) return [allowed(`${path} GEO`)];
  for (const [op, operand] of entries) {
    switch (op) {
      case '$options':
        break;
      case '$regex':
        out.push(refused(regexLine(path, operand, operators.$options)));
        break;
      case '$ne':
        out.push(node('not', '$not', [allowed(`${path} $eq ${valueToString(operand)}`)]));
        break;
      case '$in':
        out.push(allowed(inLine(path, operand as unknown[])));
        break;
      case '$nin':
        out.push(node('not', '$not', [allowed(inLine(path, operand as unknown[]))]));
        break;
      case '$exists':
        out.push(trueValue(operand) ? allowed(`${path} exists`) : node('not', '$not', [allowed(`${path} exists`)]));
        break;
      case '$type':
        out.push(allowed(`${path} type`));
        break;
      case '$not': {
        const inner = isRegexValue(operand) ? [refused(regexLine(path, operand))] : [node('and', '$and', parseOperators(path, operand as Document))];
        out.push(node('not', '$not', inner));
        break;
      }
      case '$all': {
        const values = operand as unknown[];
        if (values.length === 0) out.push(refused('$alwaysFalse'));
        else out.push(node('and', '$and', values.map((v) => (isDocument(v) && isExpressionDocument(v, false) ? refused(`${path} $elemMatch (obj)`) : allowed(`${path} $eq ${valueToString(v)}`)))));
        break;
      }
      case '$mod': {
        const [divisor, remainder] = operand as unknown[];
        out.push(refused(`${path} mod ${integerText(divisor)} % x == ${integerText(remainder)}`));
        break;
      }
      case '$size':
        out.push(refused(`${path} $size : ${integerText(operand)}`));
        break;
      case '$elemMatch':
        out.push(elemMatchNode(path, operand as Document));
        break;
      default:
        if (ALLOWED_COMPARISONS.has(op)) {
          out.push(allowed(`${path} ${op} ${valueToString(operand)}`));
        } else if (BIT_OPERATORS.has(op)) {
          out.push(refused(`${path} ${op}: [${bitPositions(operand).join(', ')}]`));
        } else {
          out.push(refused(`${path} ${op}`));
        }
    }
  }
  return out;
}

/** `$elemMatch` on values (`{$gt: 1}`) or on objects (`{b: 1}`), with its sub-predicates as mongod prints them. */
function elemMatchNode(path: string, operand: Document): FilterNode {
  const keys = Object.keys(operand);
  const onValues = keys.length > 0 && keys[0]!.startsWith('$') && !['$and', '$or', '$nor', '$where', '$expr', '$comment'].includes(keys[0]!);
  if (onValues) return refusedWith(`${path} $elemMatch (value)`, parseOperators('', operand));
  return refusedWith(`${path} $elemMatch (obj)`, [parseTop(operand)]);
}

function firstRefused(n: FilterNode): FilterNode | null {
  if (n.kind === 'and' || n.kind === 'or') {
    for (const child of n.children) {
      const bad = firstRefused(child);
      if (bad) return bad;
    }
    return null;
  }
  return n.kind === 'allowed' ? null : n;
}

/** mongod's MatchExpression::debugString: one line per node, four spaces per level, children below their parent. */
function debugString(n: FilterNode, level: number): string {
  return `${'    '.repeat(level)}${n.line}\n${n.children.map((c) => debugString(c, level + 1)).join('')}`;
}

function node(kind: FilterNode['kind'], line: string, children: FilterNode[]): FilterNode {
  return { kind, line, children };
}

function allowed(line: string): FilterNode {
  return { kind: 'allowed', line, children: [] };
}

function refused(line: string): FilterNode {
  return { kind: 'refused', line, children: [] };
}

function refusedWith(line: string, children: FilterNode[]): FilterNode {
  return { kind: 'refused', line, children };
}

function regexLine(path: string, value: unknown, options?: unknown): string {
  if (typeof value === 'string') return `${path} regex /${value}/${typeof options === 'string' ? options : ''}`;
  if (value instanceof RegExp) return `${path} regex /${value.source}/${value.flags}`;
  const r = value as { pattern: string; options: string };
  return `${path} regex /${r.pattern}/${r.options}`;
}

/** `a $in [ 1, 2]`: the distinct values in BSON order, as mongod keeps its $in set. */
function inLine(path: string, values: unknown[]): string {
  const sorted = [...values].sort((a, b) => compareValues(a, b, null));
  const distinct = sorted.filter((v, i) => i === 0 || compareValues(v, sorted[i - 1], null) !== 0);
  return `${path} $in [ ${distinct.map(valueToString).join(', ')}]`;
}

function integerText(v: unknown): string {
  const n = toNumber(v);
  return Number.isFinite(n) ? String(Math.trunc(n)) : valueToString(v);
}

/** The bit positions a $bits* operand names: a mask's set bits, or the listed positions. */
function bitPositions(operand: unknown): number[] {
  if (Array.isArray(operand)) return operand.map((p) => Math.trunc(toNumber(p)));
  const type = bsonTypeOf(operand);
  if (type === 'binData') {
    const view = operand as { buffer: Uint8Array; position?: number };
    const bytes = view.buffer.subarray(0, view.position ?? view.buffer.length);
    const out: number[] = [];
    bytes.forEach((byte, i) => {
      for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) out.push(i * 8 + bit);
    });
    return out;
  }
  let mask = BigInt(Math.trunc(toNumber(operand)));
  const out: number[] = [];
  for (let bit = 0; mask !== 0n && bit < 64; bit++, mask >>= 1n) if (mask & 1n) out.push(bit);
  return out;
}

