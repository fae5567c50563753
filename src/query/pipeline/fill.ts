import { addNumbers, bsonTypeOf, compareValues, divideNumbers, isDocument, isNumeric, multiplyNumbers, subtractNumbers, Long, type Document } from '../../bson/index.js';
import { MongoServerError, mongoError, missingFieldError, unknownFieldError, wrongTypeError } from '../../errors/index.js';
import { typeName, type Evaluator } from '../expressions/index.js';
import { compileSortKeys, sortByKeys, type SortKeys } from '../sort.js';
import { parseAddFields } from './add_fields.js';
import { setNested } from './paths.js';
import { scopeFor } from './scope.js';
import { sortedChunks, type Chunks, type StreamControl } from './stream.js';
import type { DocumentStage, Runtime, StageContext, StageParser } from './types.js';

/**
 * $fill (https://www.mongodb.com/docs/manual/reference/operator/aggregation/fill/): mongod rewrites it as a
 * $setWindowFields computing `$locf` or `$linearFill` of each field with a `method`, then an $addFields setting
 * each field with a `value` where it is null or missing (`$ifNull`). The window part is done here on its own:
 * documents are sorted by partition then `sortBy` (not at all without either), each partition is read in order,
 * and every method field is set (to null where nothing can fill it). A partition is held whole while it is filled.
 */

type Method = 'locf' | 'linear';

interface MethodField {
  readonly path: string[];
  readonly method: Method;
  readonly input: Evaluator;
}

interface WindowPart {
  readonly fields: readonly MethodField[];
  readonly partitionBy: Evaluator | null;
  readonly sortBy: SortKeys | null;
  /** The one sort field of `$linearFill` (its x coordinate). */
  readonly sortField: Evaluator | null;
}

function parseOutputField(name: string, spec: unknown): { method?: Method; value?: { v: unknown } } {
  if (!isDocument(spec)) throw new MongoServerError(6050200, 'Each fill output specification must be an object with exactly one field');
  let method: string | undefined;
  let value: { v: unknown } | undefined;
  for (const key of Object.keys(spec)) {
    if (key === 'method') {
      if (typeof spec[key] !== 'string') throw wrongTypeError('$fill.method', bsonTypeOf(spec[key]), 'string');
      method = spec[key] as string;
    } else if (key === 'value') {
      value = { v: spec[key] };
    } else {
      throw unknownFieldError(`$fill.${key}`);
    }
  }
  void name;
  if (method === undefined) return value ? { value } : {};
  if (value) throw new MongoServerError(6050201, "Each fill output specification must have exactly one of 'method' or 'value' fields, not both");
  if (method !== 'locf' && method !== 'linear') throw new MongoServerError(6050202, 'Method must be either locf or linear');
  return { method };
}

function parseStringArray(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) throw wrongTypeError(path, bsonTypeOf(value), 'array');
  return value.map((element, i) => {
    if (typeof element !== 'string') throw wrongTypeError(`${path}.${i}`, bsonTypeOf(element), 'string');
    return element;
  });
}

interface ParsedFill {
  readonly window: WindowPart | null;
  readonly addFields: DocumentStage | null;
}

