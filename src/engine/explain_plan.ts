import { documentToString, Int32 } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import { shownBounds } from '../query/plan/index.js';
import type { PlanStats } from './plan_executor.js';
import type { PlanChoice, QueryPlan, TextPlan } from './planner.js';
import { parsedTextQueryDocument } from '../query/text/index.js';
import { nearStageName } from './geo_index/near_plan.js';

/*
 * explain's plan trees, in mongod's classic-engine shapes: COLLSCAN, EXPRESS_IXSCAN, IXSCAN under FETCH, then SORT,
 * SKIP, LIMIT and PROJECTION_* above, EOF for a collection that does not exist. With execution statistics each stage
 * carries its nReturned and what it examined.
 */

/** What a query's execution counted, stage by stage, for executionStats. */
export interface StageCounts {
  stats: PlanStats;
  /** Documents the filter passed: the output of FETCH or COLLSCAN. */
  matched: number;
  /** Documents the query returned. */
  returned: number;
  millis: number;
}

/** The parts of a find above the read, as explain shows them. */
export interface FindShape {
  filter: Document;
  sort?: Document | null;
  blockingSort: boolean;
  skip?: number;
  limit?: number;
  projection?: Document | null;
}

const DIRECTION = { 1: 'forward', '-1': 'backward' } as const;

function residualFilter(filter: Document, plan: QueryPlan): Document | null {
  if (Object.keys(filter).length === 0) return null;
  if (plan.kind !== 'ixscan') return filter;
  const bounded = new Set(plan.bounds.fields.filter((f) => f.bounded && !plan.index.multikey).map((f) => f.path));
  const rest: Document = {};
  for (const [k, v] of Object.entries(filter)) if (!bounded.has(k)) rest[k] = v;
  return Object.keys(rest).length > 0 ? rest : null;
}

/** The stages that read the collection: COLLSCAN, EXPRESS_IXSCAN, or FETCH over IXSCAN. */
export function accessStage(plan: QueryPlan, filter: Document, counts: StageCounts | null): Document {
  const exec = (stage: Document, returned: number, extra: Document = {}) =>
    counts ? { ...stage, nReturned: returned, executionTimeMillisEstimate: counts.millis, works: returned + 1, advanced: returned, needTime: 0, needYield: 0, saveState: 0, restoreState: 0, isEOF: 1, ...extra } : stage;
  const keys = counts?.stats.keysExamined ?? 0;
  const docs = counts?.stats.docsExamined ?? 0;
  const matched = counts?.matched ?? 0;
  if (plan.kind === 'collscan') {
    return exec({ stage: 'COLLSCAN', ...(Object.keys(filter).length > 0 ? { filter } : {}), direction: DIRECTION[plan.direction] }, matched, { docsExamined: docs });
  }
  if (plan.kind === 'ids' && plan.keys.length === 1) {
    return exec({ stage: 'EXPRESS_IXSCAN', keyPattern: '{ _id: 1 }', indexName: '_id_' }, matched, { keysExamined: keys, docsExamined: docs });
  }
  if (plan.kind === 'text') return textStage(plan, exec, keys, docs, matched);
  if (plan.kind === 'or') {
    const branches = plan.branches.map((branch) => {
      const fetch = accessStage(branch, {}, null);
      // A text branch is its whole TEXT_MATCH; an index branch is its IXSCAN, fetched once above the OR.
      return branch.kind === 'text' ? fetch : ((fetch.inputStage as Document | undefined) ?? fetch);
    });
    const or = exec({ stage: 'OR', inputStages: branches }, docs, { dupsTested: docs, dupsDropped: 0 });
    const fetch = exec({ stage: 'FETCH', filter, inputStage: or }, matched, { docsExamined: docs, alreadyHasObj: 0 });
    return { stage: 'SUBPLAN', ...(counts ? { nReturned: matched, executionTimeMillisEstimate: counts.millis, isEOF: 1 } : {}), inputStage: fetch };
  }
  if (plan.kind === 'geoNear') {
    const near = exec({ stage: nearStageName(plan), keyPattern: plan.spec.key, indexName: plan.spec.name, indexVersion: new Int32(2) }, counts ? docs : 0, { keysExamined: keys });
    return exec({ stage: 'FETCH', ...(Object.keys(filter).length > 1 ? { filter } : {}), inputStage: near }, matched, { docsExamined: docs, alreadyHasObj: 0 });
  }
  const residual = residualFilter(filter, plan);
  const ixscan: Document = plan.kind === 'ids'
    ? { stage: 'IXSCAN', keyPattern: { _id: 1 }, indexName: '_id_', isMultiKey: false, multiKeyPaths: { _id: [] }, isUnique: true, isSparse: false, isPartial: false, indexVersion: new Int32(2), direction: 'forward', indexBounds: { _id: [`${plan.keys.length} point(s)`] } }
    : {
        stage: 'IXSCAN',
        keyPattern: plan.spec.key,
        indexName: plan.spec.name,
        isMultiKey: plan.index.multikey,
        multiKeyPaths: Object.fromEntries(Object.keys(plan.spec.key).map((k) => [k, plan.index.multikey ? [k] : []])),
        isUnique: plan.index.unique,
        isSparse: plan.index.sparse,
        isPartial: plan.index.partial !== null,
        indexVersion: new Int32(2),
        direction: DIRECTION[plan.direction],
        indexBounds: plan.minMax ? {} : shownBounds(plan.bounds, plan.direction === -1),
      };
  const fetched = counts ? docs : 0;
  return exec({ stage: 'FETCH', ...(residual ? { filter: residual } : {}), inputStage: exec(ixscan, fetched, { keysExamined: keys, seeks: 1, dupsTested: 0, dupsDropped: 0 }) }, matched, { docsExamined: docs, alreadyHasObj: 0 });
}

