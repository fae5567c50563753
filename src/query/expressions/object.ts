import { isDocument, getField, setField } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { fixedArgs, namedArgs, parseArgs } from './args.js';
import type { Document, Evaluator, OperatorTable, ParseContext } from './types.js';
import { formatValue, isNullish, typeName } from './values.js';

/**
 * Object operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/#object-expression-operators)
 * plus $objectToArray / $arrayToObject. Results are new documents; inputs are never modified.
 */

function parseMergeObjects(arg: unknown, ctx: ParseContext): Evaluator {
  const args = parseArgs(arg, ctx);
  return (scope) => {
    const out: Document = {};
    for (const ev of args) {
      const v = ev(scope);
      if (isNullish(v)) continue;
      if (!isDocument(v)) {
        throw new MongoServerError(40400, `$mergeObjects requires object inputs, but input ${formatValue(v)} is of type ${typeName(v)}`);
      }
      for (const key of Object.keys(v)) {
        const fv = v[key];
        // Missing values never overwrite: mongod's MutableDocument skips them.
        if (fv !== undefined) setField(out, key, fv);
      }
    }
    return out;
  };
}

function parseObjectToArray(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [ev] = fixedArgs(name, arg, ctx, 1);
  return (scope) => {
    const v = ev!(scope);
    if (isNullish(v)) return null;
    if (!isDocument(v)) throw new MongoServerError(40390, `$objectToArray requires a document input, found: ${typeName(v)}`);
    return Object.keys(v).map((k) => ({ k, v: v[k] }));
  };
}

function parseArrayToObject(arg: unknown, ctx: ParseContext, name: string): Evaluator {
  const [ev] = fixedArgs(name, arg, ctx, 1);
  return (scope) => {
    const input = ev!(scope);
    if (isNullish(input)) return null;
    if (!Array.isArray(input)) throw new MongoServerError(40386, `$arrayToObject requires an array input, found: ${typeName(input)}`);
    const out: Document = {};
    if (input.length === 0) return out;
    const pairs = Array.isArray(input[0]);
    if (!pairs && !isDocument(input[0])) {
      throw new MongoServerError(40398, `Unrecognised input type format for $arrayToObject: ${typeName(input[0])}`);
    }
    for (const el of input) {
      let key: unknown;
      let value: unknown;
      if (pairs) {
        if (!Array.isArray(el)) {
          throw new MongoServerError(40396, `$arrayToObject requires a consistent input format. Elements must all be arrays or all be objects. Array was detected, now found: ${typeName(el)}`);
        }
        if (el.length !== 2) {
          throw new MongoServerError(40397, `$arrayToObject requires an array of size 2 arrays,found array of size: ${el.length}`);
        }
        [key, value] = el;
        if (typeof key !== 'string') {
          throw new MongoServerError(40395, `$arrayToObject requires an array of key-value pairs, where the key must be of type string. Found key type: ${typeName(key)}`);
        }
      } else {
        if (!isDocument(el)) {
          throw new MongoServerError(40391, `$arrayToObject requires a consistent input format. Elements must all be arrays or all be objects. Object was detected, now found: ${typeName(el)}`);
        }
        const keys = Object.keys(el);
        if (keys.length !== 2) {
          throw new MongoServerError(40392, `$arrayToObject requires an object keys of 'k' and 'v'. Found incorrect number of keys:${keys.length}`);
        }
        key = getField(el, 'k');
        value = getField(el, 'v');
        if (key === undefined || value === undefined) {
          throw new MongoServerError(40393, `$arrayToObject requires an object with keys 'k' and 'v'. Missing either or both keys from: ${formatValue(el)}`);
        }
        if (typeof key !== 'string') {
          throw new MongoServerError(40394, `$arrayToObject requires an object with keys 'k' and 'v', where the value of 'k' must be of type string. Found type: ${typeName(key)}`);
        }
      }
      if ((key as string).includes('\0')) {
        throw new MongoServerError(4940400, "Key field cannot contain an embedded null byte");
      }
      setField(out, key as string, value);
    }
    return out;
  };
}

