import { BSONRegExp, isDocument, Long, type Document } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { formatValue, typeName, validateFieldPath, type Evaluator } from '../expressions/index.js';
import { validateVariableNameForWrite } from '../expressions/field_path.js';
import { parseMatch } from './match.js';
import { removeNested, setNested } from './paths.js';
import { scopeFor } from './scope.js';
import { batchablePath, readJoinBatch } from './batch_join.js';
import { equalityFilter } from './lookup_filter.js';
import { CHUNK_DOCS, chunksOf, documentBytes, streamStages, type Chunks, type StreamControl } from './stream.js';
import {
  collectWithin, compileSubPipeline, foreignOf, hoistLeadingMatch, noDocuments, refuseInJoin, stageName,
} from './sub_pipeline.js';
import type { CompiledStage, ForeignNamespace, Runtime, StageContext, StageParser, StreamStage, UnwindSpec } from './types.js';

/** mongod's internalLookupStageIntermediateDocumentMaxSizeBytes: what one input's joined documents may total. */
export const LOOKUP_RESULTS_MAX_BYTES = 100 * 1024 * 1024;

/** A parsed `$lookup`. */
interface LookupSpec {
  /** null: no collection (the pipeline starts with `$documents`). */
  from: ForeignNamespace | null;
  as: string[];
  local: string[] | null;
  foreign: string | null;
  pipeline: unknown[] | null;
  lets: [string, Evaluator][];
}

const failed = (message: string) => mongoError('FailedToParse', message);

/** An argument as mongod prints a BSON element: `name: value`. */
function element(name: string, value: unknown): string {
  return `${name}: ${formatValue(value)}`;
}

/** `from`: a collection of the aggregate's database, or `{db, coll}` for the few namespaces mongod allows. */
function parseFrom(value: unknown): ForeignNamespace {
  if (typeof value === 'string') {
    if (value.length === 0) throw mongoError('InvalidNamespace', 'invalid $lookup namespace: ');
    return { db: null, coll: value };
  }
  if (!isDocument(value)) throw failed(`$lookup 'from' field must be a string, but found ${typeName(value)}`);
  let db = '';
  let coll = '';
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'db' && key !== 'coll') throw new MongoServerError(40415, `BSON field 'from.${key}' is an unknown field.`);
    if (typeof v !== 'string') throw mongoError('TypeMismatch', `BSON field 'from.${key}' is the wrong type '${typeName(v)}', expected type 'string'`);
    if (key === 'db') db = v;
    else coll = v;
  }
  const allowed = (db === 'local' && coll === 'oplog.rs') || (db === 'config' && coll.startsWith('cache.chunks.'));
  if (!allowed) throw failed(`$lookup with syntax {from: {db:<>, coll:<>},..} is not supported for db: ${db} and coll: ${coll}`);
  return { db, coll };
}

function parseSpec(spec: unknown, ctx: StageContext): LookupSpec {
  if (!isDocument(spec)) throw failed(`the $lookup stage specification must be an object, but found ${typeName(spec)}`);
  // What mongod's lite parse checks, before the rest: a collection-less $lookup must start its pipeline with $documents.
  if (!('from' in spec)) {
    if (!('pipeline' in spec)) throw failed("must specify 'pipeline' when 'from' is empty");
    const pipeline = spec.pipeline;
    if (!Array.isArray(pipeline) || stageName(pipeline[0]) !== '$documents') {
      throw failed('$lookup stage without explicit collection must have a pipeline with $documents as first stage');
    }
  }
  let from: ForeignNamespace | null = null;
  let as: string | undefined;
  let localField: string | undefined;
  let foreignField: string | undefined;
  let pipeline: unknown[] | null = null;
  let letSpec: Document | null = null;
  for (const [name, value] of Object.entries(spec)) {
    if (name === 'pipeline') {
      if (!Array.isArray(value)) throw mongoError('TypeMismatch', "'pipeline' option must be specified as an array");
      pipeline = value;
      continue;
    }
    if (name === 'let') {
      if (!isDocument(value)) throw failed(`$lookup argument '${element(name, value)}' must be an object, is type ${typeName(value)}`);
      letSpec = value;
      continue;
    }
    if (name === 'from') {
      from = parseFrom(value);
      continue;
    }
    if (typeof value !== 'string') {
      throw failed(`$lookup argument '${name}' must be a string, found ${element(name, value)}: ${typeName(value)}`);
    }
    if (name === 'as') as = value;
    else if (name === 'localField') localField = value;
    else if (name === 'foreignField') foreignField = value;
    else throw failed(`unknown argument to $lookup: ${name}`);
  }
  if (as === undefined || as.length === 0) throw failed("must specify 'as' field for a $lookup");
  const hasLocal = localField !== undefined && localField.length > 0;
  const hasForeign = foreignField !== undefined && foreignField.length > 0;
  if (pipeline) {
    if ((hasLocal || hasForeign) && !(hasLocal && hasForeign)) {
      throw failed("$lookup requires both or neither of 'localField' and 'foreignField' to be specified");
    }
  } else {
    if (!(hasLocal && hasForeign)) throw failed("$lookup requires either 'pipeline' or both 'localField' and 'foreignField' to be specified");
    if (letSpec) throw failed("$lookup with a 'let' argument must also specify 'pipeline'");
  }
  const lets: [string, Evaluator][] = [];
  for (const [name, expr] of Object.entries(letSpec ?? {})) {
    validateVariableNameForWrite(name);
    lets.push([name, ctx.expressions.parse(expr)]);
  }
  const asParts = validateFieldPath(as);
  const local = hasLocal ? validateFieldPath(localField!) : null;
  if (hasForeign) validateFieldPath(foreignField!);
  return { from, as: asParts, local, foreign: hasForeign ? foreignField! : null, pipeline, lets };
}

