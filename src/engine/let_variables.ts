import { bsonTypeOf, isDocument, type Document } from '../bson/index.js';
import { mongoError, MongoServerError, wrongTypeError } from '../errors/index.js';
import { compileExpression } from '../query/expressions/index.js';
import { validateVariableNameForWrite } from '../query/expressions/field_path.js';

/** Evaluated `let` variables of a command, by name (a value of `undefined` is the missing value). */
export type LetVariables = Record<string, unknown>;

const rootReference = () => new MongoServerError(4890500, 'Command let Expression tried to implicitly reference ROOT or CURRENT');

/**
 * A stand-in for `$$ROOT` while a `let` expression is evaluated: a command's variables are constants, computed once
 * before any document is seen, so any look at the document is mongod's error 4890500.
 */
function forbiddenRoot(): Document {
  return new Proxy({}, {
    get: () => { throw rootReference(); },
    has: () => { throw rootReference(); },
    ownKeys: () => { throw rootReference(); },
    getOwnPropertyDescriptor: () => { throw rootReference(); },
  }) as Document;
}

/**
 * Reads and evaluates a command's `let` option (find, aggregate, update, delete, findAndModify), as mongod's
 * Variables::seedVariablesWithLetParameters: each value is an aggregation expression evaluated once, without a
 * document, and may use the variables defined before it (and `$$NOW`).
 * https://www.mongodb.com/docs/manual/reference/command/find/#std-label-find-let-syntax
 *
 * @returns undefined when the command has no `let` (or it is null).
 * @throws MongoServerError TypeMismatch (14) when `let` is not a document; FailedToParse (9) for a variable name
 *   a user may not define (uppercase first letter, bad characters, `CURRENT`); 4890500 when a value reads the
 *   document; the expression's own parse and evaluation errors.
 */
export function resolveLetVariables(spec: unknown, command: string): LetVariables | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (!isDocument(spec)) {
    throw wrongTypeError(`${command}.let`, bsonTypeOf(spec), 'object');
  }
  const vars: LetVariables = {};
  const root = forbiddenRoot();
  for (const [name, expr] of Object.entries(spec)) {
    // validateVariableNameForWrite lets $let rebind CURRENT; a command's let may not.
    if (name === 'CURRENT') throw mongoError('FailedToParse', `'${name}' starts with an invalid character for a user variable name`);
    validateVariableNameForWrite(name);
    const value = compileExpression(expr, { variables: Object.keys(vars) })(root, vars);
    if (value === root) throw rootReference();
    Object.defineProperty(vars, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return vars;
}
