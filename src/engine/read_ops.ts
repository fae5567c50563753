import { compareValues, type Collation } from '../bson/index.js';
import { isDocument, type Document } from '../bson/types.js';
import { compileSortKeys, sortByKeys } from '../query/sort.js';
import { chunksOf, collectChunks, streamStages, type Chunks, type CompiledStage, type DocumentStage, type Runtime, type StreamControl } from '../query/pipeline/index.js';
import { ValueGroups } from '../query/expressions/index.js';
import { pinnedIds, pointKeys, readPoints, type ReadFn } from './document_source.js';
import { countPlanKeys, keysOnlyPlan, plannedRead, type PlannedRead, type PlannedReadOptions, type PlanStats } from './plan_executor.js';
import { indexesUsed, planSummary } from './explain_plan.js';
import { naturalSortDirection, type PlanRequest } from './planner.js';
import { internalControl, operationOf } from './stream_control.js';
import type { Operation } from './operation.js';
import { compileProjection } from '../query/projection/index.js';
import { compilePipeline } from '../query/pipeline/index.js';
import { parseListSessionsSpec, type ListSessionsSpec } from '../query/pipeline/list_sessions.js';
import { MongoServerError, mongoError } from '../errors/index.js';
import type { StorageReader } from '../storage/types.js';
import type { Engine } from './engine.js';
import { getCollectionInfo, isView } from './catalog.js';
import { compileCommandFilter } from './expr_filter.js';
import { hasTextPredicate } from '../query/text/index.js';
import type { LetVariables } from './let_variables.js';
import { foreignReader, type ForeignReaderOptions } from './foreign_reader.js';
import { geoNearSource } from './geo_index/geo_near_stage.js';
import { randomCursorSample } from './random_cursor.js';
import { sampleSize } from '../query/pipeline/sample.js';

export interface FindDocumentsOptions {
  filter?: Document;
  /** An index name or key pattern, or `{$natural: 1|-1}`. */
  hint?: unknown;
  min?: Document | null;
  max?: Document | null;
  sort?: Document;
  projection?: Document;
  skip?: number;
  limit?: number;
  collation?: Collation | null;
  /** The command's evaluated `let` variables, for `$expr`. */
  variables?: LetVariables;
}

/** The command's filter as a per-document stage (a `$match` the streaming runner fuses with what follows). */
function filterStage(filter: Document, collation: Collation | null, variables?: LetVariables): DocumentStage | null {
  const compiled = compileCommandFilter(filter, collation, variables);
  if (compiled.isEmpty) return null;
  return { kind: 'document', name: '$match', apply: (doc) => (compiled.matches(doc) ? [doc] : []) };
}

/** Matching documents of a collection (or a view, through its pipeline), as a stream, read by the query's plan. */
async function matchingChunks(engine: Engine, db: string, coll: string, request: PlanRequest, control: StreamControl, variables?: LetVariables): Promise<{ chunks: Chunks; planned: PlannedRead }> {
  const stage = filterStage(request.filter, request.collation, variables);
  const planned = await plannedRead((fn) => engine.read(fn), db, coll, request, control, planOptions(engine, control, db, request.collation));
  return { chunks: stage ? streamStages([stage], planned.chunks, NO_RUNTIME, control) : planned.chunks, planned };
}

function planOptions(engine: Engine, control: StreamControl, db: string, collation: Collation | null): PlannedReadOptions {
  const collectionInfo = (reader: StorageReader, d: string, name: string) => engine.collectionInfo(reader, d, name);
  const reporting = operationReporting(engine, control);
  return {
    metrics: engine.metrics,
    collectionInfo,
    ...reporting,
    // A view read by a find may join other collections.
    foreign: foreignReader((fn) => engine.read(fn), db, collation, { collectionInfo, metrics: engine.metrics, ...(reporting.stats ? { stats: reporting.stats } : {}) }),
  };
}

/**
 * What a planned read reports to the command's operation: its keys and documents examined (counted into whichever
 * operation pulls the stream, so a getMore counts its own) and its plan summary, and to `$indexStats` the indexes used.
 */
export function operationReporting(engine: Engine, control: StreamControl): PlanReport {
  return planReport(engine, () => operationOf(control));
}