/** An `$eq` of a foreign field and a `let` variable in the pipeline's leading `$match`'s `$expr`. */
interface CorrelatedEquality {
  field: string;
  variable: string;
}

/** The `{$eq: ['$field', '$$var']}` operands (either order) of an `$expr`, through `$and`. */
function exprEqualities(expr: unknown, lets: ReadonlySet<string>, out: CorrelatedEquality[]): void {
  if (!isDocument(expr) || Object.keys(expr).length !== 1) return;
  if (Array.isArray(expr.$and)) {
    for (const clause of expr.$and) exprEqualities(clause, lets, out);
    return;
  }
  const operands = expr.$eq;
  if (!Array.isArray(operands) || operands.length !== 2) return;
  const [a, b] = operands;
  const field = (v: unknown) => typeof v === 'string' && v.startsWith('$') && !v.startsWith('$$') && v.length > 1 ? v.slice(1) : null;
  const variable = (v: unknown) => typeof v === 'string' && v.startsWith('$$') && lets.has(v.slice(2)) ? v.slice(2) : null;
  const f = field(a) ?? field(b);
  const name = variable(b) ?? variable(a);
  if (f !== null && name !== null) out.push({ field: f, variable: name });
}

/**
 * The equalities of a correlated pipeline's leading `$match` (`$expr: {$eq: ['$field', '$$var']}`, alone or in
 * `$and`s), which give the engine a filter to plan the read with, as mongod uses an index for them since 5.0.
 */
function correlatedEqualities(pipeline: readonly unknown[] | null, lets: ReadonlySet<string>): CorrelatedEquality[] {
  const out: CorrelatedEquality[] = [];
  const first = pipeline?.[0];
  if (stageName(first) !== '$match') return out;
  const match = (first as Document).$match;
  if (!isDocument(match)) return out;
  const clauses = Array.isArray(match.$and) ? [match, ...match.$and] : [match];
  for (const clause of clauses) if (isDocument(clause) && '$expr' in clause) exprEqualities(clause.$expr, lets, out);
  return out;
}

/**
 * The filter a correlated equality gives for one input's variables: `{field: value}` holds every document the
 * `$expr` keeps (a field equal to a non-array value has no array on its path), so it may only narrow the read; the
 * pipeline's `$match` still decides. An array or regular expression value gives no filter.
 */
function correlatedFilter(equalities: readonly CorrelatedEquality[], vars: Readonly<Record<string, unknown>>): Document {
  const clauses: Document[] = [];
  for (const { field, variable } of equalities) {
    const value = vars[variable];
    if (Array.isArray(value) || value instanceof RegExp || value instanceof BSONRegExp) continue;
    clauses.push({ [field]: { $eq: value === undefined ? null : value } });
  }
  if (clauses.length === 0) return {};
  return clauses.length === 1 ? clauses[0]! : { $and: clauses };
}

