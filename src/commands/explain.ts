import { isDocument, type Document } from '../bson/types.js';
import { mongoError, MongoServerError } from '../errors/index.js';
import { accessStage, executionStatsSection, findTree, queryPlannerSection, type StageCounts } from '../engine/explain_plan.js';
import { aggregateStream, findExecution, pipelineAccess } from '../engine/read_ops.js';
import { countPlanKeys, keysOnlyPlan, planChunks, type PlannedRead, type PlanStats } from '../engine/plan_executor.js';
import { compileCommandFilter } from '../engine/expr_filter.js';
import type { IndexPlan, PlanChoice, QueryPlan } from '../engine/planner.js';
import { getCollectionInfo, isView } from '../engine/catalog.js';
import { planWrite } from '../engine/scan.js';
import { AGGREGATE_ERROR_CONTEXT, FIND_ERROR_CONTEXT, streamControl } from '../engine/stream_control.js';
import { resolveLetVariables } from '../engine/let_variables.js';
import type { Chunks } from '../query/pipeline/index.js';
import { findOptions } from './find.js';
import type { CommandContext, CommandDefinition } from './support/context.js';
import { SERVER_VERSION } from './support/context.js';
import { collationArg, hintArg, namespaceArg, optionalDocument } from './support/args.js';

type Verbosity = 'queryPlanner' | 'executionStats' | 'allPlansExecution';
const VERBOSITIES = new Set<Verbosity>(['queryPlanner', 'executionStats', 'allPlansExecution']);

/** The limits mongod lists in every explain (`serverParameters`), at their defaults. */
const SERVER_PARAMETERS = {
  internalQueryFacetBufferSizeBytes: 104857600,
  internalQueryFacetMaxOutputDocSizeBytes: 104857600,
  internalLookupStageIntermediateDocumentMaxSizeBytes: 104857600,
  internalDocumentSourceGroupMaxMemoryBytes: 104857600,
  internalQueryMaxBlockingSortMemoryUsageBytes: 104857600,
  internalQueryProhibitBlockingMergeOnMongoS: 0,
  internalQueryMaxAddToSetBytes: 104857600,
  internalDocumentSourceSetWindowFieldsMaxMemoryBytes: 104857600,
  internalQueryFrameworkControl: 'trySbeRestricted',
};

function verbosityArg(cmd: Document): Verbosity {
  const v = cmd.verbosity ?? 'allPlansExecution';
  if (typeof v !== 'string' || !VERBOSITIES.has(v as Verbosity)) {
    throw mongoError('FailedToParse', "verbosity string must be one of {'queryPlanner', 'executionStats', 'allPlansExecution'}");
  }
  return v as Verbosity;
}

async function drain(chunks: Chunks): Promise<number> {
  let n = 0;
  for await (const chunk of chunks) n += chunk.length;
  return n;
}

function rejectedTrees(choice: PlanChoice | null, filter: Document): Document[] {
  return (choice?.rejected ?? []).map((plan) => accessStage(plan, filter, null));
}

function envelope(ctx: CommandContext, inner: Document, body: Document): Document {
  const [host, port] = ctx.connection.localAddress.split(':');
  return {
    explainVersion: '1',
    ...body,
    command: { ...inner, $db: ctx.db },
    serverInfo: { host, port: Number(port) || 27017, version: SERVER_VERSION, gitVersion: 'eddydb' },
    serverParameters: SERVER_PARAMETERS,
  };
}

/** queryPlanner and, by verbosity, executionStats of one read of `plan`, whose execution `run` performs. */
async function readSections(ns: string, filter: Document, verbosity: Verbosity, choice: PlanChoice | null, tree: (counts: StageCounts | null) => Document, run: () => Promise<StageCounts>): Promise<Document> {
  const out: Document = { queryPlanner: queryPlannerSection(ns, filter, choice, tree(null), rejectedTrees(choice, filter)) };
  if (verbosity === 'queryPlanner') return out;
  const counts = await run();
  const all = verbosity === 'allPlansExecution' ? [] : null;
  out.executionStats = executionStatsSection(tree(counts), counts, all);
  return out;
}

async function explainFind(ctx: CommandContext, inner: Document, verbosity: Verbosity): Promise<Document> {
  const coll = namespaceArg(inner, 'find', ctx.db);
  const o = findOptions(inner);
  const control = streamControl(ctx.engine, { op: ctx.op }, { errorContext: FIND_ERROR_CONTEXT });
  const started = performance.now();
  const exec = await findExecution(ctx.engine, ctx.db, coll, o, control);
  const plan = exec.planned.choice?.plan ?? null;
  const shape = { filter: o.filter ?? {}, sort: o.sort ?? null, blockingSort: exec.blockingSort, skip: o.skip, limit: o.limit, projection: o.projection ?? null };
  return readSections(`${ctx.db}.${coll}`, o.filter ?? {}, verbosity, exec.planned.choice, (counts) => findTree(plan, shape, counts), async () => {
    const returned = await drain(exec.chunks);
    return { stats: exec.planned.stats, matched: exec.counts.matched, returned, millis: Math.round(performance.now() - started) };
  });
}

