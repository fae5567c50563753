import { compareValues, isDocument, setField, valuesEqual, type Document } from '../../bson/index.js';
import { mongoError, MongoServerError, missingFieldError, unknownFieldError, wrongTypeError } from '../../errors/index.js';
import { typeName, validateFieldPath, type Evaluator, type Scope } from '../expressions/index.js';
import { compileSortKeys, type SortKeys } from '../sort.js';
import { scopeFor } from './scope.js';
import { BLOCKING_STAGE_MEMORY_BYTES, CHUNK_DOCS, documentBytes, sortedChunks, type Chunks, type StreamControl } from './stream.js';
import type { Runtime, StageContext, StageParser } from './types.js';
import type { SortByShape } from './window/bounds.js';
import { parseWindowFunction, type Partition, type WindowFunction } from './window/functions.js';

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
  const copy: Document = isDocument(current) ? { ...current } : {};
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

/** Every window function over one sorted partition; the documents with their output fields. */
function computePartition(compiled: CompiledWindowFields, docs: Document[], scopes: Scope[], ctx: StageContext): Document[] {
  const { sortKeys } = compiled;
  const keys = sortKeys ? docs.map((d) => sortKeys.keysOf(d)) : undefined;
  const partition: Partition = {
    docs,
    scopes,
    sortValues: compiled.sortField ? scopes.map((s) => compiled.sortField!(s)) : undefined,
    sameSortKey: (i, j) => (keys ? sortKeys!.compareKeys(keys[i]!, keys[j]!) === 0 : true),
    collation: ctx.collation,
  };
  const columns = compiled.outputs.map((o) => o.fn.compute(partition));
  return docs.map((doc, i) => {
    let out: Document = doc;
    compiled.outputs.forEach((o, k) => {
      out = writeAt(out, o.path, 0, columns[k]![i]) as Document;
    });
    return out;
  });
}

/** Splits sorted documents into partitions as they come, handing each complete one to `emit`. */
class Partitioner {
  private docs: Document[] = [];
  private scopes: Scope[] = [];
  private key: unknown = undefined;
  bytes = 0;

  constructor(private readonly compiled: CompiledWindowFields, private readonly runtime: Runtime, private readonly ctx: StageContext) {}

  /** Adds one document; returns the partition it completed, if it starts a new one. */
  add(doc: Document): Document[] | undefined {
    const scope = scopeFor(doc, this.runtime);
    const key = partitionKey(this.compiled, scope);
    let done: Document[] | undefined;
    if (this.docs.length > 0 && !valuesEqual(this.key, key, this.ctx.collation)) done = this.flush();
    if (this.docs.length === 0) this.key = key;
    this.docs.push(doc);
    this.scopes.push(scope);
    return done;
  }

  flush(): Document[] {
    const out = this.docs.length > 0 ? computePartition(this.compiled, this.docs, this.scopes, this.ctx) : [];
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
  // Appended one by one: a spread of a large partition would pass the engine's limit on arguments.
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
  // Finished documents wait here until a chunk's worth can go on; `sent` counts those already handed on.
  let pending: Document[] = [];
  let sent = 0;
  for await (const chunk of sorted) {
    for (const doc of chunk) {
      const done = partitioner.add(doc);
      if (done) for (const d of done) pending.push(d);
      partitioner.bytes += documentBytes(doc);
      if (partitioner.bytes > limit && !control.spiller) throw partitionMemoryError(control);
    }
    while (pending.length - sent >= CHUNK_DOCS) {
      yield pending.slice(sent, sent + CHUNK_DOCS);
      sent += CHUNK_DOCS;
      await control.yieldIfDue();
    }
    if (sent > 0) {
      pending = pending.slice(sent);
      sent = 0;
    }
    await control.yieldIfDue();
  }
  for (const d of partitioner.flush()) pending.push(d);
  for (let i = sent; i < pending.length; i += CHUNK_DOCS) {
    yield pending.slice(i, i + CHUNK_DOCS);
    await control.yieldIfDue();
  }
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