/** How one `$lookup` reads the foreign side for an input document. */
interface Plan {
  spec: LookupSpec;
  /** The compiled pipeline; for the pipeline form, without a leading constant `$match` handed to the engine. */
  stages: readonly CompiledStage[];
  /** The leading `$match` of the pipeline form, read through the engine's plan. */
  hoisted: Document;
  /** Whether the pipeline starts with `$documents` (which replaces whatever the collection gives). */
  documentsFirst: boolean;
  /** The leading `$match`'s equalities on `let` variables, planned per input document. */
  correlated: CorrelatedEquality[];
  ctx: StageContext;
  /**
   * An uncorrelated pipeline's result, the same for every input while the variables are the same object (an
   * enclosing `$lookup`'s `let` makes new ones per document), once computed: mongod's lookup cache.
   */
  cache: { vars: Runtime['vars']; docs: Document[] } | null;
  cacheable: boolean;
  /** An equality join without `let`: a chunk of inputs may be joined with one read (batch_join.ts). */
  batchable: boolean;
}

/** True when a stage or expression below may give another result each time it runs ($rand, $sample). */
function nonDeterministic(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(nonDeterministic);
  if (!isDocument(value)) return false;
  return Object.keys(value).some((k) => k === '$rand' || k === '$sample' || nonDeterministic(value[k]));
}

/** The joined documents for `doc`, as a stream. */
function joined(plan: Plan, doc: Document, runtime: Runtime, control: StreamControl): Chunks {
  const { spec } = plan;
  let vars = runtime.vars;
  if (spec.lets.length > 0) {
    const scope = scopeFor(doc, runtime);
    const next: Record<string, unknown> = { ...runtime.vars };
    for (const [name, ev] of spec.lets) next[name] = ev(scope);
    vars = next;
  }
  const sub: Runtime = { ...runtime, vars };
  const join = spec.local ? equalityFilter(doc, spec.local, spec.foreign!) : null;
  if (plan.documentsFirst) {
    // [$documents, <the join's $match>, ...rest]: the join filters what $documents produces.
    const stages = join ? [plan.stages[0]!, parseMatch(join, plan.ctx, '$match'), ...plan.stages.slice(1)] : plan.stages;
    return streamStages(stages, noDocuments(), sub, control);
  }
  const filter = join ?? (plan.correlated.length > 0 ? correlatedFilter(plan.correlated, vars) : plan.hoisted);
  return streamStages(plan.stages, foreignOf(runtime, '$lookup').find(plan.spec.from!, filter, control), sub, control);
}

function tooBig(plan: Plan): () => Error {
  const coll = plan.spec.from?.coll ?? '';
  return () => new MongoServerError(4568, `Total size of documents in ${coll} matching pipeline's $lookup stage exceeds ${LOOKUP_RESULTS_MAX_BYTES} bytes`);
}

/** Every joined document for `doc`, within mongod's limit; an uncorrelated pipeline's from the cache after the first. */
async function joinedArray(plan: Plan, doc: Document, join: Joiner, runtime: Runtime, control: StreamControl): Promise<Document[]> {
  if (plan.cache?.vars === runtime.vars) return plan.cache.docs;
  const docs = await collectWithin(join(doc), LOOKUP_RESULTS_MAX_BYTES, documentBytes, tooBig(plan), control);
  if (plan.cacheable) plan.cache = { vars: runtime.vars, docs };
  return docs;
}

/** The joined documents of one input document, as a stream. */
type Joiner = (doc: Document) => Chunks;

/**
 * How the documents of one input chunk are joined: an equality join reads the foreign side once for the whole chunk
 * (see batch_join.ts), any other join once per document.
 */
async function chunkJoiner(plan: Plan, chunk: readonly Document[], runtime: Runtime, control: StreamControl): Promise<Joiner> {
  const perDocument: Joiner = (doc) => joined(plan, doc, runtime, control);
  if (!plan.batchable || chunk.length < 2) return perDocument;
  const { spec } = plan;
  const batch = await readJoinBatch(foreignOf(runtime, '$lookup'), spec.from!, spec.local!, spec.foreign!, chunk, plan.ctx.collation, control);
  if (!batch) return perDocument;
  return (doc) => {
    const candidates = batch.candidates(doc);
    if (!candidates) return perDocument(doc);
    return streamStages(plan.stages, candidates.length > 0 ? chunksOf(candidates, control) : noDocuments(), runtime, control);
  };
}