/** count and distinct: the read of their query, under a COUNT stage for count. */
async function explainQueryRead(ctx: CommandContext, inner: Document, verbosity: Verbosity, command: 'count' | 'distinct'): Promise<Document> {
  const coll = namespaceArg(inner, command, ctx.db);
  const filter = optionalDocument(inner, command, 'query') ?? {};
  const o = { filter, collation: collationArg(inner, command), hint: hintArg(inner) };
  const control = streamControl(ctx.engine, { op: ctx.op }, { errorContext: FIND_ERROR_CONTEXT });
  const started = performance.now();
  const exec = await findExecution(ctx.engine, ctx.db, coll, o, control);
  const plan = exec.planned.choice?.plan ?? null;
  const keysOnly = command === 'count' ? keysOnlyPlan(plan) : null;
  const wrap = (counts: StageCounts | null) => {
    const read = keysOnly ? countScanStage(keysOnly, counts) : findTree(plan, { filter, blockingSort: false }, counts);
    if (command === 'distinct') return { stage: 'PROJECTION_DEFAULT', transformBy: { _id: 0, [String(inner.key)]: 1 }, inputStage: read };
    return { stage: 'COUNT', ...(counts ? { nReturned: 0, executionTimeMillisEstimate: counts.millis, nCounted: counts.returned, nSkipped: 0 } : {}), inputStage: read };
  };
  return readSections(`${ctx.db}.${coll}`, filter, verbosity, exec.planned.choice, wrap, async () => {
    if (keysOnly && exec.planned.info) {
      const n = await countPlanKeys((fn) => ctx.engine.read(fn), exec.planned.info, keysOnly, control, exec.planned.stats);
      return { stats: exec.planned.stats, matched: n, returned: n, millis: Math.round(performance.now() - started) };
    }
    const returned = await drain(exec.chunks);
    return { stats: exec.planned.stats, matched: exec.counts.matched, returned, millis: Math.round(performance.now() - started) };
  });
}

/** mongod's COUNT_SCAN: a count that reads index keys only. */
function countScanStage(plan: IndexPlan, counts: StageCounts | null): Document {
  const ixscan = accessStage(plan, {}, null).inputStage as Document;
  const { stage: _stage, direction: _direction, ...rest } = ixscan;
  const node: Document = { stage: 'COUNT_SCAN', ...rest };
  return counts ? { ...node, nReturned: 0, executionTimeMillisEstimate: counts.millis, works: counts.stats.keysExamined + 1, advanced: 0, isEOF: 1, keysExamined: counts.stats.keysExamined } : node;
}

/** update, delete and findAndModify: the plan of their first statement's read, under its write stage; nothing is written. */
async function explainWrite(ctx: CommandContext, inner: Document, verbosity: Verbosity, command: 'update' | 'delete' | 'findAndModify'): Promise<Document> {
  const coll = namespaceArg(inner, command, ctx.db);
  let statement: Document;
  if (command === 'findAndModify') statement = { q: inner.query ?? {}, sort: inner.sort, hint: inner.hint, collation: inner.collation, remove: inner.remove };
  else {
    const list = inner[command === 'update' ? 'updates' : 'deletes'];
    if (!Array.isArray(list) || list.length !== 1 || !isDocument(list[0])) throw mongoError('InvalidLength', `explained ${command} must contain exactly one statement`);
    statement = list[0];
  }
  const filter = isDocument(statement.q) ? statement.q : {};
  const collation = collationArg(statement, command);
  const sort = isDocument(statement.sort) ? statement.sort : null;
  const started = performance.now();
  const read = await ctx.engine.read(async (reader) => {
    const info = await getCollectionInfo(reader, ctx.db, coll);
    if (!info || isView(info)) return null;
    return { info, choice: await planWrite(reader, info, { filter, sort, collation, hint: hintArg(statement) }) };
  });
  const stage = command === 'delete' || (command === 'findAndModify' && statement.remove === true) ? 'DELETE' : 'UPDATE';
  const matchedBy = async (plan: QueryPlan): Promise<StageCounts> => {
    const compiled = compileCommandFilter(filter, collation, resolveLetVariables(inner.let, command));
    const stats: PlanStats = { keysExamined: 0, docsExamined: 0 };
    let matched = 0;
    const control = streamControl(ctx.engine, { op: ctx.op }, { errorContext: FIND_ERROR_CONTEXT });
    for await (const chunk of planChunks((fn) => ctx.engine.read(fn), read!.info, plan, control, stats)) matched += chunk.filter((d) => compiled.matches(d)).length;
    return { stats, matched, returned: 0, millis: Math.round(performance.now() - started) };
  };
  const tree = (counts: StageCounts | null) => {
    if (!read) return { stage: 'EOF' };
    const input = findTree(read.choice.plan, { filter, sort, blockingSort: sort !== null && !(read.choice.plan.kind === 'ixscan' && read.choice.plan.providesSort) }, counts);
    return { stage, ...(counts ? { nReturned: 0, executionTimeMillisEstimate: counts.millis, nMatched: counts.matched, nWouldModify: counts.matched, nWouldUpsert: 0 } : {}), inputStage: input };
  };
  return readSections(`${ctx.db}.${coll}`, filter, verbosity, read?.choice ?? null, tree, () => (read ? matchedBy(read.choice.plan) : Promise.resolve({ stats: { keysExamined: 0, docsExamined: 0 }, matched: 0, returned: 0, millis: 0 })));
}

