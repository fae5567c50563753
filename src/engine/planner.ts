import { encodeCompoundKey, valuesEqual, type Collation } from '../bson/index.js';
import { isDocument, toNumber, type Document } from '../bson/types.js';
import { MongoServerError, mongoError } from '../errors/index.js';
import {
  indexBounds, indexCovers, keySpans, pathPredicates, PRESENT_VALUES, providedSort, scannedFields,
  type IndexBounds, type IndexFacts, type KeySpan, type PathPredicate,
} from '../query/plan/index.js';
import type { StorageReader } from '../storage/types.js';
import { readyIndexes, ID_INDEX_NAME, type CollectionInfo, type IndexSpec } from './catalog.js';
import { pinnedIds, pointKeys } from './document_source.js';
import { isMultikeyIndex } from './indexes.js';
import { SnapshotReader } from './transactions/snapshot_view.js';
import { toArray } from '../storage/scan.js';
import { findTextPredicate, type TextPredicate } from '../query/text/index.js';
import { checkTextQuery, textPlan, type TextPlan } from './text_index/plan.js';
import { geoIntervals } from './geo_index/bounds.js';
import { nearOf } from './geo_index/filter_geo.js';
import { isGeoIndex } from './geo_index/keys.js';
import { chooseNearPlan, type GeoNearPlan } from './geo_index/near_plan.js';

/**
 * How a query reads a collection. The planner picks it from the filter, sort and hint; the executor
 * (plan_executor.ts) reads by it; explain describes it. Whatever the plan, the query applies its whole filter to
 * every document the plan reads: a plan only decides what is read.
 */
export type QueryPlan =
  | { kind: 'collscan'; direction: 1 | -1; natural: boolean }
  | IdsPlan
  | IndexPlan
  | OrPlan
  | TextPlan
  | GeoNearPlan;

export type { TextPlan };

export interface IdsPlan {
  kind: 'ids';
  keys: Uint8Array[];
}

/** A top-level `$or` whose every branch an index bounds: each branch read in turn, each document once (mongod's OR). */
export interface OrPlan {
  kind: 'or';
  branches: (IdsPlan | IndexPlan | TextPlan)[];
}

export interface IndexPlan {
  kind: 'ixscan';
  index: IndexFacts;
  spec: IndexSpec;
  bounds: IndexBounds;
  /** The key ranges to read, in the order read. */
  spans: KeySpan[];
  /** 1 forward, -1 backward. */
  direction: 1 | -1;
  /** True when reading in this direction yields the query's sort order. */
  providesSort: boolean;
  /** min()/max() given: the bounds come from them, not the filter. */
  minMax: boolean;
  /**
   * True when the key ranges hold exactly the matching documents, one key each (every predicate bounds a scanned
   * field exactly, nothing else in the filter, not multikey): a count then counts keys without reading documents.
   */
  exact: boolean;
}

export interface PlanRequest {
  filter: Document;
  sort?: Document | null;
  hint?: unknown;
  min?: Document | null;
  max?: Document | null;
  collation: Collation | null;
}

/** A chosen plan and the ones it was preferred to (explain's rejectedPlans), with what the trial counted. */
export interface PlanChoice {
  plan: QueryPlan;
  rejected: QueryPlan[];
  /** Index keys each candidate's trial read, by candidate (the winner first). */
  trialKeys: number[];
}

/** Keys a candidate reads in its trial: past this, it is not known to be small. */
export const TRIAL_KEYS = 101;

function isNaturalHint(hint: unknown): boolean {
  return isDocument(hint) && Object.keys(hint).length === 1 && Object.keys(hint)[0] === '$natural';
}

export function naturalSortDirection(sort: Document | null | undefined): 1 | -1 | null {
  if (!sort) return null;
  const keys = Object.keys(sort);
  if (keys.length === 1 && keys[0] === '$natural') return toNumber(sort.$natural) < 0 ? -1 : 1;
  return null;
}

function plannerError(code: number, message: string): MongoServerError {
  return new MongoServerError(code, `error processing query: planner returned error :: caused by :: ${message}`);
}

