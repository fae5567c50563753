import { isDocument, getField } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import type { Evaluator, ParseContext, Scope } from './types.js';

/**
 * Field paths (`$a.b`) and variable references (`$$ROOT`, `$$x.y`), with mongod's validation and its rule for
 * walking through arrays: `$a.b` over `{a: [{b: 1}, {b: 2}, 3]}` is `[1, 2]` (non-documents are skipped, nested
 * arrays yield nested arrays).
 */

/** Variables every expression may read; DESCEND/PRUNE/KEEP only exist inside $redact. */
export const BUILTIN_VARIABLES: ReadonlySet<string> = new Set(['ROOT', 'CURRENT', 'REMOVE', 'NOW', 'CLUSTER_TIME']);

/**
 * Splits and validates a dotted path the way mongod's FieldPath does (errors 40352, 40353, 15998, 16410, 16411).
 * Used for field path expressions and for the paths of $project, $addFields, $unset, $unwind.
 */
export function validateFieldPath(path: string): string[] {
  if (path.length === 0) throw new MongoServerError(40352, 'FieldPath cannot be constructed with empty string');
  if (path.endsWith('.')) throw new MongoServerError(40353, "FieldPath must not end with a '.'.");
  const parts = path.split('.');
  for (const part of parts) validateFieldName(part);
  return parts;
}

/** Validates one path component (FieldPath::uassertValidFieldName). */
export function validateFieldName(name: string): void {
  if (name.length === 0) throw new MongoServerError(15998, 'FieldPath field names may not be empty strings.');
  if (name.startsWith('$') && !isDbRefField(name)) {
    throw new MongoServerError(16410, "FieldPath field names may not start with '$'. Consider using $getField or $setField.");
  }
  if (name.includes('\0')) throw new MongoServerError(16411, "FieldPath field names may not contain '\\0'.");
}

function isDbRefField(name: string): boolean {
  return name === '$id' || name === '$ref' || name === '$db';
}

/** Variable names a user may read (Variables::validateNameForUserRead); errors are FailedToParse, as mongod. */
export function validateVariableNameForRead(name: string): void {
  if (name.length === 0) throw mongoError('FailedToParse', 'empty variable names are not allowed');
  const first = name.charCodeAt(0);
  const okFirst = (first >= 97 && first <= 122) || (first >= 65 && first <= 90) || first >= 0x80;
  if (!okFirst) throw mongoError('FailedToParse', `'${name}' starts with an invalid character for a user variable name`);
  checkRest(name);
}

/** Variable names a user may define ($let, `as`); only CURRENT of the system variables may be rebound. */
export function validateVariableNameForWrite(name: string): void {
  if (name === 'CURRENT') return;
  if (name.length === 0) throw mongoError('FailedToParse', 'empty variable names are not allowed');
  const first = name.charCodeAt(0);
  const okFirst = (first >= 97 && first <= 122) || first >= 0x80;
  if (!okFirst) throw mongoError('FailedToParse', `'${name}' starts with an invalid character for a user variable name`);
  checkRest(name);
}

function checkRest(name: string): void {
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c >= 0x80;
    if (!ok) {
      throw mongoError('FailedToParse', `'${name}' contains an invalid character for a variable name: '${name[i]}'`);
    }
  }
}

/**
 * Compiles a `$`-prefixed string operand: `$a.b` reads `$$CURRENT.a.b`, `$$name.rest` reads a variable.
 * Errors: '$' alone 16872; bad variable names FailedToParse (9); unknown variables 17276.
 */
export function parseFieldPathExpression(raw: string, ctx: ParseContext): Evaluator {
  if (raw.length < 2) throw new MongoServerError(16872, "'$' by itself is not a valid FieldPath");
  if (raw[1] !== '$') {
    const parts = validateFieldPath(raw.slice(1));
    return pathEvaluator((scope) => scope.current, parts);
  }
  const body = raw.slice(2);
  const dot = body.indexOf('.');
  const name = dot === -1 ? body : body.slice(0, dot);
  validateVariableNameForRead(name);
  const rest = dot === -1 ? [] : validateFieldPath(body.slice(dot + 1));
  return pathEvaluator(variableReader(name, ctx), rest);
}

/** Reads a variable by name; unknown names are error 17276 at parse time. */
export function variableReader(name: string, ctx: ParseContext): Evaluator {
  switch (name) {
    case 'ROOT':
      return (scope) => scope.root;
    case 'CURRENT':
      return (scope) => scope.current;
    case 'REMOVE':
      return () => undefined;
    case 'NOW':
      return (scope) => {
        if (Object.prototype.hasOwnProperty.call(scope.vars, 'NOW')) return scope.vars.NOW;
        scope.clock.now ??= new Date();
        return scope.clock.now;
      };
    case 'CLUSTER_TIME':
      return (scope) => {
        if (Object.prototype.hasOwnProperty.call(scope.vars, 'CLUSTER_TIME')) return scope.vars.CLUSTER_TIME;
        if (scope.clock.clusterTime !== undefined) return scope.clock.clusterTime;
        throw new MongoServerError(
          51144,
          "Builtin variable '$$CLUSTER_TIME' is not available as the server is not part of a replica set",
        );
      };
  }
  if (!ctx.variables.has(name)) throw new MongoServerError(17276, `Use of undefined variable: ${name}`);
  return (scope) => getField(scope.vars as Record<string, unknown>, name);
}

function pathEvaluator(base: Evaluator, parts: readonly string[]): Evaluator {
  if (parts.length === 0) return base;
  return (scope) => {
    const v = base(scope);
    if (isDocument(v)) return evaluatePath(v, parts, 0);
    if (Array.isArray(v)) return evaluatePathArray(v, parts, 0);
    return undefined;
  };
}

/** The value at `parts[index..]` inside a document, descending arrays as mongod's ExpressionFieldPath does. */
export function evaluatePath(doc: Record<string, unknown>, parts: readonly string[], index: number): unknown {
  const v = getField(doc, parts[index]!);
  if (index === parts.length - 1) return v;
  if (isDocument(v)) return evaluatePath(v, parts, index + 1);
  if (Array.isArray(v)) return evaluatePathArray(v, parts, index + 1);
  return undefined;
}

function evaluatePathArray(arr: readonly unknown[], parts: readonly string[], index: number): unknown[] {
  const out: unknown[] = [];
  for (const el of arr) {
    if (!isDocument(el)) continue;
    const nested = evaluatePath(el, parts, index);
    if (nested !== undefined) out.push(nested);
  }
  return out;
}

/** Evaluates a field path against a document directly (helper for stages such as $unwind and $group). */
export function readPath(doc: Record<string, unknown>, path: readonly string[]): unknown {
  return evaluatePath(doc, path, 0);
}

/** A scope for evaluating against `root` with the given user variables. */
export function makeScope(root: Record<string, unknown>, vars?: Record<string, unknown>): Scope {
  return { root, current: root, vars: vars ?? {}, clock: {} };
}
