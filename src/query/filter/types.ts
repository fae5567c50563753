import type { Collation, Document } from '../../bson/index.js';

/** Options for {@link compileFilter}. */
export interface MatchOptions {
  /** The collation string comparisons use ($eq, $in, $gt, ...); null or absent is the simple (binary) collation. */
  collation?: Collation | null;
  /**
   * Evaluates an aggregation expression against the whole document, for `$expr`. The result is coerced to a
   * boolean the way `$expr` does (null, undefined, false and numeric zero are false). Without it, a filter that
   * uses `$expr` is refused when compiled.
   */
  evaluateExpr?: (expr: unknown, doc: Document) => unknown;
  /** `$jsonSchema` may use `encrypt` and `encryptMetadata` (collection validators only, as in mongod). */
  allowEncryptKeywords?: boolean;
  /**
   * False where mongod bans the special features and so `$jsonSchema` ($pull conditions, arrayFilters, the
   * `$elemMatch` projection): it is then refused with QueryFeatureNotAllowed. Allowed by default, as in mongod.
   */
  allowJsonSchema?: boolean;
  /** False where mongod bans `$text` (collection validators): it is then BadValue "not allowed in this context". */
  allowText?: boolean;
  /** The error for a near operator ($near, $nearSphere, $geoNear) where none may be (an aggregation's $match). */
  nearNotAllowed?: { code: number; message: string };
}

/** Side information a match reports, filled in by {@link CompiledFilter.matches} when passed. */
export interface MatchDetails {
  /** The array index that satisfied the first array traversal of the match, for the positional `$` update operator. */
  elemMatchKey?: string;
}

/** A validated, compiled query filter. */
export interface CompiledFilter {
  /** True when `doc` satisfies the filter. Never throws for any document. */
  matches(doc: Document, details?: MatchDetails): boolean;
  /** True when the filter has no predicate at all (`{}` or only `$comment`): every document matches. */
  readonly isEmpty: boolean;
  /**
   * The equality values the filter pins on paths, for seeding an upserted document: `{path: value}` (dotted paths
   * stay dotted) from `$eq`, implicit equality and one-element `$in` directly under the root or under `$and` (and a
   * one-clause `$or`). Values are deep copies.
   *
   * @throws MongoServerError NotSingleValueField (54) when two equalities name the same path or one path is a
   *   prefix of another, as mongod does when it seeds an upsert.
   */
  equalities(): Document;
}

/**
 * The marker for "no value here": a missing field (mongod's EOO element). Distinct from `undefined`, which is the
 * deprecated BSON undefined value when it appears as a field's value.
 */
export const MISSING: unique symbol = Symbol('missing');
export type Missing = typeof MISSING;

/**
 * Where the parser stands (mongod's DocumentParseLevel): some operators ($expr, $where, $text, $sampleRate) only
 * make sense against the whole document, not inside `$elemMatch`.
 */
export const ParseLevel = {
  /** The root of the user's filter. */
  predicateTop: 0,
  /** A position that still matches against the whole document (inside a top-level field predicate). */
  userDocumentTop: 1,
  /** Inside `$elemMatch`: matches against an array element. */
  userSubDocument: 2,
} as const;
export type ParseLevel = (typeof ParseLevel)[keyof typeof ParseLevel];

/** A compiled predicate: one node of mongod's MatchExpression tree. */
export interface MatchNode {
  /** Tests a whole document (or, under `$elemMatch` object form, an array element used as one). */
  matches(doc: unknown, details?: MatchDetails): boolean;
  /** Tests one value already extracted from a path (`MISSING` for none), as `$elemMatch` value form and `$not` need. */
  matchesSingleElement(value: unknown, details?: MatchDetails): boolean;
}

/** What every operator parser receives; `parse`/`parseSub` let operators recurse without importing the parser. */
export interface FilterParseContext {
  readonly collation: Collation | null;
  readonly evaluateExpr: MatchOptions['evaluateExpr'];
  readonly allowEncryptKeywords: boolean;
  readonly allowJsonSchema: boolean;
  readonly allowText: boolean;
  readonly nearNotAllowed: MatchOptions['nearNotAllowed'];
  /** Parses a whole filter document (as for `$and` clauses and `$elemMatch` object form). */
  parse(filter: Document, level: ParseLevel): MatchNode;
  /** Parses an operator document `{$gt: 1, $lt: 5}` applying to `path` into its predicates. */
  parseSub(path: string, operators: Document, level: ParseLevel): MatchNode[];
  /** True when `name` ('$and', '$expr', ...) is a top-level (pathless) operator. */
  isTopLevelOperator(name: string): boolean;
  /** True when `name` ('$gt', '$size', ...) is an operator that applies to a field (mongod's path-accepting keyword). */
  isFieldOperator(name: string): boolean;
}

/** A field operator's parser: `{path: {<name>: value, ...context}}`. Returns null when it adds no predicate. */
export type FieldOperatorParser = (args: {
  name: string;
  path: string;
  value: unknown;
  /** The whole operator document the operator sits in (for `$regex`/`$options`, which read each other). */
  context: Document;
  ctx: FilterParseContext;
  level: ParseLevel;
}) => MatchNode | null;

/** A top-level (pathless) operator's parser: `{<name>: value}`. Returns null when it adds no predicate. */
export type TopLevelOperatorParser = (args: {
  name: string;
  value: unknown;
  ctx: FilterParseContext;
  level: ParseLevel;
}) => MatchNode | null;
