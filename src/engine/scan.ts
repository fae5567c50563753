import type { Collation, Document } from '../bson/index.js';
import { compileSortKeys, sortByKeys } from '../query/sort.js';
import type { StreamControl } from '../query/pipeline/index.js';
import type { StorageReader } from '../storage/types.js';
import type { CollectionInfo } from './catalog.js';
import { idStorageKey } from './documents.js';
import { backgroundOperation } from './operation.js';
import { planChunks, type PlanStats } from './plan_executor.js';
import { choosePlan, naturalSortDirection, type PlanChoice } from './planner.js';
import { AGGREGATE_ERROR_CONTEXT } from './stream_control.js';
import { hasTextPredicate } from '../query/text/index.js';

export interface ScannedDocument {
  key: Uint8Array;
  doc: Document;
}

/** What a write's statement asks of the read that finds its candidates. */
export interface WriteAccess {
  filter: Document;
  sort?: Document | null;
  collation: Collation | null;
  hint?: unknown;
  /** The statement changes one document at most (updateOne, deleteOne, findAndModify): its read starts small. */
  single?: boolean;
  /** Where the read reports its counters and plan (the write command's operation, `$indexStats`). */
  report?: { stats?: PlanStats; onPlan?: (info: Readonly<CollectionInfo>, choice: PlanChoice) => void };
}

/** A write's plan, chosen through the write's own reader (inside a transaction, a snapshot: see choosePlan). */
export function planWrite(reader: StorageReader, info: CollectionInfo, access: WriteAccess): Promise<PlanChoice> {
  return choosePlan(reader, info, { filter: access.filter, sort: access.sort ?? null, hint: access.hint, collation: access.collation });
}

/**
 * The documents a write's filter could match, read by its plan through the write's own reader, in chunks read as the
 * caller asks for them: an `updateOne` or `deleteOne` stops at its first match, a multi-document write holds one
 * chunk at a time. An index scan never returns a document twice, even when the write moves it ahead of the scan
 * (mongod's record id deduplication); an `_id` scan moves past the keys it returned, and `_id` never changes. With
 * a sort the plan does not provide, every candidate is read, then sorted. Between chunks the event loop runs (inside
 * the write: other clients' pings and heartbeats are answered while their storage work waits in the queue).
 */
export async function* candidateChunksFor(reader: StorageReader, info: CollectionInfo, access: WriteAccess, stats?: PlanStats): AsyncGenerator<ScannedDocument[]> {
  const choice = await planWrite(reader, info, access);
  const { plan } = choice;
  access.report?.onPlan?.(info, choice);
  const pacer = backgroundOperation('write scan');
  const control: StreamControl = { yieldIfDue: () => pacer.yieldIfDue(), errorContext: AGGREGATE_ERROR_CONTEXT };
  const counted = stats ?? access.report?.stats ?? { keysExamined: 0, docsExamined: 0 };
  const chunks = planChunks((fn) => fn(reader), info, plan, control, counted, undefined, true, access.single ? 1 : undefined);
  const withKeys = (docs: Document[]) => docs.map((doc) => ({ key: idStorageKey(doc._id), doc }));
  const sorted = plan.kind === 'ixscan' && plan.providesSort;
  if (access.sort && Object.keys(access.sort).length > 0 && !sorted && naturalSortDirection(access.sort) === null) {
    const all: ScannedDocument[] = [];
    for await (const docs of chunks) all.push(...withKeys(docs));
    yield sortByKeys(all, compileSortKeys(access.sort, access.collation, { textScore: hasTextPredicate(access.filter) }), (c) => c.doc);
    return;
  }
  for await (const docs of chunks) yield withKeys(docs);
}