async function* lookupChunks(plan: Plan, input: Chunks, runtime: Runtime, control: StreamControl): Chunks {
  for await (const chunk of input) {
    const join = await chunkJoiner(plan, chunk, runtime, control);
    const out: Document[] = [];
    for (const doc of chunk) {
      out.push(setNested(doc, plan.spec.as, await joinedArray(plan, doc, join, runtime, control)));
      // Each input may be a read of its own: a long chunk must still let other work in.
      await control.yieldIfDue();
    }
    if (out.length > 0) yield out;
    await control.yieldIfDue();
  }
}

/** `$lookup` with the following `$unwind` taken in: one output per joined document, streamed, never gathered. */
async function* unwoundChunks(plan: Plan, unwind: UnwindSpec, input: Chunks, runtime: Runtime, control: StreamControl): Chunks {
  const as = plan.spec.as;
  let out: Document[] = [];
  for await (const chunk of input) {
    const join = await chunkJoiner(plan, chunk, runtime, control);
    for (const doc of chunk) {
      let i = 0;
      for await (const found of join(doc)) {
        for (const foreignDoc of found) {
          let next = setNested(doc, as, foreignDoc);
          if (unwind.index) next = setNested(next, unwind.index, Long.fromNumber(i));
          i++;
          out.push(next);
          if (out.length >= CHUNK_DOCS) {
            yield out;
            out = [];
            await control.yieldIfDue();
          }
        }
      }
      if (i === 0 && unwind.preserve) {
        // The field is left absent, but the documents on its path are made, as mongod's setNestedField does.
        let next = removeNested(setNested(doc, as, null), as);
        if (unwind.index) next = setNested(next, unwind.index, null);
        out.push(next);
      }
      await control.yieldIfDue();
    }
    if (out.length > 0) {
      yield out;
      out = [];
    }
    await control.yieldIfDue();
  }
}

function lookupStage(plan: Plan, unwind: UnwindSpec | null): StreamStage {
  const stage: StreamStage = {
    kind: 'stream',
    name: '$lookup',
    stream: (input, runtime, control) => (unwind ? unwoundChunks(plan, unwind, input, runtime, control) : lookupChunks(plan, input, runtime, control)),
  };
  if (unwind) return stage;
  return {
    ...stage,
    absorbUnwind(next) {
      const same = next.path.length === plan.spec.as.length && next.path.every((p, i) => p === plan.spec.as[i]);
      return same ? lookupStage(plan, next) : null;
    },
  };
}

/**
 * Parses `$lookup` (https://www.mongodb.com/docs/manual/reference/operator/aggregation/lookup/): the equality form
 * (`localField`/`foreignField`), the pipeline form with `let` variables, and both together. For each input document
 * the engine reads the foreign collection (or view; a missing one has no documents) through its planner, so an
 * equality on an indexed `foreignField` is one index lookup per input document.
 *
 * @throws MongoServerError FailedToParse (9) for a spec that is not an object, a bad or unknown argument, a missing
 *   `as`, `from` or join fields; InvalidNamespace (73) for an empty `from`; 51047 for a stage a `$lookup` pipeline
 *   may not hold; MaxSubPipelineDepthExceeded (232); the sub-pipeline's own errors. While running: 4568 when one
 *   input's joined documents pass 100 MB.
 */
export const parseLookup: StageParser = (raw, ctx) => {
  const spec = parseSpec(raw, ctx);
  const letNames = spec.lets.map(([name]) => name);
  const compiled = spec.pipeline ? compileSubPipeline(spec.pipeline, ctx, refuseInJoin('$lookup'), letNames) : [];
  const documentsFirst = spec.pipeline !== null && stageName(spec.pipeline[0]) === '$documents';
  // The pipeline form's leading `$match` without variables goes to the engine, to be planned with the read.
  const hoist = spec.pipeline && !spec.local && !documentsFirst ? hoistLeadingMatch(spec.pipeline, compiled) : { filter: {}, rest: compiled };
  const plan: Plan = {
    spec,
    stages: hoist.rest,
    hoisted: hoist.filter,
    documentsFirst,
    correlated: spec.local || documentsFirst ? [] : correlatedEqualities(spec.pipeline, new Set(letNames)),
    ctx,
    cache: null,
    // Without `let` or a join field, nothing in the pipeline depends on the input document.
    cacheable: spec.lets.length === 0 && !spec.local && !nonDeterministic(spec.pipeline),
    batchable: spec.local !== null && spec.lets.length === 0 && !documentsFirst && batchablePath(spec.foreign!),
  };
  return lookupStage(plan, null);
};