function parseFillSpec(spec: unknown, ctx: StageContext): ParsedFill {
  if (!isDocument(spec)) throw mongoError('FailedToParse', `The $fill stage specification must be an object, found ${typeName(spec)}`);
  let sortBy: Document | undefined;
  let partitionByFields: string[] | undefined;
  let partitionBy: unknown;
  let output: Document | undefined;
  for (const key of Object.keys(spec)) {
    const v = spec[key];
    if (key === 'sortBy') {
      if (!isDocument(v)) throw wrongTypeError('$fill.sortBy', bsonTypeOf(v), 'object');
      sortBy = v;
    } else if (key === 'partitionByFields') {
      partitionByFields = parseStringArray(v, '$fill.partitionByFields');
    } else if (key === 'partitionBy') {
      if (!isDocument(v) && typeof v !== 'string') throw wrongTypeError('$fill.partitionBy', bsonTypeOf(v), ['object', 'string']);
      partitionBy = v;
    } else if (key === 'output') {
      if (!isDocument(v)) throw wrongTypeError('$fill.output', bsonTypeOf(v), 'object');
      output = v;
    } else {
      throw unknownFieldError(`$fill.${key}`);
    }
  }
  if (!output) throw missingFieldError('$fill.output');
  const names = Object.keys(output);
  if (names.length === 0) throw new MongoServerError(6050203, "The output field in '$fill' must contain an object with at least one element");
  const methods: { name: string; method: Method }[] = [];
  const values: Document = {};
  for (const name of names) {
    const parsed = parseOutputField(name, output[name]);
    if (parsed.method) methods.push({ name, method: parsed.method });
    if (parsed.value) values[name] = { $ifNull: [`$${name}`, parsed.value.v] };
  }
  if (partitionBy !== undefined && partitionByFields) {
    throw new MongoServerError(6050204, "Maximum one of 'partitionBy' and 'partitionByFields can be specified in '$fill'");
  }
  let window: WindowPart | null = null;
  if (methods.length > 0) {
    let partitionExpr: unknown = partitionBy;
    if (partitionByFields) {
      const obj: Document = {};
      for (const f of partitionByFields) obj[f] = `$${f}`;
      partitionExpr = obj;
    }
    const sortKeys = sortBy ? compileSortKeys(sortBy, ctx.collation) : null;
    const sortFields = sortBy ? Object.keys(sortBy) : [];
    const fields = methods.map(({ name, method }): MethodField => {
      if (method === 'linear' && sortFields.length !== 1) {
        throw new MongoServerError(605001, '$linearFill must be specified with a top level sortBy expression with exactly one element');
      }
      return { path: name.split('.'), method, input: ctx.expressions.parse(`$${name}`) };
    });
    window = {
      fields,
      partitionBy: partitionExpr === undefined ? null : ctx.expressions.parse(partitionExpr),
      sortBy: sortKeys,
      sortField: sortFields.length === 1 ? ctx.expressions.parse(`$${sortFields[0]}`) : null,
    };
  }
  const addFields = Object.keys(values).length > 0 ? parseAddFields(values, ctx, '$addFields') as DocumentStage : null;
  return { window, addFields };
}

/** A document with its partition key, as the sort holds it. */
interface Keyed extends Document {
  k: unknown;
  d: Document;
}

function partitionKeyOf(window: WindowPart, doc: Document, runtime: Runtime): unknown {
  if (!window.partitionBy) return null;
  const key = window.partitionBy(scopeFor(doc, runtime));
  if (Array.isArray(key)) throw mongoError('TypeMismatch', 'An expression used to partition cannot evaluate to value of type array');
  return key === undefined ? null : key;
}

function windowSortKeys(window: WindowPart, ctx: StageContext): SortKeys {
  const inner = window.sortBy;
  return {
    keysOf: (doc) => [(doc as Keyed).k, ...(inner ? inner.keysOf((doc as Keyed).d) : [])],
    compareKeys: (a, b) => compareValues(a[0], b[0], ctx.collation) || (inner ? inner.compareKeys(a.slice(1), b.slice(1)) : 0),
  };
}

const isNullish = (v: unknown): boolean => v === undefined || v === null;

/** The last non-null value so far, for each document. */
function locf(values: readonly unknown[]): unknown[] {
  let last: unknown = null;
  return values.map((v) => {
    if (!isNullish(v)) last = v;
    return last;
  });
}

const isDateLike = (v: unknown): boolean => v instanceof Date || bsonTypeOf(v) === 'timestamp' || bsonTypeOf(v) === 'objectId';

/** mongod's arithmetic where dates subtract to milliseconds. */
function minus(a: unknown, b: unknown): unknown {
  if (a instanceof Date && b instanceof Date) return Long.fromNumber(a.getTime() - b.getTime());
  return subtractNumbers(a, b);
}

