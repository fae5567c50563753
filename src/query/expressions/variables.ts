import { deepClone, isDocument, setField } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { validateVariableNameForWrite } from './field_path.js';
import type { Evaluator, OperatorTable, ParseContext, Scope } from './types.js';

/**
 * Literals and variable binding: $literal (and its alias $const) returns its argument unparsed; $let binds
 * variables for its `in` expression. Binding CURRENT re-roots field paths, as in mongod.
 */

function parseLiteral(arg: unknown): Evaluator {
  // Objects and arrays are copied per evaluation so that no two output documents share (and later mutate) them.
  if (arg !== null && typeof arg === 'object') return () => deepClone(arg);
  return () => arg;
}

function parseLet(arg: unknown, ctx: ParseContext): Evaluator {
  if (!isDocument(arg)) throw new MongoServerError(16874, '$let only supports an object as its argument');
  let varsSpec: unknown;
  let inSpec: unknown;
  let hasVars = false;
  let hasIn = false;
  for (const key of Object.keys(arg)) {
    if (key === 'vars') {
      varsSpec = arg[key];
      hasVars = true;
    } else if (key === 'in') {
      inSpec = arg[key];
      hasIn = true;
    } else {
      throw new MongoServerError(16875, `Unrecognized parameter to $let: ${key}`);
    }
  }
  if (!hasVars) throw new MongoServerError(16876, "Missing 'vars' parameter to $let");
  if (!hasIn) throw new MongoServerError(16877, "Missing 'in' parameter to $let");
  if (!isDocument(varsSpec)) throw new MongoServerError(10065, "invalid parameter: expected an object (vars)");
  const names = Object.keys(varsSpec);
  // The bound expressions see only the outer variables; `in` sees the new ones too.
  const bindings: [string, Evaluator][] = names.map((n) => [n, ctx.parse(varsSpec[n])]);
  for (const n of names) validateVariableNameForWrite(n);
  const body = ctx.withVariables(names).parse(inSpec);
  return (scope) => {
    const vars: Record<string, unknown> = { ...scope.vars };
    let current = scope.current;
    for (const [n, ev] of bindings) {
      const v = ev(scope);
      if (n === 'CURRENT') current = v;
      else setField(vars, n, v);
    }
    return body({ root: scope.root, current, vars, clock: scope.clock });
  };
}

/** A scope with one more variable bound (the `as` of $map and $filter, `this`/`value` of $reduce). */
export function bindVariable(scope: Scope, name: string, value: unknown): Scope {
  if (name === 'CURRENT') return { root: scope.root, current: value, vars: scope.vars, clock: scope.clock };
  const vars: Record<string, unknown> = { ...scope.vars };
  setField(vars, name, value);
  return { root: scope.root, current: scope.current, vars, clock: scope.clock };
}

export const variableOperators: OperatorTable = {
  $const: parseLiteral,
  $let: parseLet,
  $literal: parseLiteral,
};