/**
 * aggregate: mongod's `stages` form, the collection read (its leading `$match` and `$sort`) in `$cursor`, each
 * later stage listed as given, with nReturned at the execution verbosities.
 */
export async function explainAggregate(ctx: CommandContext, inner: Document, verbosity: Verbosity): Promise<Document> {
  const coll = inner.aggregate === 1 ? null : namespaceArg(inner, 'aggregate', ctx.db);
  const pipeline = Array.isArray(inner.pipeline) ? (inner.pipeline as Document[]) : [];
  const collation = collationArg(inner, 'aggregate');
  const control = streamControl(ctx.engine, { op: ctx.op }, { allowDiskUse: true, errorContext: AGGREGATE_ERROR_CONTEXT });
  let planned: PlannedRead | null = null;
  const started = performance.now();
  const chunks = await aggregateStream((fn) => ctx.engine.read(fn), ctx.db, coll, pipeline, collation, {
    variables: resolveLetVariables(inner.let, 'aggregate'),
    hint: hintArg(inner),
    onPlan: (p) => (planned = p),
    foreign: { collectionInfo: (reader, db, name) => ctx.engine.collectionInfo(reader, db, name), metrics: ctx.engine.metrics },
  }, control);
  const access = pipelineAccess(pipeline);
  const p = planned as PlannedRead | null;
  const plan = p?.choice?.plan ?? null;
  const ns = `${ctx.db}.${coll ?? '$cmd.aggregate'}`;
  let returned = 0;
  let counts: StageCounts | null = null;
  if (verbosity !== 'queryPlanner') {
    returned = await drain(chunks);
    counts = { stats: p?.stats ?? { keysExamined: 0, docsExamined: 0 }, matched: p ? p.stats.docsExamined : 0, returned, millis: Math.round(performance.now() - started) };
  }
  const cursorTree = (c: StageCounts | null) => findTree(plan, { filter: access.filter, blockingSort: false }, c);
  const cursor: Document = { queryPlanner: queryPlannerSection(ns, access.filter, p?.choice ?? null, cursorTree(null), rejectedTrees(p?.choice ?? null, access.filter)) };
  if (counts) cursor.executionStats = executionStatsSection(cursorTree(counts), counts, verbosity === 'allPlansExecution' ? [] : null);
  // A leading $geoNear is the collection read itself, shown as mongod's `$geoNearCursor`.
  const geoNear = plan?.kind === 'geoNear' && Object.keys(pipeline[0] ?? {})[0] === '$geoNear';
  const stages: Document[] = [{ [geoNear ? '$geoNearCursor' : '$cursor']: cursor, ...(counts ? { nReturned: counts.stats.docsExamined, executionTimeMillisEstimate: counts.millis } : {}) }];
  // Only the last stage's output is counted: the stages in between are listed without figures rather than wrong ones.
  pipeline.forEach((stage, i) => {
    if (geoNear && i === 0) return;
    stages.push({ ...stage, ...(counts && i === pipeline.length - 1 ? { nReturned: returned, executionTimeMillisEstimate: counts.millis } : {}) });
  });
  return envelope(ctx, inner, { stages });
}

export const explain: CommandDefinition = {
  name: 'explain',
  async run(cmd, ctx) {
    const inner = cmd.explain;
    if (!isDocument(inner)) throw mongoError('FailedToParse', 'explain command requires a nested object');
    const verbosity = verbosityArg(cmd);
    const name = Object.keys(inner)[0];
    switch (name) {
      case 'find':
        return envelope(ctx, inner, await explainFind(ctx, inner, verbosity));
      case 'count':
      case 'distinct':
        return envelope(ctx, inner, await explainQueryRead(ctx, inner, verbosity, name));
      case 'aggregate':
        return explainAggregate(ctx, inner, verbosity);
      case 'update':
      case 'delete':
      case 'findAndModify':
        return envelope(ctx, inner, await explainWrite(ctx, inner, verbosity, name));
      default:
        throw new MongoServerError(59, `Explain failed due to unknown command: ${name}`);
    }
  },
};