/** $getField: `{field, input}` or the shorthand `{$getField: <field>}` reading from $$CURRENT. */
function parseGetField(arg: unknown, ctx: ParseContext): Evaluator {
  let fieldEv: Evaluator;
  let inputEv: Evaluator;
  if (isDocument(arg) && !Object.keys(arg).some((k) => k.startsWith('$'))) {
    const spec = namedArgs(arg, ['field', 'input'], {
      notObject: [3041703, '$getField requires an object'],
      unknown: [3041701, '$getField found an unknown argument: '],
      required: {
        field: [3041702, "$getField requires 'field' to be specified"],
      },
    });
    fieldEv = ctx.parse(spec.field);
    inputEv = 'input' in spec ? ctx.parse(spec.input) : (scope) => scope.current;
  } else {
    fieldEv = ctx.parse(arg);
    inputEv = (scope) => scope.current;
  }
  return (scope) => {
    const field = fieldEv(scope);
    if (typeof field !== 'string') {
      throw new MongoServerError(5654602, `$getField requires 'field' to evaluate to type String, but got ${typeName(field)}`);
    }
    const input = inputEv(scope);
    if (isNullish(input)) return null;
    if (!isDocument(input)) return undefined;
    return getField(input, field);
  };
}

/** $setField (and $unsetField, which is $setField with value $$REMOVE). */
function setOrUnsetField(unset: boolean) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const allowed = unset ? ['field', 'input'] : ['field', 'input', 'value'];
    const spec = namedArgs(arg, allowed, {
      notObject: [4161100, `${name} only supports an object as its argument`],
      unknown: [4161101, `${name} found an unknown argument: `],
      required: {
        field: [4161102, `${name} requires 'field' to be specified`],
        input: [4161103, `${name} requires 'input' to be specified`],
        ...(unset ? {} : { value: [4161104, `${name} requires 'value' to be specified`] }),
      },
    });
    // 'field' must be a constant string; {$literal: '$name'} is how a $-prefixed name is written.
    let field = spec.field;
    const literal = isDocument(field) && Object.keys(field).length === 1 && Object.keys(field)[0] === '$literal';
    if (literal) field = (field as Document).$literal;
    else if (typeof field === 'string' && field.startsWith('$')) {
      throw new MongoServerError(4161108, `${name}: 'field' cannot be a $-prefixed path`);
    } else if (isDocument(field) || Array.isArray(field)) {
      throw new MongoServerError(4161106, `${name} requires 'field' to evaluate to a constant, but got a non-constant argument`);
    }
    if (typeof field !== 'string') {
      throw new MongoServerError(4161107, `${name} requires 'field' to evaluate to type String, but got ${typeName(field)}`);
    }
    const fieldName = field;
    const inputEv = ctx.parse(spec.input);
    const valueEv = unset ? () => undefined : ctx.parse(spec.value);
    return (scope) => {
      const input = inputEv(scope);
      if (isNullish(input)) return null;
      if (!isDocument(input)) {
        throw new MongoServerError(4161105, `${name} requires 'input' to evaluate to type Object, but got ${typeName(input)}`);
      }
      const value = valueEv(scope);
      const out: Document = {};
      let placed = false;
      for (const key of Object.keys(input)) {
        if (key === fieldName) {
          placed = true;
          if (value !== undefined) setField(out, key, value);
        } else {
          setField(out, key, input[key]);
        }
      }
      if (!placed && value !== undefined) setField(out, fieldName, value);
      return out;
    };
  };
}

export const objectOperators: OperatorTable = {
  $arrayToObject: parseArrayToObject,
  $getField: parseGetField,
  $mergeObjects: parseMergeObjects,
  $objectToArray: parseObjectToArray,
  $setField: setOrUnsetField(false),
  $unsetField: setOrUnsetField(true),
};