function factsOf(spec: IndexSpec, multikey: boolean, filter: Document): IndexFacts | null {
  // A geo index is read by the covering of the filter's geo predicate on its field, and only then: it holds no
  // entry for a document without a geometry.
  const geo = isGeoIndex(spec) ? geoIntervals(spec, filter) : null;
  if (isGeoIndex(spec) && !geo) return null;
  // Index types the planner cannot read by bounds (text) are never chosen; a hashed field takes equalities.
  if (!geo && Object.values(spec.key).some((v) => typeof v === 'string' && v !== 'hashed')) return null;
  let partial: PathPredicate[] | null = null;
  let partialUnderstood = true;
  if (isDocument(spec.partialFilterExpression)) {
    partial = [];
    const conjuncts: [string, unknown][] = [];
    const flatten = (f: Document) => {
      for (const [k, v] of Object.entries(f)) {
        if (k === '$and' && Array.isArray(v)) v.forEach((c) => isDocument(c) && flatten(c));
        else conjuncts.push([k, v]);
      }
    };
    flatten(spec.partialFilterExpression);
    for (const [path, value] of conjuncts) {
      if (path.startsWith('$')) {
        partialUnderstood = false;
        continue;
      }
      const ops = isDocument(value) ? Object.entries(value) : [['$eq', value] as [string, unknown]];
      for (const [op, operand] of ops) {
        if (op === '$exists' && operand === true) {
          partial.push({ path, intervals: PRESENT_VALUES, exact: true, collated: false });
          continue;
        }
        const found = pathPredicates({ [path]: { [op]: operand } }, null);
        if (found.length === 1) partial.push(found[0]!);
        else partialUnderstood = false;
      }
    }
  }
  return {
    name: spec.name,
    key: spec.key,
    // One geometry has several cells: a document may sit under several keys.
    multikey: multikey || geo !== null,
    ...(geo ? { geo } : {}),
    sparse: spec.sparse === true,
    unique: spec.unique === true || spec.name === ID_INDEX_NAME,
    partial,
    partialUnderstood,
  };
}

/** The index a hint names (by name or key pattern), or null for `$natural`; throws when it names none. */
function hintedIndex(info: CollectionInfo, hint: unknown): IndexSpec | null {
  if (isNaturalHint(hint)) return null;
  const specs = readyIndexes(info).filter((s) => s.hidden !== true);
  let found: IndexSpec[] = [];
  if (typeof hint === 'string') found = specs.filter((s) => s.name === hint);
  else if (isDocument(hint)) {
    const keys = Object.keys(hint);
    found = specs.filter((s) => {
      const sk = Object.keys(s.key);
      return sk.length === keys.length && sk.every((k, i) => k === keys[i] && valuesEqual(s.key[k], hint[k]));
    });
  }
  if (found.length === 0) throw plannerError(2, 'hint provided does not correspond to an existing index');
  if (found.length > 1) throw plannerError(27, `Hint matched multiple indexes, must hint by index name. Matched: ${found.map((s) => JSON.stringify(s.key)).join(' and ')}`);
  return found[0]!;
}

function indexPlan(spec: IndexSpec, facts: IndexFacts, bounds: IndexBounds, sort: Document | null | undefined): IndexPlan {
  const sorted = sort ? providedSort(facts, bounds, sort) : 0;
  const direction = sorted === -1 ? -1 : 1;
  const spans = keySpans(bounds);
  return { kind: 'ixscan', index: facts, spec, bounds, spans: direction === 1 ? spans : [...spans].reverse(), direction, providesSort: sorted !== 0, minMax: false, exact: false };
}

/** Marks a plan exact when its key ranges decide the whole filter (see IndexPlan.exact). */
function withExactness(plan: IndexPlan, predicates: PathPredicate[], complete: boolean): IndexPlan {
  // Two values may share a hash: a hashed index's keys never decide a filter alone.
  // Nor do a geo index's cells: they cover more than the region.
  if (!complete || plan.index.multikey || plan.minMax || Object.values(plan.spec.key).includes('hashed') || isGeoIndex(plan.spec)) return plan;
  const scanned = new Set(scannedFields(plan.bounds));
  const exact = predicates.every((p) => p.exact && !p.collated && scanned.has(p.path));
  return exact ? { ...plan, exact } : plan;
}