/** {@link operationReporting} for the operation `op` returns when asked (a write's: its command's). */
export function planReport(engine: Engine, op: () => Operation | undefined): PlanReport {
  const stats: PlanStats = {
    get keysExamined() { return op()?.keysExamined ?? 0; },
    set keysExamined(n: number) { const o = op(); if (o) o.keysExamined = n; },
    get docsExamined() { return op()?.docsExamined ?? 0; },
    set docsExamined(n: number) { const o = op(); if (o) o.docsExamined = n; },
  };
  return {
    ...(op() ? { stats } : {}),
    onPlan: (info, choice) => {
      for (const name of indexesUsed(choice.plan)) engine.indexUsage.record(info.uuid, name);
      const o = op();
      if (o) o.planSummary = planSummary(choice.plan);
    },
  };
}

/** Where a plan reports: its counters and the plan chosen. */
export type PlanReport = Pick<PlannedReadOptions, 'stats' | 'onPlan'>;

/** A find as it runs: its stream, the plan that reads it, and counters for explain. */
export interface FindExecution {
  chunks: Chunks;
  planned: PlannedRead;
  /** Documents the filter passed (FETCH's or COLLSCAN's nReturned). */
  counts: { matched: number };
  /** Whether a blocking SORT stage runs (the plan does not provide the order). */
  blockingSort: boolean;
}

const NO_RUNTIME: Runtime = { vars: {}, clock: {} };

/**
 * find as a stream: the filter, then sort (keeping only skip + limit documents when limited), skip, limit and
 * projection, pulled chunk by chunk by the cursor that returns it.
 */
export async function findStream(engine: Engine, db: string, coll: string, o: FindDocumentsOptions, control: StreamControl): Promise<Chunks> {
  return (await findExecution(engine, db, coll, o, control)).chunks;
}

/** {@link findStream}, with the plan and counters explain reports. */
export async function findExecution(engine: Engine, db: string, coll: string, o: FindDocumentsOptions, control: StreamControl): Promise<FindExecution> {
  const collation = o.collation ?? null;
  const filter = o.filter ?? {};
  // The filter goes with the projection: a positional projection (`a.$`) re-matches it to find the element.
  const projection = o.projection && Object.keys(o.projection).length > 0 ? compileProjection(o.projection, { filter, collation }) : null;
  const natural = naturalSortDirection(o.sort) !== null;
  const sortKeys = o.sort && Object.keys(o.sort).length > 0 && !natural ? compileSortKeys(o.sort, collation, { textScore: hasTextPredicate(filter) }) : null;
  const wanted = o.limit && o.limit > 0 ? (o.skip ?? 0) + o.limit : undefined;
  const planned = await plannedRead((fn) => engine.read(fn), db, coll, { filter, sort: o.sort ?? null, hint: o.hint, min: o.min ?? null, max: o.max ?? null, collation }, control, { ...planOptions(engine, control, db, collation), ...(wanted ? { wanted } : {}) });
  const plan = planned.choice?.plan;
  const sorted = plan?.kind === 'ixscan' && plan.providesSort;
  const counts = { matched: 0 };
  const stages: CompiledStage[] = [];
  const compiled = compileCommandFilter(filter, collation, o.variables);
  const everything = compiled.isEmpty;
  stages.push({
    kind: 'document',
    name: '$match',
    apply: (doc) => {
      if (!everything && !compiled.matches(doc)) return [];
      counts.matched++;
      return [doc];
    },
  });
  if (sortKeys && !sorted) stages.push({ kind: 'batch', name: '$sort', sortKeys, run: (docs) => sortByKeys(docs, sortKeys, (d) => d) });
  const skip = o.skip ?? 0;
  if (skip > 0) stages.push({ kind: 'batch', name: '$skip', skipCount: skip, run: (docs) => docs.slice(skip) });
  const limit = o.limit ?? 0;
  if (limit > 0) stages.push({ kind: 'batch', name: '$limit', limitCount: limit, run: (docs) => docs.slice(0, limit) });
  if (projection) stages.push({ kind: 'document', name: '$project', apply: (doc) => [projection.apply(doc)] });
  return { chunks: streamStages(stages, planned.chunks, NO_RUNTIME, control), planned, counts, blockingSort: sortKeys !== null && !sorted };
}