/**
 * A text plan as mongod's classic engine shows it: TEXT_MATCH (the matcher) over FETCH over the index scans, one per
 * term (joined by TEXT_OR when there are several).
 */
function textStage(plan: TextPlan, exec: (stage: Document, returned: number, extra?: Document) => Document, keys: number, docs: number, matched: number): Document {
  const ixscan = (): Document => ({
    stage: 'IXSCAN',
    keyPattern: plan.spec.key,
    indexName: plan.spec.name,
    isMultiKey: true,
    isUnique: false,
    isSparse: false,
    isPartial: plan.spec.partialFilterExpression !== undefined,
    indexVersion: new Int32(2),
    direction: 'backward',
    indexBounds: {},
  });
  const scans = plan.scan ? [exec({ stage: 'COLLSCAN', direction: 'forward' }, docs, { docsExamined: docs })] : plan.spans.map(() => ixscan());
  const input = scans.length === 1 ? scans[0]! : exec({ stage: 'TEXT_OR', inputStages: scans }, docs, { dupsTested: keys, dupsDropped: Math.max(0, keys - docs) });
  const prefix = Object.fromEntries(plan.info.prefixFields.map((f, i) => [f, plan.prefix[i]]));
  const fetch = plan.scan ? input : exec({ stage: 'FETCH', inputStage: input }, docs, { docsExamined: docs, alreadyHasObj: 0 });
  return exec({
    stage: 'TEXT_MATCH',
    indexPrefix: prefix,
    indexName: plan.spec.name,
    parsedTextQuery: parsedTextQueryDocument(plan.query),
    textIndexVersion: new Int32(plan.info.version),
    inputStage: fetch,
  }, matched, { docsRejected: Math.max(0, docs - matched) });
}