/** The bounds of min()/max() on a hinted index: one key range, min included, max excluded, as mongod. */
function minMaxPlan(spec: IndexSpec, facts: IndexFacts, min: Document | null | undefined, max: Document | null | undefined, sort: Document | null | undefined): IndexPlan {
  const fields = Object.keys(spec.key);
  const directions = fields.map((f) => (toNumber(spec.key[f]) < 0 ? -1 : 1));
  const compatible = (bound: Document | null | undefined) => {
    if (!bound || Object.keys(bound).length === 0) return true;
    const keys = Object.keys(bound);
    return keys.length === fields.length && keys.every((k, i) => k === fields[i]);
  };
  if (!compatible(min) || !compatible(max)) throw plannerError(51174, 'The index chosen is not compatible with min/max');
  const keyOf = (bound: Document) => encodeCompoundKey(fields.map((f) => bound[f]), directions);
  const start = min && Object.keys(min).length > 0 ? keyOf(min) : new Uint8Array(0);
  const end = max && Object.keys(max).length > 0 ? keyOf(max) : null;
  if (end !== null && Buffer.compare(start, end) >= 0) {
    throw plannerError(51175, 'The value provided for min() does not come before the value provided for max() in the hinted index');
  }
  const bounds = indexBounds(facts, []);
  const plan = indexPlan(spec, facts, bounds, sort);
  return { ...plan, spans: [{ start, end }], direction: 1, providesSort: plan.providesSort && plan.direction === 1, minMax: true };
}

/** How many keys a candidate's spans hold, counting at most TRIAL_KEYS. */
async function trialKeys(reader: StorageReader, info: CollectionInfo, plan: IndexPlan): Promise<number> {
  let n = 0;
  for (const span of plan.spans) {
    const scan = { coll: info.uuid, range: { gte: span.start, ...(span.end ? { lt: span.end } : {}) }, limit: TRIAL_KEYS - n, chunkRows: TRIAL_KEYS - n };
    n += plan.spec.name === ID_INDEX_NAME ? (await toArray(reader.scanDocuments(scan))).length : (await toArray(reader.scanIndex({ ...scan, index: plan.spec.name }))).length;
    if (n >= TRIAL_KEYS) break;
  }
  return n;
}

/**
 * Chooses how to read a collection for a query, as mongod's planner does at small scale, by a documented rule:
 * - a `$text` filter reads the text index, always (see planText);
 * - a hint names the index (or `$natural`, a collection scan); min()/max() need one;
 * - a filter that pins `_id` to values reads those documents;
 * - otherwise every index whose leading field the filter bounds, or that provides the sort, is a candidate
 *   (sparse and partial indexes only when the filter cannot match a document they leave out; hidden indexes never);
 *   one candidate wins outright; among several, each counts its keys up to 101, and the fewest wins when some
 *   candidate ran out before 101 (a known-small result). Otherwise a candidate that provides the sort wins, then the
 *   one with the most leading equalities, then a unique one, then the shorter key.
 * - no index bounds the filter, but it is an `$or` whose every branch one bounds: the branches' plans, in turn;
 * - no candidate: a collection scan.
 * Nothing is cached: every query plans afresh, so a plan never outlives the data it was chosen for. Through a
 * snapshot (a transaction, a snapshot read) only `_id` lookups and collection scans are planned.
 */
