import type { Collation, Document } from '../../bson/index.js';

export type { Collation, Document };

/**
 * Per-evaluation clock: `$$NOW` (and `$$CLUSTER_TIME` when the caller has one) read the same instant for a whole
 * evaluation, as mongod fixes them once per command.
 */
export interface Clock {
  now?: Date;
  clusterTime?: unknown;
}

/** What one evaluation sees: `$$ROOT`, `$$CURRENT` (field paths read it), user variables and the clock. */
export interface Scope {
  readonly root: Document;
  readonly current: unknown;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly clock: Clock;
}

/** A compiled expression. `undefined` is the missing value (`$$REMOVE`, an absent field). */
export type Evaluator = (scope: Scope) => unknown;

/**
 * Parse-time state, threaded through operator parsers: the collation comparisons use and the user variables in
 * scope (a reference to anything else is error 17276, as in mongod).
 */
export interface ParseContext {
  readonly collation: Collation | null;
  readonly variables: ReadonlySet<string>;
  /** Compiles an operand (field path, expression object, array, operator or constant) in this context. */
  parse(expr: unknown): Evaluator;
  /** This context with more user variables defined (the `as` of $map, the `vars` of $let, ...). */
  withVariables(names: readonly string[]): ParseContext;
}

/** Compiles the argument of one operator (`$add` in `{$add: [...]}`); `name` is the operator as written. */
export type OperatorParser = (arg: unknown, ctx: ParseContext, name: string) => Evaluator;

/** A family file's operators, by name with the `$`. */
export type OperatorTable = Readonly<Record<string, OperatorParser>>;