/** A find's whole tree: the read, then SORT, SKIP, LIMIT and projection as the query has them. */
export function findTree(plan: QueryPlan | null, shape: FindShape, counts: StageCounts | null): Document {
  if (plan === null) return counts ? { stage: 'EOF', nReturned: 0, executionTimeMillisEstimate: 0, works: 1, advanced: 0, isEOF: 1 } : { stage: 'EOF' };
  let node = accessStage(plan, shape.filter, counts);
  let flowing = counts?.matched ?? 0;
  const wrap = (stage: Document, out: number) => {
    node = counts ? { ...stage, nReturned: out, executionTimeMillisEstimate: counts.millis, works: out + 1, advanced: out, isEOF: 1, inputStage: node } : { ...stage, inputStage: node };
    flowing = out;
  };
  const skip = shape.skip ?? 0;
  const limit = shape.limit ?? 0;
  if (shape.sort && shape.blockingSort) {
    const kept = limit > 0 ? Math.min(flowing, skip + limit) : flowing;
    wrap({ stage: 'SORT', sortPattern: shape.sort, memLimit: 104857600, ...(limit > 0 ? { limitAmount: skip + limit } : {}), type: 'simple' }, kept);
  }
  if (skip > 0) wrap({ stage: 'SKIP', skipAmount: skip }, Math.max(0, flowing - skip));
  if (limit > 0 && !(shape.sort && shape.blockingSort && skip === 0)) wrap({ stage: 'LIMIT', limitAmount: limit }, Math.min(flowing, limit));
  if (shape.projection && Object.keys(shape.projection).length > 0) {
    const simple = Object.values(shape.projection).every((v) => typeof v === 'number' || typeof v === 'boolean' || (v as { _bsontype?: string })?._bsontype === 'Int32');
    wrap({ stage: simple ? 'PROJECTION_SIMPLE' : 'PROJECTION_DEFAULT', transformBy: shape.projection }, flowing);
  }
  return node;
}

/** explain's queryPlanner section. */
export function queryPlannerSection(ns: string, filter: Document, choice: PlanChoice | null, tree: Document, rejected: Document[]): Document {
  return {
    namespace: ns,
    parsedQuery: filter,
    indexFilterSet: false,
    optimizationTimeMillis: 0,
    maxIndexedOrSolutionsReached: false,
    maxIndexedAndSolutionsReached: false,
    maxScansToExplodeReached: false,
    prunedSimilarIndexes: false,
    winningPlan: { isCached: false, ...tree },
    rejectedPlans: choice ? rejected : [],
  };
}

/** explain's executionStats section. */
export function executionStatsSection(tree: Document, counts: StageCounts, allPlans: Document[] | null): Document {
  return {
    executionSuccess: true,
    nReturned: counts.returned,
    executionTimeMillis: counts.millis,
    totalKeysExamined: counts.stats.keysExamined,
    totalDocsExamined: counts.stats.docsExamined,
    executionStages: tree,
    ...(allPlans ? { allPlansExecution: allPlans } : {}),
  };
}

/** The indexes a plan reads (what `$indexStats` counts as accesses). */
export function indexesUsed(plan: QueryPlan): string[] {
  if (plan.kind === 'ixscan' || plan.kind === 'geoNear') return [plan.spec.name];
  if (plan.kind === 'ids') return ['_id_'];
  if (plan.kind === 'or') return [...new Set(plan.branches.flatMap(indexesUsed))];
  if (plan.kind === 'text') return plan.scan ? [] : [plan.spec.name];
  return [];
}

/** mongod's one-line `planSummary` (currentOp, the profiler, slow-query lines): `IXSCAN { a: 1 }`, `COLLSCAN`, ... */
export function planSummary(plan: QueryPlan): string {
  switch (plan.kind) {
    case 'collscan':
      return 'COLLSCAN';
    case 'ids':
      return plan.keys.length === 1 ? 'EXPRESS_IXSCAN { _id: 1 }' : 'IXSCAN { _id: 1 }';
    case 'ixscan':
      return `IXSCAN ${documentToString(plan.spec.key)}`;
    case 'or':
      return plan.branches.map(planSummary).join(', ');
    case 'text':
      return plan.scan ? 'COLLSCAN' : `IXSCAN ${documentToString(plan.spec.key)}`;
    case 'geoNear':
      return `${nearStageName(plan)} ${documentToString(plan.spec.key)}`;
  }
}