export async function choosePlan(reader: StorageReader, info: CollectionInfo, request: PlanRequest): Promise<PlanChoice> {
  const text = findTextPredicate(request.filter);
  if (text) return { plan: await planText(reader, info, request, text), rejected: [], trialKeys: [] };
  // A transaction's or snapshot read's reader sees documents as of its snapshot but index entries as they are now:
  // it gets `_id` lookups and collection scans only, and no hint but `$natural`.
  if (reader instanceof SnapshotReader) {
    info = { ...info, indexes: [] };
    request = { ...request, hint: isNaturalHint(request.hint) ? request.hint : undefined, min: null, max: null };
  }
  const { filter, sort, hint, min, max, collation } = request;
  const naturalSort = naturalSortDirection(sort);
  // A near query reads its geo index nearest first; mongod's CanonicalQuery refuses a `$natural` order for it.
  const near = nearOf(filter);
  if (near && naturalSort !== null) throw mongoError('BadValue', '$natural sort cannot be set for geoNear query.');
  if (near && isNaturalHint(hint)) throw mongoError('BadValue', '$natural hint cannot be set for geoNear query.');
  const hasMinMax = (min && Object.keys(min).length > 0) || (max && Object.keys(max).length > 0);
  if (hint !== undefined && hint !== null && !(isDocument(hint) && Object.keys(hint).length === 0)) {
    const spec = hintedIndex(info, hint);
    if (spec === null) {
      if (hasMinMax) throw plannerError(51173, 'When using min()/max() a hint of which index to use must be provided');
      const direction = toNumber((hint as Document).$natural) < 0 ? -1 : 1;
      return { plan: { kind: 'collscan', direction, natural: true }, rejected: [], trialKeys: [] };
    }
    if (near) return { plan: chooseNearPlan(info, near, spec), rejected: [], trialKeys: [] };
    const facts = factsOf(spec, await isMultikeyIndex(reader, info, spec.name), filter);
    if (!facts) throw mongoError('BadValue', `eddydb cannot read the ${JSON.stringify(spec.key)} index by bounds`);
    if (hasMinMax) return { plan: minMaxPlan(spec, facts, min, max, sort), rejected: [], trialKeys: [] };
    const leftOut = { count: 0 };
    const predicates = pathPredicates(filter, collation, leftOut);
    const plan = indexPlan(spec, facts, indexBounds(facts, predicates), naturalSort === null ? sort : null);
    return { plan: withExactness(plan, predicates, leftOut.count === 0), rejected: [], trialKeys: [] };
  }
  if (hasMinMax) throw plannerError(51173, 'When using min()/max() a hint of which index to use must be provided');
  if (near) return { plan: chooseNearPlan(info, near, null), rejected: [], trialKeys: [] };
  if (naturalSort !== null) return { plan: { kind: 'collscan', direction: naturalSort, natural: true }, rejected: [], trialKeys: [] };
  const ids = pinnedIds(filter);
  if (ids) return { plan: { kind: 'ids', keys: pointKeys(ids) }, rejected: [], trialKeys: [] };

  const sortable = sort && collation === null ? sort : null;
  const candidates = await indexCandidates(reader, info, filter, sortable, collation);
  if (!candidates.some((c) => c.bounded)) {
    const or = await orPlan(reader, info, filter, collation);
    if (or) return { plan: or, rejected: [], trialKeys: [] };
  }
  if (candidates.length === 0) return { plan: { kind: 'collscan', direction: 1, natural: false }, rejected: [], trialKeys: [] };
  return pickCandidate(reader, info, candidates.map((c) => c.plan));
}

/**
 * A `$text` query always reads the text index (through a snapshot, which reads no index, it scans): alone, or as
 * one branch of a top-level `$or` whose other branches an index reads, as mongod's planner allows.
 */
async function planText(reader: StorageReader, info: CollectionInfo, request: PlanRequest, text: TextPredicate): Promise<QueryPlan> {
  const { filter, hint, sort } = request;
  checkTextQuery(info, text);
  if (hint !== undefined && hint !== null && !(isDocument(hint) && Object.keys(hint).length === 0)) {
    throw mongoError('BadValue', 'text and hint not allowed in same query');
  }
  if (naturalSortDirection(sort) !== null) throw mongoError('BadValue', 'text expression not allowed with $natural sort order');
  const snapshot = reader instanceof SnapshotReader;
  if (!text.underOr) return textPlan(info, filter, text, snapshot);
  const clauses = filter.$or;
  const failed = () => plannerError(291, 'Failed to produce a solution for TEXT under OR - other non-TEXT clauses under OR have to be indexed as well.');
  if (!Array.isArray(clauses) || !clauses.every(isDocument)) throw failed();
  const branches: (IdsPlan | IndexPlan | TextPlan)[] = [];
  for (const clause of clauses as Document[]) {
    const own = findTextPredicate(clause);
    if (own) {
      branches.push(textPlan(info, clause, own, snapshot));
      continue;
    }
    const ids = pinnedIds(clause);
    if (ids) {
      branches.push({ kind: 'ids', keys: pointKeys(ids) });
      continue;
    }
    const candidates = (await indexCandidates(reader, info, clause, null, request.collation)).filter((c) => c.bounded);
    if (candidates.length === 0) throw failed();
    branches.push((await pickCandidate(reader, info, candidates.map((c) => c.plan))).plan as IndexPlan);
  }
  if (snapshot) {
    // No index is read through a snapshot: every document, scored where the search matches; the filter decides.
    const textBranch = branches.find((b): b is TextPlan => b.kind === 'text')!;
    return { ...textBranch, keepUnmatched: true };
  }
  return { kind: 'or', branches };
}

