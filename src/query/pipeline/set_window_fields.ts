import { compareValues, isDocument, setField, valuesEqual, type Document } from '../../bson/index.js';
import { mongoError, MongoServerError, missingFieldError, unknownFieldError, wrongTypeError } from '../../errors/index.js';
import { typeName, validateFieldPath, type Evaluator, type Scope } from '../expressions/index.js';
import { compileSortKeys, type SortKeys } from '../sort.js';
import { scopeFor } from './scope.js';
import { BLOCKING_STAGE_MEMORY_BYTES, CHUNK_DOCS, documentBytes, sortedChunks, type Chunks, type StreamControl } from './stream.js';
import type { Runtime, StageContext, StageParser } from './types.js';
import type { SortByShape } from './window/bounds.js';
import { parseWindowFunction } from './window/registry.js';
import type { Partition, WindowFunction } from './window/window_function.js';

/**
 * $setWindowFields (https://www.mongodb.com/docs/manual/reference/operator/aggregation/setWindowFields/): sorts its
 * input by the partition key then `sortBy` (as mongod puts a $sort before it), then adds each `output` field to
 * every document, computed by a window function over the document's window within its partition. One partition is
 * held at a time, within internalDocumentSourceSetWindowFieldsMaxMemoryBytes.
 */

const STAGE = '$setWindowFields';

interface OutputField {
  readonly path: readonly string[];
  readonly fn: WindowFunction;
}

interface CompiledWindowFields {
  readonly partitionBy: Evaluator | undefined;
  readonly sortKeys: SortKeys | undefined;
  /** The single sortBy field, read as a field path expression (range windows, ranks, rates, fills). */
  readonly sortField: Evaluator | undefined;
  readonly outputs: readonly OutputField[];
}

