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
 * and every method field is set (to null where nothing can fill it). Documents go on as soon as their values are
 * known: at once for `locf`, after the next known value for `linear`.
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

function parseOutputField(spec: unknown): { method?: Method; value?: { v: unknown } } {
  if (!isDocument(spec)) throw new MongoServerError(6050200, 'Each fill output specification must be an object with exactly one field');
  let method: string | undefined;
  let value: { v: unknown } | undefined;
  for (const key of Object.keys(spec)) {
    // IDL reads a null as an absent field, except where any value is allowed (`value`).
    if (key === 'method' && spec[key] === null) continue;
    if (key === 'method') {
      if (typeof spec[key] !== 'string') throw wrongTypeError('$fill.method', bsonTypeOf(spec[key]), 'string');
      method = spec[key] as string;
    } else if (key === 'value') {
      value = { v: spec[key] };
    } else {
      throw unknownFieldError(`$fill.${key}`);
    }
  }
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
    if (v === null && ['sortBy', 'partitionByFields', 'partitionBy', 'output'].includes(key)) continue;
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
    const parsed = parseOutputField(output[name]);
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

const isDateLike = (v: unknown): boolean => v instanceof Date || bsonTypeOf(v) === 'timestamp' || bsonTypeOf(v) === 'objectId';

/** mongod's arithmetic where dates subtract to milliseconds. */
function minus(a: unknown, b: unknown): unknown {
  if (a instanceof Date && b instanceof Date) return Long.fromNumber(a.getTime() - b.getTime());
  return subtractNumbers(a, b);
}

/** A document waiting to be handed on, with the value of each method field (undefined while unknown). */
interface Pending {
  readonly doc: Document;
  readonly values: unknown[];
  readonly x: unknown;
}

/** What one field remembers while its partition is read: the last value (locf), or the last known point (linear). */
interface FieldState {
  last: unknown;
  left: { x: unknown; y: unknown } | null;
  previousX: unknown;
  /** Documents after `left` whose value waits for the next known point. */
  waiting: Pending[];
}

/**
 * Fills one partition read in order. `$locf` needs nothing ahead; `$linearFill` holds the documents after its last
 * known value until the next one (or the partition's end, where they stay null), so documents are handed on as soon
 * as every field of theirs is known.
 */
class PartitionFiller {
  private readonly states: FieldState[];
  private pending: Pending[] = [];

  constructor(private readonly window: WindowPart, private readonly runtime: Runtime) {
    this.states = window.fields.map(() => ({ last: null, left: null, previousX: undefined, waiting: [] }));
  }

  push(doc: Document): Document[] {
    const scope = scopeFor(doc, this.runtime);
    const x = this.window.sortField ? this.window.sortField(scope) : undefined;
    const entry: Pending = { doc, values: [], x };
    this.window.fields.forEach((field, f) => {
      const y = field.input(scope);
      const state = this.states[f]!;
      if (field.method === 'locf') {
        if (!isNullish(y)) state.last = y;
        entry.values[f] = state.last;
        return;
      }
      this.checkLinear(state, x, y);
      if (isNullish(y)) {
        if (state.left) state.waiting.push(entry);
        else entry.values[f] = null;
        return;
      }
      if (state.left) {
        const { x: x1, y: y1 } = state.left;
        const slope = divideNumbers(subtractNumbers(y, y1), minus(x, x1));
        for (const w of state.waiting) w.values[f] = addNumbers(y1, multiplyNumbers(minus(w.x, x1), slope));
      }
      state.waiting = [];
      state.left = { x, y };
      entry.values[f] = y;
    });
    this.pending.push(entry);
    return this.ready();
  }

  /** The partition's end: values still waiting stay null. */
  finish(): Document[] {
    this.window.fields.forEach((_, f) => {
      for (const w of this.states[f]!.waiting) w.values[f] = null;
    });
    return this.ready();
  }

  private checkLinear(state: FieldState, x: unknown, y: unknown): void {
    if (!isNumeric(y) && !isNullish(y)) throw mongoError('TypeMismatch', `Value to be filled must be numeric or nullish, but found ${typeName(y)}`);
    if (!isNumeric(x) && !isDateLike(x)) throw mongoError('TypeMismatch', `Value of the sortBy field must be numeric or a date, but found ${typeName(x)}`);
    const previous = state.previousX;
    if (previous !== undefined) {
      if (compareValues(x, previous) === 0) throw new MongoServerError(6050106, 'There can be no repeated values in the sort field in the same partition');
      if (isNumeric(x) !== isNumeric(previous)) {
        throw mongoError('TypeMismatch', `Conflicting sort value types, previously received type ${typeName(previous)}, but found ${typeName(x)}`);
      }
    }
    state.previousX = x;
  }

  private ready(): Document[] {
    const out: Document[] = [];
    let i = 0;
    for (; i < this.pending.length; i++) {
      const entry = this.pending[i]!;
      if (!this.window.fields.every((_, f) => entry.values[f] !== undefined)) break;
      let doc = entry.doc;
      this.window.fields.forEach((field, f) => {
        doc = setNested(doc, field.path, entry.values[f]);
      });
      out.push(doc);
    }
    this.pending = this.pending.slice(i);
    return out;
  }
}

function runWindow(window: WindowPart, docs: Document[], runtime: Runtime, ctx: StageContext): Document[] {
  const keyed = docs.map((d): Keyed => ({ k: partitionKeyOf(window, d, runtime), d }));
  const sorted = window.partitionBy || window.sortBy ? sortByKeys(keyed, windowSortKeys(window, ctx), (k) => k) : keyed;
  const out: Document[] = [];
  let filler: PartitionFiller | null = null;
  let key: unknown;
  for (const k of sorted) {
    if (filler && compareValues(k.k, key, ctx.collation) !== 0) {
      out.push(...filler.finish());
      filler = null;
    }
    if (!filler) {
      filler = new PartitionFiller(window, runtime);
      key = k.k;
    }
    out.push(...filler.push(k.d));
  }
  if (filler) out.push(...filler.finish());
  return out;
}

async function* windowChunks(window: WindowPart, input: Chunks, runtime: Runtime, ctx: StageContext, control: StreamControl): Chunks {
  async function* keyed(): Chunks {
    for await (const chunk of input) yield chunk.map((d): Keyed => ({ k: partitionKeyOf(window, d, runtime), d }));
  }
  const sorted = window.partitionBy || window.sortBy ? sortedChunks(keyed(), windowSortKeys(window, ctx), control) : keyed();
  let filler: PartitionFiller | null = null;
  let key: unknown;
  for await (const chunk of sorted) {
    const out: Document[] = [];
    for (const k of chunk as Keyed[]) {
      if (filler && compareValues(k.k, key, ctx.collation) !== 0) {
        out.push(...filler.finish());
        filler = null;
      }
      if (!filler) {
        filler = new PartitionFiller(window, runtime);
        key = k.k;
      }
      out.push(...filler.push(k.d));
    }
    if (out.length > 0) yield out;
    await control.yieldIfDue();
  }
  if (filler) {
    const last = filler.finish();
    if (last.length > 0) yield last;
  }
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