/** find: the whole result, sorted, skipped, limited and projected (for internal reads of a few documents). */
export async function findDocuments(engine: Engine, db: string, coll: string, o: FindDocumentsOptions): Promise<Document[]> {
  // A lookup by `_id` (a change stream's updateLookup, once per event) is one storage read, without a stream.
  const ids = o.sort || o.skip || o.hint ? null : pinnedIds(o.filter ?? {});
  if (ids) {
    const collation = o.collation ?? null;
    const match = compileCommandFilter(o.filter ?? {}, collation, o.variables);
    const found = await engine.read(async (reader) => {
      const info = await getCollectionInfo(reader, db, coll);
      if (!info || isView(info)) return info ? null : [];
      const docs = (await readPoints(reader, info, pointKeys(ids))).filter((doc) => match.matches(doc));
      return o.limit ? docs.slice(0, o.limit) : docs;
    });
    if (found) {
      const projection = o.projection && Object.keys(o.projection).length > 0 ? compileProjection(o.projection, { filter: o.filter ?? {}, collation }) : null;
      return projection ? found.map((doc) => projection.apply(doc)) : found;
    }
  }
  return collectChunks(await findStream(engine, db, coll, o, internalControl()));
}

export async function countDocuments(
  engine: Engine,
  db: string,
  coll: string,
  o: { filter?: Document; skip?: number; limit?: number; collation?: Collation | null; hint?: unknown },
  control: StreamControl = internalControl(),
): Promise<number> {
  const filter = o.filter ?? {};
  let total: number | null = null;
  // A hint (to a sparse index, say) counts what that index holds, as mongod; without one the store's count serves.
  if (Object.keys(filter).length === 0 && (o.hint === undefined || o.hint === null)) {
    total = await engine.read(async (reader) => {
      const info = await getCollectionInfo(reader, db, coll);
      return info && !isView(info) ? reader.countDocuments({ coll: info.uuid }) : null;
    });
  }
  if (total === null) {
    total = 0;
    const { chunks, planned } = await matchingChunks(engine, db, coll, { filter, collation: o.collation ?? null, hint: o.hint }, control);
    const keysOnly = keysOnlyPlan(planned.choice?.plan);
    if (keysOnly && planned.info) {
      total = await countPlanKeys((fn) => engine.read(fn), planned.info, keysOnly, control, planned.stats);
    } else {
      for await (const chunk of chunks) total += chunk.length;
    }
  }
  const afterSkip = Math.max(0, total - (o.skip ?? 0));
  return o.limit ? Math.min(afterSkip, o.limit) : afterSkip;
}

/** Values at a dotted path, one level of arrays flattened, as distinct collects them. */
function valuesForDistinct(value: unknown, parts: string[], out: unknown[]): void {
  if (parts.length === 0) {
    if (Array.isArray(value)) out.push(...value);
    else if (value !== undefined) out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) valuesForDistinct(v, parts, out);
    return;
  }
  if (value !== null && typeof value === 'object' && !(value as { _bsontype?: string })._bsontype) {
    valuesForDistinct((value as Document)[parts[0]!], parts.slice(1), out);
  }
}

export async function distinctValues(
  engine: Engine,
  db: string,
  coll: string,
  key: string,
  filter: Document,
  collation: Collation | null,
  control: StreamControl = internalControl(),
  hint?: unknown,
): Promise<unknown[]> {
  const values: unknown[] = [];
  const groups = new ValueGroups<true>(collation);
  const parts = key.split('.');
  for await (const chunk of (await matchingChunks(engine, db, coll, { filter, collation, hint }, control)).chunks) {
    for (const doc of chunk) {
      const found: unknown[] = [];
      valuesForDistinct(doc, parts, found);
      for (const v of found) {
        let fresh = false;
        groups.get(v, () => (fresh = true));
        if (fresh) values.push(v);
      }
    }
  }
  // mongod collects distinct values in an ordered set (BSONElementSet under the collation), so they come back
  // in MongoDB's sort order, not in the order they were found.
  return values.sort((a, b) => compareValues(a, b, collation));
}

export interface AggregateOptions {
  /** The command's evaluated `let` variables. */
  variables?: LetVariables;
  /** What a leading `$listSessions` or `$listLocalSessions` lists (see session_cache.ts). */
  sessions?: (spec: ListSessionsSpec) => Document[];
  /** What a leading `$currentOp` lists, given its specification (the server's operations, which the engine cannot see). */
  currentOp?: (spec: unknown) => Document[];
  /** The command's `hint`. */
  hint?: unknown;
  /** Receives the plan of the collection read, for explain. */
  onPlan?: (planned: PlannedRead) => void;
  /** Where the collection read reports its counters and plan (see {@link operationReporting}). */
  reporting?: Pick<PlannedReadOptions, 'stats' | 'onPlan'>;
  /** What the joining stages' reads of other collections use besides `read` (catalog cache, counters, the oplog). */
  foreign?: ForeignReaderOptions;
}

