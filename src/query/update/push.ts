import {
  bsonTypeOf, compareValues, deepClone, isDocument, isNumeric, toNumber, type Collation, type Document,
} from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { MISSING } from '../filter/types.js';
import { idForMessage } from './arithmetic.js';
import { ModifierNode, NOOP, type ModifyResult } from './modifier_node.js';
import { dotted, getChild, type PathStep } from './path_support.js';
import type { ApplyContext } from './update_node.js';

/** How $push orders the array: by whole values (1 / -1) or by fields of document elements. */
type PushSort = { readonly whole: 1 | -1 } | { readonly pattern: readonly [string[], 1 | -1][] };

/** An integral number (of any numeric type) as a JS number, else null (MatchExpressionParser::parseIntegerElementToLong). */
export function integralValue(v: unknown): number | null {
  if (!isNumeric(v)) return null;
  const n = toNumber(v);
  return Number.isInteger(n) ? n : null;
}

/**
 * $push (https://www.mongodb.com/docs/manual/reference/operator/update/push/) with the $each, $position, $sort
 * and $slice modifiers, applied in that order (insert, sort, slice) as mongod's PushNode does. Appending to the
 * end of a non-empty array is logged element by element (`a.3`), anything else as the whole array.
 */
export class PushNode extends ModifierNode {
  readonly operatorName = '$push';

  constructor(
    private readonly values: readonly unknown[],
    private readonly position: number,
    private readonly slice: number,
    private readonly sort: PushSort | null,
  ) {
    super();
  }


  protected updateExisting(ctx: ApplyContext, current: unknown, path: readonly PathStep[]): ModifyResult {
    if (!Array.isArray(current)) {
      throw mongoError(
        'BadValue',
        `The field '${dotted(path)}' must be an array but is of type ${bsonTypeOf(current)} in document {${idForMessage(ctx.root)}}`,
      );
    }
    const { array, kind } = this.push([...current], ctx.collation);
    if (kind === 'noop') return NOOP;
    if (kind === 'append') return { kind: 'append', value: array, count: this.values.length };
    return { kind: 'update', value: array };
  }

  protected override valueForNew(ctx: ApplyContext): unknown {
    return this.push([], ctx.collation).array;
  }

  private push(array: unknown[], collation: Collation | null): { array: unknown[]; kind: 'noop' | 'append' | 'update' } {
    let kind: 'noop' | 'append' | 'update' = 'noop';
    const values = this.values.map((v) => deepClone(v));
    if (values.length > 0) {
      const size = array.length;
      let at: number;
      if (size === 0) {
        at = 0;
        kind = 'update';
      } else if (this.position > size) {
        at = size;
        kind = 'append';
      } else if (this.position > 0) {
        at = this.position;
        kind = 'update';
      } else if (this.position < 0 && -this.position < size) {
        at = size + this.position;
        kind = 'update';
      } else {
        at = 0;
        kind = 'update';
      }
      array.splice(at, 0, ...values);
    }
    if (this.sort) {
      kind = 'update';
      array.sort(pushComparator(this.sort, collation));
    }
    const keep = Math.abs(this.slice);
    if (array.length > keep) {
      kind = 'update';
      if (this.slice >= 0) array.splice(keep);
      else array.splice(0, array.length - keep);
    }
    return { array, kind };
  }
}

/** The value at a dotted path for $push's $sort: arrays are indexed by number, not traversed; missing is null. */
function sortKey(element: unknown, path: readonly string[]): unknown {
  let cur: unknown = isDocument(element) ? element : { '': element };
  for (const part of path) {
    cur = getChild(cur, part);
    if (cur === MISSING) return null;
  }
  return cur;
}

function pushComparator(sort: PushSort, collation: Collation | null): (a: unknown, b: unknown) => number {
  if ('whole' in sort) return (a, b) => compareValues(a, b, collation) * sort.whole;
  return (a, b) => {
    for (const [path, dir] of sort.pattern) {
      const c = compareValues(sortKey(a, path), sortKey(b, path), collation);
      if (c !== 0) return c * dir;
    }
    return 0;
  };
}

function parseSortClause(sort: unknown): PushSort {
  if (isDocument(sort)) {
    const keys = Object.keys(sort);
    if (keys.length === 0) throw mongoError('BadValue', 'The $sort pattern is empty when it should be a set of fields.');
    const pattern: [string[], 1 | -1][] = [];
    for (const key of keys) {
      const dir = isNumeric(sort[key]) ? toNumber(sort[key]) : 0;
      if (dir !== 1 && dir !== -1) throw mongoError('BadValue', 'The $sort element value must be either 1 or -1');
      if (key.length === 0) throw mongoError('BadValue', 'The $sort field cannot be empty');
      const parts = key.split('.');
      if (parts.some((p) => p.length === 0)) {
        throw mongoError('BadValue', `The $sort field is a dotted field but has an empty part: ${key}`);
      }
      pattern.push([parts, dir]);
    }
    return { pattern };
  }
  if (isNumeric(sort)) {
    const dir = toNumber(sort);
    if (dir === 1 || dir === -1) return { whole: dir };
    throw mongoError('BadValue', 'The $sort element value must be either 1 or -1');
  }
  throw mongoError('BadValue', 'The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields');
}

const CLAUSES = new Set(['$each', '$slice', '$sort', '$position']);

export function parsePush(_field: string, value: unknown): PushNode {
  if (!isDocument(value) || !Object.prototype.hasOwnProperty.call(value, '$each')) {
    return new PushNode([value], Infinity, Infinity, null);
  }
  const clauses: Document = value;
  for (const name of Object.keys(clauses)) {
    if (!CLAUSES.has(name)) throw mongoError('BadValue', `Unrecognized clause in $push: ${name}`);
  }
  const each = clauses.$each;
  if (!Array.isArray(each)) {
    throw mongoError('BadValue', `The argument to $each in $push must be an array but it was of type: ${bsonTypeOf(each)}`);
  }
  let slice = Infinity;
  if ('$slice' in clauses) {
    const n = integralValue(clauses.$slice);
    if (n === null) {
      throw mongoError('BadValue', `The value for $slice must be an integer value but was given type: ${bsonTypeOf(clauses.$slice)}`);
    }
    slice = n;
  }
  const sort = '$sort' in clauses ? parseSortClause(clauses.$sort) : null;
  let position = Infinity;
  if ('$position' in clauses) {
    const n = integralValue(clauses.$position);
    if (n === null) {
      throw mongoError('BadValue', `The value for $position must be an integer value, not of type: ${bsonTypeOf(clauses.$position)}`);
    }
    position = n;
  }
  return new PushNode(each, position, slice, sort);
}
