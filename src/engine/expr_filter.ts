import { isDocument, type Collation, type Document } from '../bson/index.js';
import { compileFilter, type CompiledFilter, type MatchOptions } from '../query/filter/index.js';
import { compileExpression, type CompiledExpression } from '../query/expressions/index.js';
import type { LetVariables } from './let_variables.js';

/** Compiles `$expr` operands once each (keyed by identity) with the command's collation and variables. */
function exprCompiler(collation: Collation | null, variables?: LetVariables) {
  const vars = variables ?? {};
  const names = Object.keys(vars);
  const compiled = new Map<unknown, CompiledExpression>();
  const compile = (expr: unknown): CompiledExpression => {
    let fn = compiled.get(expr);
    if (!fn) {
      fn = compileExpression(expr, { collation, variables: names });
      compiled.set(expr, fn);
    }
    return fn;
  };
  const options: MatchOptions = { collation, evaluateExpr: (expr, doc) => compile(expr)(doc, vars) };
  return { compile, options };
}

/** Match options whose `$expr` evaluator sees the command's `let` variables and collation. */
export function exprMatchOptions(collation: Collation | null, variables?: LetVariables): MatchOptions {
  return exprCompiler(collation, variables).options;
}

/** Every `$expr` operand reachable through $and/$or/$nor, where mongod parses them with the filter. */
function exprOperands(filter: Document, out: unknown[]): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$expr') out.push(value);
    else if ((key === '$and' || key === '$or' || key === '$nor') && Array.isArray(value)) {
      for (const clause of value) if (isDocument(clause)) exprOperands(clause, out);
    }
  }
}

/**
 * Compiles a command's query filter with `$expr` support: its expressions are compiled now, so an unknown operator or
 * an undefined `$$variable` fails the command even when no document is looked at, as in mongod.
 *
 * @throws MongoServerError as compileFilter, and the expression parse errors (168, 17276, ...).
 */
export function compileCommandFilter(
  filter: Document,
  collation: Collation | null,
  variables?: LetVariables,
  extra: Pick<MatchOptions, 'allowEncryptKeywords' | 'allowText'> = {},
): CompiledFilter {
  const { compile, options } = exprCompiler(collation, variables);
  const compiled = compileFilter(filter, { ...options, ...extra });
  const operands: unknown[] = [];
  exprOperands(filter, operands);
  for (const operand of operands) compile(operand);
  return compiled;
}