/** $linearFill over one partition: checks every document as mongod does, then interpolates between known points. */
function linear(values: readonly unknown[], xs: readonly unknown[]): unknown[] {
  let previousX: unknown;
  for (let i = 0; i < values.length; i++) {
    const y = values[i];
    const x = xs[i];
    if (!isNumeric(y) && !isNullish(y)) throw mongoError('TypeMismatch', `Value to be filled must be numeric or nullish, but found ${typeName(y)}`);
    if (!isNumeric(x) && !isDateLike(x)) throw mongoError('TypeMismatch', `Value of the sortBy field must be numeric or a date, but found ${typeName(x)}`);
    if (previousX !== undefined) {
      if (compareValues(x, previousX) === 0) throw new MongoServerError(6050106, 'There can be no repeated values in the sort field in the same partition');
      if (isNumeric(x) !== isNumeric(previousX)) {
        throw mongoError('TypeMismatch', `Conflicting sort value types, previously received type ${typeName(previousX)}, but found ${typeName(x)}`);
      }
    }
    previousX = x;
  }
  const out: unknown[] = values.map((v) => (isNullish(v) ? null : v));
  let left = -1;
  for (let i = 0; i < values.length; i++) {
    if (isNullish(values[i])) continue;
    if (left >= 0 && i - left > 1) {
      const [x1, y1, x2, y2] = [xs[left], values[left], xs[i], values[i]];
      const slope = divideNumbers(subtractNumbers(y2, y1), minus(x2, x1));
      for (let j = left + 1; j < i; j++) out[j] = addNumbers(y1, multiplyNumbers(minus(xs[j], x1), slope));
    }
    left = i;
  }
  return out;
}

/** The documents of one partition, in order, with every method field set. */
function fillPartition(window: WindowPart, docs: readonly Document[], runtime: Runtime): Document[] {
  const results = window.fields.map((field) => {
    const values = docs.map((d) => field.input(scopeFor(d, runtime)));
    if (field.method === 'locf') return locf(values);
    return linear(values, docs.map((d) => window.sortField!(scopeFor(d, runtime))));
  });
  return docs.map((doc, i) => {
    let out = doc;
    window.fields.forEach((field, f) => {
      out = setNested(out, field.path, results[f]![i]);
    });
    return out;
  });
}

function runWindow(window: WindowPart, docs: Document[], runtime: Runtime, ctx: StageContext): Document[] {
  const keyed = docs.map((d): Keyed => ({ k: partitionKeyOf(window, d, runtime), d }));
  const sorted = window.partitionBy || window.sortBy ? sortByKeys(keyed, windowSortKeys(window, ctx), (k) => k) : keyed;
  const out: Document[] = [];
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    if (i === sorted.length || compareValues(sorted[i]!.k, sorted[start]!.k, ctx.collation) !== 0) {
      out.push(...fillPartition(window, sorted.slice(start, i).map((k) => k.d), runtime));
      start = i;
    }
  }
  return out;
}

async function* windowChunks(window: WindowPart, input: Chunks, runtime: Runtime, ctx: StageContext, control: StreamControl): Chunks {
  async function* keyed(): Chunks {
    for await (const chunk of input) yield chunk.map((d): Keyed => ({ k: partitionKeyOf(window, d, runtime), d }));
  }
  const sorted = window.partitionBy || window.sortBy ? sortedChunks(keyed(), windowSortKeys(window, ctx), control) : keyed();
  let partition: Keyed[] = [];
  for await (const chunk of sorted) {
    const out: Document[] = [];
    for (const k of chunk as Keyed[]) {
      if (partition.length > 0 && compareValues(k.k, partition[0]!.k, ctx.collation) !== 0) {
        out.push(...fillPartition(window, partition.map((p) => p.d), runtime));
        partition = [];
      }
      partition.push(k);
    }
    if (out.length > 0) yield out;
    await control.yieldIfDue();
  }
  if (partition.length > 0) yield fillPartition(window, partition.map((p) => p.d), runtime);
}

async function* applyDocumentStage(stage: DocumentStage, input: Chunks, runtime: Runtime): Chunks {
  for await (const chunk of input) {
    const out: Document[] = [];
    for (const doc of chunk) for (const d of stage.apply(doc, runtime)) out.push(d);
    yield out;
  }
}

export const parseFill: StageParser = (spec, ctx) => {
  const { window, addFields } = parseFillSpec(spec, ctx);
  if (!window) return { ...addFields!, name: '$fill' };
  return {
    kind: 'batch',
    name: '$fill',
    run(docs, runtime) {
      const filled = runWindow(window, docs, runtime, ctx);
      if (!addFields) return filled;
      return filled.flatMap((d) => [...addFields.apply(d, runtime)]);
    },
    stream(input, runtime, control) {
      const filled = windowChunks(window, input, runtime, ctx, control);
      return addFields ? applyDocumentStage(addFields, filled, runtime) : filled;
    },
  };
};
