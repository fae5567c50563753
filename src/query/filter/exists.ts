import { bsonTypeOf, toNumber } from '../../bson/index.js';
import { NotNode, PathNode } from './node.js';
import { MISSING, type FieldOperatorParser } from './types.js';

/** The field is present (with any value, null and undefined included) somewhere the path leads. */
export class ExistsNode extends PathNode {
  matchesSingleElement(value: unknown): boolean {
    return value !== MISSING;
  }
}

/**
 * The truth of a BSON value as mongod's BSONElement::trueValue reads it: false, null, undefined and numeric zero
 * are false; everything else (NaN, strings, documents, arrays) is true.
 */
export function trueValue(v: unknown): boolean {
  switch (bsonTypeOf(v)) {
    case 'bool':
      return v === true;
    case 'null':
    case 'undefined':
      return false;
    case 'int':
    case 'long':
    case 'double':
      return toNumber(v) !== 0;
    case 'decimal':
      return !/^-?0(?:\.0*)?(?:E[+-]?\d+)?$/i.test(String(v as object));
    default:
      return true;
  }
}

/**
 * `$exists`: a true operand (in mongod's truthiness) matches when the path yields a value; a false one is the
 * negation, so `{'a.b': {$exists: false}}` matches `{a: [1]}` and fails on `{a: [{b: 1}, {c: 1}]}`.
 */
export const parseExists: FieldOperatorParser = ({ path, value }) => {
  const exists = new ExistsNode(path);
  return trueValue(value) ? exists : new NotNode(exists);
};