/** A constant `_id` of `$group`: not a field path, an expression or an object. */
function isConstantId(v: unknown): boolean {
  if (typeof v === 'string') return !v.startsWith('$');
  return v === null || typeof v === 'number' || typeof v === 'boolean' || ['Int32', 'Double', 'Long'].includes((v as { _bsontype?: string } | undefined)?._bsontype ?? '');
}

/**
 * When a pipeline only counts what its leading `$match` passes (`$count`, or `$group` on a constant `_id` summing 1,
 * the shape of the drivers' countDocuments), the document it produces for a count; otherwise null.
 */
function countOnly(pipeline: Document[], filter: Document): ((n: number) => Document) | null {
  const rest = Object.keys(filter).length > 0 || (pipeline[0] && Object.keys(pipeline[0])[0] === '$match') ? pipeline.slice(1) : pipeline;
  if (rest.length !== 1) return null;
  const stage = rest[0]!;
  const name = Object.keys(stage)[0];
  if (Object.keys(stage).length !== 1) return null;
  if (name === '$count' && typeof stage.$count === 'string' && stage.$count.length > 0 && !stage.$count.startsWith('$') && !stage.$count.includes('.')) {
    const field = stage.$count;
    return (n) => ({ [field]: n });
  }
  if (name !== '$group' || !isDocument(stage.$group)) return null;
  const group = stage.$group;
  const fields = Object.keys(group).filter((k) => k !== '_id');
  if (!('_id' in group) || !isConstantId(group._id) || fields.length !== 1) return null;
  const acc = group[fields[0]!];
  if (!isDocument(acc) || Object.keys(acc).length !== 1 || !('$sum' in acc) || Number(acc.$sum) !== 1 || typeof acc.$sum === 'string') return null;
  const id = group._id;
  const field = fields[0]!;
  return (n) => ({ _id: id, [field]: n });
}

/**
 * What a pipeline's leading stages ask of the collection read: the filter of a leading `$match` and the order of a
 * `$sort` right after it (or first), which an index may provide.
 */
export function pipelineAccess(pipeline: Document[]): { filter: Document; sort: Document | null; sortAt: number } {
  let i = 0;
  let filter: Document = {};
  const first = pipeline[0];
  if (first && Object.keys(first)[0] === '$match' && isDocument(first.$match)) {
    filter = first.$match;
    i = 1;
  }
  const next = pipeline[i];
  if (next && Object.keys(next)[0] === '$sort' && isDocument(next.$sort)) return { filter, sort: next.$sort, sortAt: i };
  return { filter, sort: null, sortAt: -1 };
}

/** The one namespace `$listSessions` runs on: mongod's sessions collection. */
const SESSIONS_DB = 'config';
const SESSIONS_COLLECTION = 'system.sessions';

/**
 * The documents an aggregation produces (without a final $out/$merge, which the caller has removed), as a stream
 * read with `read`. The input is the collection (or view), none for a database-level aggregate, or the sessions the server
 * knows for a leading `$listSessions` (on config.system.sessions, which it stands for) or `$listLocalSessions`.
 *
 * @throws MongoServerError 40602 for `$documents` or a session stage after the first stage; InvalidNamespace (73)
 *   for `$documents` or `$listLocalSessions` on a collection, or `$listSessions` elsewhere than
 *   config.system.sessions; the pipeline's own errors.
 */
