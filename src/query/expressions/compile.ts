import { documentToString, isDocument, setField } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { BUILTIN_VARIABLES, makeScope, parseFieldPathExpression, validateFieldName } from './field_path.js';
import { approximateSize, MAX_EXPRESSION_VALUE_BYTES, rememberSize, valueTooLarge } from './memory_limits.js';
import { lookupOperator } from './registry.js';
import type { Collation, Document, Evaluator, ParseContext } from './types.js';

/** Options for compiling an expression. */
export interface ExpressionOptions {
  /** Collation for string comparisons ($eq, $in, $cmp, ...); null or absent is the simple binary collation. */
  readonly collation?: Collation | null;
  /**
   * User variables the expression may reference (`$$name`), e.g. an aggregate's `let`. Referencing any other
   * undeclared variable is error 17276 at compile time, as in mongod.
   */
  readonly variables?: Iterable<string>;
}

/** A compiled expression: evaluate against a root document with the values of the declared variables. */
export type CompiledExpression = (root: Document, vars?: Record<string, unknown>) => unknown;

/**
 * Compiles an aggregation expression (https://www.mongodb.com/docs/manual/meta/aggregation-quick-reference/#expressions)
 * once, validating it as mongod does at parse time: unknown operator 168 InvalidPipelineOperator, wrong argument
 * count 16020/28667, `'$'` alone 16872, bad variable names 9 FailedToParse, undefined variables 17276, an object
 * mixing an operator with other fields 15983. Evaluation errors (type errors, division by zero) are thrown by the
 * returned function. A result of `undefined` means missing (e.g. `$$REMOVE`).
 */
export function compileExpression(expr: unknown, options: ExpressionOptions = {}): CompiledExpression {
  const ev = createParseContext(options).parse(expr);
  return (root, vars) => ev(makeScope(root, vars));
}

/** Compiles and evaluates in one step; every key of `vars` is a declared variable. */
export function evaluateExpression(expr: unknown, root: Document, vars?: Record<string, unknown>): unknown {
  const variables = vars ? Object.keys(vars) : [];
  return compileExpression(expr, { variables })(root, vars);
}

/** The parse context compileExpression uses; pipeline stages compile their expressions through it. */
export function createParseContext(options: ExpressionOptions = {}): ParseContext {
  const variables = new Set<string>(options.variables ?? []);
  return makeContext(options.collation ?? null, variables);
}

function makeContext(collation: Collation | null, variables: ReadonlySet<string>): ParseContext {
  const ctx: ParseContext = {
    collation,
    variables,
    parse: (expr) => parseOperand(expr, ctx),
    withVariables(names) {
      const next = new Set(variables);
      for (const n of names) if (!BUILTIN_VARIABLES.has(n)) next.add(n);
      return makeContext(collation, next);
    },
  };
  return ctx;
}

/** Expression::parseOperand: field path, expression object or operator, array of expressions, or constant. */
function parseOperand(expr: unknown, ctx: ParseContext): Evaluator {
  if (typeof expr === 'string' && expr.startsWith('$')) return parseFieldPathExpression(expr, ctx);
  if (Array.isArray(expr)) {
    const items = expr.map((e) => parseOperand(e, ctx));
    return (scope) => {
      const out: unknown[] = [];
      let size = EMPTY_ARRAY_SIZE;
      for (const item of items) {
        // Missing values cannot live in an array: mongod stores null in their place.
        const v = item(scope) ?? null;
        out.push(v);
        size += approximateSize(v);
      }
      return checkedLiteral(out, size, 'an array expression');
    };
  }
  if (isDocument(expr)) return parseObject(expr, ctx);
  return () => expr;
}

function parseObject(obj: Document, ctx: ParseContext): Evaluator {
  const keys = Object.keys(obj);
  if (keys.length === 0) return () => ({});
  const first = keys[0]!;
  if (first.startsWith('$')) {
    if (keys.length !== 1) {
      throw new MongoServerError(15983, `An object representing an expression must have exactly one field: ${documentToString(obj)}`);
    }
    const parser = lookupOperator(first);
    if (!parser) throw new MongoServerError(168, `Unrecognized expression '${first}'`);
    return parser(obj[first], ctx, first);
  }
  const fields: [string, Evaluator][] = keys.map((key) => {
    validateFieldName(key);
    if (key.includes('.')) throw new MongoServerError(16412, "FieldPath field names may not contain '.'.");
    return [key, parseOperand(obj[key], ctx)];
  });
  return (scope) => {
    const out: Document = {};
    let size = EMPTY_DOCUMENT_SIZE;
    for (const [key, ev] of fields) {
      const v = ev(scope);
      if (v === undefined) continue;
      setField(out, key, v);
      size += key.length + approximateSize(v);
    }
    return checkedLiteral(out, size, 'an object expression');
  };
}

const EMPTY_ARRAY_SIZE = approximateSize([]);
const EMPTY_DOCUMENT_SIZE = approximateSize({});

/**
 * A literal array or object holds its values by reference, so one referencing a variable twice is twice that
 * variable's size once written out or copied, and nesting such literals under `$let` doubles the size at each
 * level. Each literal's size is counted (its parts' sizes are remembered) and refused past the limit.
 */
function checkedLiteral<T extends object>(value: T, size: number, what: string): T {
  if (size > MAX_EXPRESSION_VALUE_BYTES) throw valueTooLarge(what, size, MAX_EXPRESSION_VALUE_BYTES);
  rememberSize(value, size);
  return value;
}
