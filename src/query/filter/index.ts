/**
 * The query filter: MongoDB's match expression language, validated and compiled once, then run against many
 * documents. One file per operator, registered in registry.ts; the path walk (arrays, numeric components) is
 * path.ts. Semantics follow mongod's MatchExpression (https://www.mongodb.com/docs/manual/reference/operator/query/),
 * including 8.0's rule that null no longer matches the BSON undefined value.
 */
import { bsonTypeOf, isDocument, type Document } from '../../bson/index.js';
import { wrongTypeError } from '../../errors/index.js';
import { extractEqualities } from './equalities.js';
import { AndNode } from './node.js';
import { parseContext } from './parser.js';
import { operandValue } from './values.js';
import { ParseLevel, type CompiledFilter, type MatchDetails, type MatchOptions } from './types.js';

export type { CompiledFilter, MatchDetails, MatchOptions } from './types.js';

/**
 * Validates and compiles a query filter. Matching never throws afterwards.
 *
 * @throws MongoServerError with mongod's code and message for an invalid filter: TypeMismatch (14) when `filter`
 *   is not a document; BadValue (2) for an unknown operator ("unknown top level operator: $foo. ...",
 *   "unknown operator: $foo") or a malformed operand ("$in needs an array", "$and/$or/$nor must be a nonempty
 *   array", "malformed mod, not enough elements", "divisor cannot be 0", "Unknown type name alias: foo",
 *   "Failed to parse $size. ..."); FailedToParse (9), TypeMismatch (14) and Location51108/51091 (bad regex) where
 *   mongod uses them; BadValue or QueryFeatureNotAllowed (224) for operators eddydb does not support ($where,
 *   $text, geospatial); the `$jsonSchema` parse errors (9, 14, 2, 224) and for `$expr` without `options.evaluateExpr`.
 */
export function compileFilter(filter: Document, options: MatchOptions = {}): CompiledFilter {
  if (!isDocument(filter) || (filter as { _bsontype?: unknown })._bsontype !== undefined) {
    throw wrongTypeError('filter', bsonTypeOf(filter), 'object');
  }
  // JS undefined anywhere in the filter reads as null, as the bson serializer (and so every driver) writes it.
  const root = parseContext(options).parse(operandValue(filter) as Document, ParseLevel.predicateTop);
  const isEmpty = root instanceof AndNode && root.children.length === 0;
  return {
    isEmpty,
    matches(doc: Document, details?: MatchDetails): boolean {
      if (details) delete details.elemMatchKey;
      return root.matches(doc, details);
    },
    equalities: () => extractEqualities(root),
  };
}

/** Compiles `filter` and tests one document with it (see {@link compileFilter} for the errors). */
export function matches(filter: Document, doc: Document, options?: MatchOptions): boolean {
  return compileFilter(filter, options).matches(doc);
}

/** A compiled predicate on a single value, as {@link compileValueFilter} returns. */
export interface CompiledValueFilter {
  /** True when `value` satisfies every operator, tested as one element (arrays are not expanded). */
  matches(value: unknown): boolean;
}

/**
 * Compiles an operator document (`{$gte: 6, $lt: 9}`, `{$in: [...]}`, `{$regex: 'x'}`, `{$not: ...}`) into a test
 * of one value, as `$elemMatch` value form applies it to each element (mongod's matchesSingleElement). For callers
 * that hold a value rather than a document: `$pull` conditions, `$elemMatch` projection.
 *
 * @throws MongoServerError as {@link compileFilter}; "unknown operator: x" for a field that is not an operator.
 */
export function compileValueFilter(operators: Document, options: MatchOptions = {}): CompiledValueFilter {
  if (!isDocument(operators) || (operators as { _bsontype?: unknown })._bsontype !== undefined) {
    throw wrongTypeError('filter', bsonTypeOf(operators), 'object');
  }
  const predicates = parseContext(options).parseSub('', operandValue(operators) as Document, ParseLevel.userSubDocument);
  const all = new AndNode(predicates);
  return { matches: (value: unknown) => all.matchesSingleElement(value) };
}