export async function aggregateStream(read: ReadFn, db: string, coll: string | null, pipeline: Document[], collation: Collation | null, options: AggregateOptions, control: StreamControl): Promise<Chunks> {
  const first = pipeline.length > 0 ? Object.keys(pipeline[0]!)[0] : undefined;
  pipeline.forEach((stage, i) => {
    if (i > 0 && Object.keys(stage)[0] === '$documents') throw new MongoServerError(40602, '$documents is only valid as the first stage in a pipeline');
  });
  if ((first === '$documents' || first === '$listLocalSessions') && coll !== null) {
    throw mongoError('InvalidNamespace', `${first} must be run against the database with {aggregate: 1}, not a collection`);
  }
  let stages = pipeline;
  let source: Chunks;
  let sampled: Chunks | undefined;
  // Joining stages read other collections through the aggregate's own `read`: the same transaction, if any.
  const foreign = foreignReader(read, db, collation, { ...(options.reporting?.stats ? { stats: options.reporting.stats } : {}), ...options.foreign });
  if (first === '$listLocalSessions' || first === '$listSessions') {
    const spec = parseListSessionsSpec(first, pipeline[0]![first]);
    if (first === '$listSessions' && (db !== SESSIONS_DB || coll !== SESSIONS_COLLECTION)) {
      throw mongoError('InvalidNamespace', `$listSessions must be run against the '${SESSIONS_COLLECTION}' collection in the '${SESSIONS_DB}' database.`);
    }
    stages = pipeline.slice(1);
    source = chunksOf(options.sessions ? options.sessions(spec) : [], control);
  } else if (first === '$geoNear' && coll !== null) {
    // The near read is the pipeline's source: it needs the collection's geo index, so it runs here, not as a stage.
    const rest = compilePipeline(pipeline.slice(1), { collation, ...(options.variables ? { variables: options.variables } : {}) });
    const near = await geoNearSource(read, db, coll, pipeline[0]!.$geoNear, collation, control, { ...options.reporting, foreign });
    if (near.planned) options.onPlan?.(near.planned);
    return rest.stream(near.chunks, control, foreign);
  } else if (first === '$sample' && coll !== null && (sampled = await randomSample(read, db, coll, pipeline, { collation, ...(options.variables ? { variables: options.variables } : {}) }, control)) !== undefined) {
    stages = pipeline.slice(1);
    source = sampled;
  } else if (first === '$currentOp') {
    stages = pipeline.slice(1);
    source = chunksOf(options.currentOp ? options.currentOp(pipeline[0]!.$currentOp) : [], control);
  } else {
    // Compiled first: a bad stage fails the command before anything is read.
    const compileOptions = { collation, ...(options.variables ? { variables: options.variables } : {}) };
    const compiled = compilePipeline(stages, compileOptions);
    if (coll === null) return compiled.stream(chunksOf([], control), control, foreign);
    const access = pipelineAccess(stages);
    const planned = await plannedRead(read, db, coll, { filter: access.filter, sort: access.sort, hint: options.hint, collation }, control, { ...options.reporting, foreign });
    options.onPlan?.(planned);
    const plan = planned.choice?.plan;
    const counted = countOnly(stages, access.filter);
    const keysOnly = keysOnlyPlan(plan);
    if (counted && keysOnly && planned.info) {
      // The keys decide the filter and nothing downstream reads a field: count keys (what countDocuments sends).
      const n = await countPlanKeys(read, planned.info, keysOnly, control, planned.stats);
      return chunksOf(n === 0 ? [] : [counted(n)], control);
    }
    // An index that yields the `$sort` order replaces the sort, so a `$limit` after it stops the scan.
    if (plan?.kind === 'ixscan' && plan.providesSort && access.sortAt >= 0) {
      return compilePipeline(stages.filter((_, i) => i !== access.sortAt), compileOptions).stream(planned.chunks, control, foreign);
    }
    return compiled.stream(planned.chunks, control, foreign);
  }
  return compilePipeline(stages, { collation, ...(options.variables ? { variables: options.variables } : {}) }).stream(source, control, foreign);
}

/**
 * The documents an aggregation produces, whole, read through `reader` (inside a write transaction: `$out` and
 * `$merge` write what it returns). Errors as {@link aggregateStream}.
 */
export async function runAggregation(reader: StorageReader, db: string, coll: string | null, pipeline: Document[], collation: Collation | null, options: AggregateOptions = {}): Promise<Document[]> {
  return collectChunks(await aggregateStream((fn) => fn(reader), db, coll, pipeline, collation, options, internalControl()));
}

/**
 * A first-stage $sample's documents by mongod's random-cursor path, or undefined where the whole input is sampled.
 * The stages after it are compiled first, so that a bad one fails the command before anything is read.
 */
async function randomSample(read: ReadFn, db: string, coll: string, pipeline: Document[], compileOptions: Parameters<typeof compilePipeline>[1], control: StreamControl): Promise<Chunks | undefined> {
  const size = sampleSize(pipeline[0]!.$sample);
  compilePipeline(pipeline.slice(1), compileOptions);
  return (await randomCursorSample(read, db, coll, size, control)) ?? undefined;
}