/**
 * The plan of a top-level `$or` whose every branch has an indexed plan of its own, or null. The branches are planned
 * alone (the predicates beside the `$or` still filter every document read).
 */
async function orPlan(reader: StorageReader, info: CollectionInfo, filter: Document, collation: Collation | null): Promise<OrPlan | null> {
  const clauses = filter.$or;
  if (!Array.isArray(clauses) || clauses.length === 0 || !clauses.every(isDocument)) return null;
  const branches: (IdsPlan | IndexPlan)[] = [];
  for (const clause of clauses as Document[]) {
    const ids = pinnedIds(clause);
    if (ids) {
      branches.push({ kind: 'ids', keys: pointKeys(ids) });
      continue;
    }
    const candidates = (await indexCandidates(reader, info, clause, null, collation)).filter((c) => c.bounded);
    if (candidates.length === 0) return null;
    const chosen = await pickCandidate(reader, info, candidates.map((c) => c.plan));
    branches.push(chosen.plan as IndexPlan);
  }
  return { kind: 'or', branches };
}

/** The indexes a filter's predicates bound, or that provide the sort, each as a plan. */
async function indexCandidates(reader: StorageReader, info: CollectionInfo, filter: Document, sortable: Document | null, collation: Collation | null): Promise<{ plan: IndexPlan; bounded: boolean }[]> {
  const leftOut = { count: 0 };
  const predicates = pathPredicates(filter, collation, leftOut);
  const candidates: { plan: IndexPlan; bounded: boolean }[] = [];
  for (const spec of readyIndexes(info)) {
    if (spec.hidden === true) continue;
    const leading = Object.keys(spec.key)[0]!;
    const bounded = predicates.some((p) => p.path === leading && !p.collated);
    if (!bounded && !sortable && !isGeoIndex(spec)) continue;
    // Only the indexes the query could use are asked whether they are multikey: one meta read each.
    const facts = factsOf(spec, await isMultikeyIndex(reader, info, spec.name), filter);
    if (!facts) continue;
    const bounds = indexBounds(facts, predicates);
    if (!indexCovers(facts, predicates, bounds)) continue;
    const plan = withExactness(indexPlan(spec, facts, bounds, sortable), predicates, leftOut.count === 0);
    // A predicate on the leading field may still give no bounds (a range on a hashed field).
    const leadingBounded = bounds.fields[0]!.bounded;
    if (leadingBounded || plan.providesSort) candidates.push({ plan, bounded: leadingBounded });
  }
  return candidates;
}

/** The best of several candidate plans, by the rule {@link choosePlan} documents. */
async function pickCandidate(reader: StorageReader, info: CollectionInfo, candidates: IndexPlan[]): Promise<PlanChoice> {
  if (candidates.length === 1) return { plan: candidates[0]!, rejected: [], trialKeys: [] };
  const counted = [];
  for (const plan of candidates) counted.push({ plan, keys: await trialKeys(reader, info, plan) });
  const score = (c: { plan: IndexPlan; keys: number }) => [
    c.keys < TRIAL_KEYS ? -c.keys : -TRIAL_KEYS - 1,
    c.plan.providesSort ? 1 : 0,
    c.plan.bounds.equalityPrefix,
    c.plan.index.unique ? 1 : 0,
    -Object.keys(c.plan.spec.key).length,
  ];
  counted.sort((a, b) => {
    const sa = score(a);
    const sb = score(b);
    for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return sb[i]! - sa[i]!;
    return 0;
  });
  return { plan: counted[0]!.plan, rejected: counted.slice(1).map((c) => c.plan), trialKeys: counted.map((c) => c.keys) };
}