/** A literal (or operators over literals): a partitionBy that is the same for every document. */
function isConstantExpression(v: unknown): boolean {
  if (typeof v === 'string') return !v.startsWith('$');
  if (Array.isArray(v)) return v.every(isConstantExpression);
  if (isDocument(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$literal') return true;
    return keys.every((k) => isConstantExpression(v[k]));
  }
  return true;
}

function constantScope(runtime: { vars: Readonly<Record<string, unknown>> }): Scope {
  return { root: {}, current: {}, vars: runtime.vars, clock: {} };
}

function partitionArrayError(): MongoServerError {
  return mongoError('TypeMismatch', "Cannot 'partitionBy' an expression of type array");
}

function conflicts(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function parseSpec(spec: unknown, ctx: StageContext): CompiledWindowFields {
  if (!isDocument(spec)) {
    throw mongoError('FailedToParse', `the ${STAGE} stage specification must be an object, found ${typeName(spec)}`);
  }
  for (const key of Object.keys(spec)) {
    if (key !== 'partitionBy' && key !== 'sortBy' && key !== 'output') throw unknownFieldError(`${STAGE}.${key}`);
  }
  const sortSpec = spec.sortBy;
  if (sortSpec !== undefined && !isDocument(sortSpec)) throw wrongTypeError(`${STAGE}.sortBy`, typeName(sortSpec), 'object');
  const output = spec.output;
  if (output === undefined) throw missingFieldError(`${STAGE}.output`);
  if (!isDocument(output)) throw wrongTypeError(`${STAGE}.output`, typeName(output), 'object');

  let partitionBy: Evaluator | undefined;
  if (spec.partitionBy !== undefined) {
    partitionBy = ctx.expressions.parse(spec.partitionBy);
    if (isConstantExpression(spec.partitionBy)) {
      const value = partitionBy(constantScope({ vars: ctx.variables }));
      if (Array.isArray(value)) throw mongoError('TypeMismatch', 'An expression used to partition cannot evaluate to value of type array');
      // A constant partitions nothing: every document is in the one partition.
      partitionBy = undefined;
    }
  }

  let sortKeys: SortKeys | undefined;
  let sortField: Evaluator | undefined;
  let shape: SortByShape | undefined;
  if (sortSpec !== undefined) {
    if (Object.keys(sortSpec).length === 0) throw new MongoServerError(15976, '$sort stage must have at least one sort key');
    sortKeys = compileSortKeys(sortSpec, ctx.collation);
    const keys = Object.keys(sortSpec);
    const first = sortSpec[keys[0]!];
    const isField = !isDocument(first);
    shape = { size: keys.length, singleIsField: keys.length === 1 && isField, singleFieldAscending: keys.length === 1 && isField && Number(first) === 1 };
    if (keys.length === 1 && isField) sortField = ctx.expressions.parse(`$${keys[0]!}`);
  }

  const parseCtx = {
    expressions: ctx.expressions,
    sortBy: shape,
    evaluateConstant: (expr: unknown) => ctx.expressions.parse(expr)(constantScope({ vars: ctx.variables })),
  };
  const outputs: OutputField[] = [];
  for (const name of Object.keys(output)) {
    const path = validateFieldPath(name);
    if (outputs.some((o) => conflicts(o.path, path))) {
      throw new MongoServerError(6307900, `${STAGE} 'output' specification contains two conflicting paths`);
    }
    const fnSpec = output[name];
    if (!isDocument(fnSpec)) throw mongoError('FailedToParse', `The field '${name}' must be an object`);
    outputs.push({ path, fn: parseWindowFunction(fnSpec, parseCtx) });
  }
  return { partitionBy, sortKeys, sortField, outputs };
}

/** The partition key of a document: missing is null (as $group's), an array is refused. */
function partitionKey(compiled: CompiledWindowFields, scope: Scope): unknown {
  if (!compiled.partitionBy) return null;
  const key = compiled.partitionBy(scope);
  if (Array.isArray(key)) throw partitionArrayError();
  return key === undefined ? null : key;
}

/** The order mongod sorts the input in: partition key first, then sortBy. */
function windowSortKeys(compiled: CompiledWindowFields, runtime: Runtime, ctx: StageContext): SortKeys | undefined {
  const { sortKeys } = compiled;
  if (!compiled.partitionBy && !sortKeys) return undefined;
  return {
    keysOf(doc) {
      return [partitionKey(compiled, scopeFor(doc, runtime)), sortKeys ? sortKeys.keysOf(doc) : null];
    },
    compareKeys(a, b) {
      const byPartition = compareValues(a[0], b[0], ctx.collation);
      if (byPartition !== 0 || !sortKeys) return byPartition;
      return sortKeys.compareKeys(a[1] as unknown[], b[1] as unknown[]);
    },
  };
}

/**
 * `value` written at `path` below `current` as $addFields writes (mongod adds the outputs with an $addFields
 * projection): documents are copied along the path (inputs are never changed in place), an array gets the field in
 * each of its elements, anything else in the way becomes a document; a missing value removes the field.
 */
function writeAt(current: unknown, path: readonly string[], i: number, value: unknown): unknown {
  if (Array.isArray(current)) return current.map((el) => writeAt(el, path, i, value));
  // Copied key by key: a spread copy takes a new field many times slower in V8.
  const copy: Document = {};
  if (isDocument(current)) for (const k of Object.keys(current)) setField(copy, k, current[k]);
  const key = path[i]!;
  if (i === path.length - 1) {
    if (value === undefined) delete copy[key];
    else setField(copy, key, value);
    return copy;
  }
  const child = Object.prototype.hasOwnProperty.call(copy, key) ? copy[key] : undefined;
  setField(copy, key, writeAt(child, path, i + 1, value));
  return copy;
}

/**
 * The documents of one sorted partition with their output fields, produced one at a time as they are pulled: each
 * window function computes its next value only then, so a partition's outputs never all exist at once.
 */
function* computePartition(compiled: CompiledWindowFields, docs: Document[], scopes: Scope[], ctx: StageContext): Generator<Document> {
  const { sortKeys, sortField } = compiled;
  // Sort keys and sortBy values are read only by the functions that need them, once per partition.
  let keys: unknown[][] | undefined;
  let values: unknown[] | undefined;
  const partition: Partition = {
    docs,
    scopes,
    get sortValues() {
      if (sortField) values ??= scopes.map((s) => sortField(s));
      return values;
    },
    sameSortKey(i, j) {
      if (!sortKeys) return true;
      keys ??= docs.map((d) => sortKeys.keysOf(d));
      return sortKeys.compareKeys(keys[i]!, keys[j]!) === 0;
    },
    collation: ctx.collation,
  };
  const columns = compiled.outputs.map((o) => o.fn.compute(partition));
  for (const doc of docs) {
    let out: Document = doc;
    compiled.outputs.forEach((o, k) => {
      out = writeAt(out, o.path, 0, columns[k]!.next().value) as Document;
    });
    yield out;
  }
}

/** Splits sorted documents into partitions as they come. */
class Partitioner {
  private docs: Document[] = [];
  private scopes: Scope[] = [];
  private key: unknown = undefined;
  bytes = 0;

  constructor(private readonly compiled: CompiledWindowFields, private readonly runtime: Runtime, private readonly ctx: StageContext) {}

  /** Adds one document; returns the outputs of the partition it completed, if it starts a new one. */
  add(doc: Document): Generator<Document> | undefined {
    const scope = scopeFor(doc, this.runtime);
    const key = partitionKey(this.compiled, scope);
    let done: Generator<Document> | undefined;
    if (this.docs.length > 0 && !valuesEqual(this.key, key, this.ctx.collation)) done = this.flush();
    if (this.docs.length === 0) this.key = key;
    this.docs.push(doc);
    this.scopes.push(scope);
    return done;
  }

  /** The outputs of the partition held (none when empty); the partitioner starts a new one. */
  flush(): Generator<Document> {
    const out = computePartition(this.compiled, this.docs, this.scopes, this.ctx);
    this.docs = [];
    this.scopes = [];
    this.bytes = 0;
    return out;
  }
}

function sortDocs(docs: Document[], keys: SortKeys | undefined): Document[] {
  if (!keys) return docs;
  const keyed = docs.map((doc) => ({ doc, keys: keys.keysOf(doc) }));
  keyed.sort((a, b) => keys.compareKeys(a.keys, b.keys));
  return keyed.map((k) => k.doc);
}

function runWindowFields(compiled: CompiledWindowFields, docs: Document[], runtime: Runtime, ctx: StageContext): Document[] {
  const sorted = sortDocs(docs, windowSortKeys(compiled, runtime, ctx));
  const partitioner = new Partitioner(compiled, runtime, ctx);
  const out: Document[] = [];
  for (const doc of sorted) {
    const done = partitioner.add(doc);
    if (done) for (const d of done) out.push(d);
  }
  for (const d of partitioner.flush()) out.push(d);
  return out;
}

/** 5643011, mongod's error for a partition over the memory limit without allowDiskUse. */
function partitionMemoryError(control: StreamControl): MongoServerError {
  return new MongoServerError(5643011, `${control.errorContext} :: caused by :: Exceeded max memory. Set 'allowDiskUse: true' to spill to disk`);
}

/**
 * The stage over a stream: the input goes through the blocking sort (which spills with allowDiskUse), then one
 * partition is held at a time. A partition past the memory limit fails with 5643011 without allowDiskUse; with it,
 * the partition stays in memory (eddydb does not spill a partition; the heap budget, checked at every yield, bounds
 * it), as $group does.
 */
async function* windowFieldsChunks(compiled: CompiledWindowFields, input: Chunks, runtime: Runtime, ctx: StageContext, control: StreamControl): Chunks {
  const keys = windowSortKeys(compiled, runtime, ctx);
  const sorted = keys ? sortedChunks(input, keys, control) : input;
  const partitioner = new Partitioner(compiled, runtime, ctx);
  const limit = control.memoryLimitBytes ?? BLOCKING_STAGE_MEMORY_BYTES;
  for await (const chunk of sorted) {
    for (const doc of chunk) {
      const done = partitioner.add(doc);
      if (done) yield* drain(done, control);
      partitioner.bytes += documentBytes(doc);
      if (partitioner.bytes > limit && !control.spiller) throw partitionMemoryError(control);
    }
    await control.yieldIfDue();
  }
  yield* drain(partitioner.flush(), control);
}

/** A finished partition's outputs, CHUNK_DOCS at a time, letting other work run (and the heap be checked) between. */
async function* drain(outputs: Generator<Document>, control: StreamControl): Chunks {
  let chunk: Document[] = [];
  for (const doc of outputs) {
    chunk.push(doc);
    if (chunk.length >= CHUNK_DOCS) {
      yield chunk;
      chunk = [];
      await control.yieldIfDue();
    }
  }
  if (chunk.length > 0) yield chunk;
}

export const parseSetWindowFields: StageParser = (spec, ctx) => {
  const compiled = parseSpec(spec, ctx);
  return {
    kind: 'batch',
    name: STAGE,
    run: (docs, runtime) => runWindowFields(compiled, docs, runtime, ctx),
    stream: (input, runtime, control) => windowFieldsChunks(compiled, input, runtime, ctx, control),
  };
};
