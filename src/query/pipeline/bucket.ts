import { canonicalTypeOrder, compareValues, isDocument, valueToString } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { typeName, formatValue, type Evaluator } from '../expressions/index.js';
import { groupChunks, parseGroupSpec, runGroup } from './group.js';
import { sortedChunks } from './stream.js';
import { compileSortKeys, sortByKeys } from '../sort.js';
import type { StageContext, StageParser } from './types.js';

/**
 * $bucket (https://www.mongodb.com/docs/manual/reference/operator/aggregation/bucket/): mongod runs it as a $group
 * whose `_id` is the lower boundary of the bucket the `groupBy` value falls in (`lower <= value < upper`, compared
 * as `$gte`/`$lt` compare), or the `default`, followed by a `$sort` on `_id`; so does eddydb, with the bucket found
 * by binary search over the sorted boundaries. Without `output`, each bucket counts its documents.
 */

/**
 * Whether mongod's optimizer folds `expr` to a constant: literals, `$literal`, and operators over constants.
 * Field paths, variables and `$rand` are never constant.
 */
function isConstantExpression(expr: unknown): boolean {
  if (typeof expr === 'string') return !expr.startsWith('$');
  if (Array.isArray(expr)) return expr.every(isConstantExpression);
  if (!isDocument(expr)) return true;
  const keys = Object.keys(expr);
  if (keys[0]?.startsWith('$')) {
    if (keys[0] === '$literal') return true;
    if (keys[0] === '$rand') return false;
  }
  return keys.every((k) => isConstantExpression(expr[k]));
}

/** A boundary or default as mongod takes it: the value of a constant expression, or null when it is not one. */
function constantOf(value: unknown, ctx: StageContext): { value: unknown } | null {
  if (!isConstantExpression(value)) return null;
  const ev = ctx.expressions.parse(value);
  return { value: ev({ root: {}, current: {}, vars: ctx.variables, clock: {} }) };
}

function parseBoundaries(value: unknown, ctx: StageContext): unknown[] {
  if (!Array.isArray(value)) {
    throw new MongoServerError(40200, `The $bucket 'boundaries' field must be an array, but found type: ${typeName(value)}.`);
  }
  const boundaries = value.map((element) => {
    const constant = constantOf(element, ctx);
    if (!constant) {
      throw new MongoServerError(40191, `The $bucket 'boundaries' field must be an array of constant values, but found value: ${valueToString(element)}.`);
    }
    return constant.value;
  });
  if (boundaries.length < 2) {
    throw new MongoServerError(40192, `The $bucket 'boundaries' field must have at least 2 values, but found ${boundaries.length} value(s).`);
  }
  for (let i = 1; i < boundaries.length; i++) {
    const lower = boundaries[i - 1];
    const upper = boundaries[i];
    if (canonicalTypeOrder(lower) !== canonicalTypeOrder(upper)) {
      throw new MongoServerError(40193, `All values in the the 'boundaries' option to $bucket must have the same type. Found conflicting types ${typeName(lower)} and ${typeName(upper)}.`);
    }
    if (compareValues(lower, upper, ctx.collation) >= 0) {
      throw new MongoServerError(40194, `The 'boundaries' option to $bucket must be sorted, but elements ${i - 1} and ${i} are not in ascending order (${formatValue(lower)} is not less than ${formatValue(upper)}).`);
    }
  }
  return boundaries;
}

function isGroupByExpression(value: unknown): boolean {
  if (isDocument(value)) return (Object.keys(value)[0] ?? '').startsWith('$');
  return typeof value === 'string' && value.startsWith('$');
}

/** The `_id` of the group a document falls in: its bucket's lower boundary, the default, or 40066 as `$switch`. */
function bucketKey(groupBy: Evaluator, boundaries: readonly unknown[], fallback: { value: unknown } | null, ctx: StageContext): Evaluator {
  const collation = ctx.collation;
  return (scope) => {
    const v = groupBy(scope);
    if (compareValues(v, boundaries[0], collation) >= 0 && compareValues(v, boundaries[boundaries.length - 1], collation) < 0) {
      // The last boundary at or below v is the bucket's lower boundary.
      let lo = 0;
      let hi = boundaries.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (compareValues(v, boundaries[mid], collation) >= 0) lo = mid;
        else hi = mid;
      }
      return boundaries[lo];
    }
    if (fallback) return fallback.value;
    throw new MongoServerError(40066, '$switch could not find a matching branch for an input, and no default was specified.');
  };
}

export const parseBucket: StageParser = (spec, ctx) => {
  if (!isDocument(spec)) {
    throw new MongoServerError(40201, `Argument to $bucket stage must be an object, but found type: ${typeName(spec)}.`);
  }
  let groupBy: Evaluator | undefined;
  let boundaries: unknown[] = [];
  let fallback: { value: unknown } | null = null;
  let output: Record<string, unknown> | null = null;
  for (const key of Object.keys(spec)) {
    const value = spec[key];
    if (key === 'groupBy') {
      if (!isGroupByExpression(value)) {
        throw new MongoServerError(40202, `The $bucket 'groupBy' field must be defined as a $-prefixed path or an expression, but found: ${valueToString(value)}.`);
      }
      groupBy = ctx.expressions.parse(value);
    } else if (key === 'boundaries') {
      boundaries = parseBoundaries(value, ctx);
    } else if (key === 'default') {
      fallback = constantOf(value, ctx);
      if (!fallback) throw new MongoServerError(40195, `The $bucket 'default' field must be a constant expression, but found: ${valueToString(value)}.`);
    } else if (key === 'output') {
      if (!isDocument(value)) throw new MongoServerError(40196, `The $bucket 'output' field must be an object, but found type: ${typeName(value)}.`);
      output = value;
    } else {
      throw new MongoServerError(40197, `Unrecognized option to $bucket: ${key}.`);
    }
  }
  if (!groupBy || boundaries.length === 0) throw new MongoServerError(40198, "$bucket requires 'groupBy' and 'boundaries' to be specified.");
  if (fallback && canonicalTypeOrder(fallback.value) === canonicalTypeOrder(boundaries[0])) {
    const below = compareValues(fallback.value, boundaries[0], ctx.collation) < 0;
    const above = compareValues(fallback.value, boundaries[boundaries.length - 1], ctx.collation) >= 0;
    if (!below && !above) {
      throw new MongoServerError(40199, "The $bucket 'default' field must be less than the lowest boundary or greater than or equal to the highest boundary.");
    }
  }
  if (output && Object.prototype.hasOwnProperty.call(output, '_id')) {
    throw new MongoServerError(15948, "a group's _id may only be specified once");
  }
  const fields = parseGroupSpec({ _id: null, ...(output ?? { count: { $sum: 1 } }) }, ctx).fields;
  const group = { id: bucketKey(groupBy, boundaries, fallback, ctx), fields };
  const byId = compileSortKeys({ _id: 1 }, ctx.collation);
  return {
    kind: 'batch',
    name: '$bucket',
    run: (docs, runtime) => sortByKeys(runGroup(group, docs, runtime, ctx), byId, (d) => d),
    stream: (input, runtime, control) => sortedChunks(groupChunks(group, input, runtime, ctx, control), byId, control),
  };
};
