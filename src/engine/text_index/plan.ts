import { encodeCompoundKey, isDocument, type Document } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { successor, type KeySpan } from '../../query/plan/index.js';
import {
  indexedTerm, isTextKeyPattern, parseTextQuery, setTextScore, textIndexInfo, textMatches, textScore,
  type TextIndexInfo, type TextPredicate, type TextQuery,
} from '../../query/text/index.js';
import type { StreamControl, Chunks } from '../../query/pipeline/index.js';
import { toArray } from '../../storage/scan.js';
import type { IndexPosition } from '../../storage/types.js';
import { readyIndexes, type CollectionInfo, type IndexSpec } from '../catalog.js';
import { decodeStoredDocument } from '../documents.js';
import type { ReadFn, ScanMetrics } from '../document_source.js';
import { textKeyDirections } from './keys.js';

/**
 * A `$text` query's read (mongod's TEXT_MATCH over TEXT_OR): the text index's entries for each query term, each
 * document once, kept when the matcher passes it (negated terms, phrases) and given its score. Through a snapshot,
 * which reads no index, every document is read and matched, the positive terms included.
 */
export interface TextPlan {
  kind: 'text';
  spec: IndexSpec;
  info: TextIndexInfo;
  query: TextQuery;
  /** The equality values of the index's prefix fields, which every key read starts with. */
  prefix: unknown[];
  /** One key range per term: the keys that start with the prefix and the term. */
  spans: KeySpan[];
  /** Read every document instead of the index (a snapshot's read). */
  scan: boolean;
  /**
   * With `scan`: return every document, scoring those the search matches, for an `$or` whose other branches the
   * filter decides (a snapshot reads no index for them either).
   */
  keepUnmatched?: boolean;
}

function plannerError(code: number, message: string): MongoServerError {
  return new MongoServerError(code, `error processing query: planner returned error :: caused by :: ${message}`);
}

/**
 * The collection's text index: IndexNotFound (27) when it has none, as mongod's parser says; a hidden one is there
 * for the parser but not for the planner (NoQueryExecutionPlans).
 */
function textIndexOf(info: CollectionInfo): IndexSpec {
  const spec = readyIndexes(info).find((s) => isTextKeyPattern(s.key));
  if (!spec) throw mongoError('IndexNotFound', 'text index required for $text query');
  if (spec.hidden === true) throw plannerError(291, 'need exactly one text index for $text query');
  return spec;
}

/** The value a filter pins `path` to by equality, at its top or in a top-level `$and`; undefined when none. */
function equalityOn(filter: Document, path: string): unknown {
  for (const [key, value] of Object.entries(filter)) {
    if (key === path) {
      if (!isDocument(value)) return value;
      const ops = Object.keys(value);
      if (ops.length === 0 || !ops[0]!.startsWith('$')) return value;
      if (ops.length === 1 && ops[0] === '$eq') return value.$eq;
    } else if (key === '$and' && Array.isArray(value)) {
      for (const clause of value) {
        if (!isDocument(clause)) continue;
        const found = equalityOn(clause, path);
        if (found !== undefined) return found;
      }
    }
  }
  return undefined;
}

/**
 * What mongod checks when it parses a `$text` query, before any other check of the query: that the collection has
 * a text index (27) and that the query's language is one (BadValue).
 */
export function checkTextQuery(info: CollectionInfo, predicate: TextPredicate): void {
  const spec = readyIndexes(info).find((s) => isTextKeyPattern(s.key));
  if (!spec) throw mongoError('IndexNotFound', 'text index required for $text query');
  parseTextQuery(predicate.params, textIndexInfo(spec).defaultLanguage);
}

/** Plans a `$text` query on the collection's text index. */
export function textPlan(info: CollectionInfo, filter: Document, predicate: TextPredicate, snapshot: boolean): TextPlan {
  const spec = textIndexOf(info);
  const textInfo = textIndexInfo(spec);
  const query = parseTextQuery(predicate.params, textInfo.defaultLanguage);
  const prefix = textInfo.prefixFields.map((field) => {
    const value = equalityOn(filter, field);
    if (value === undefined) {
      throw plannerError(291, 'failed to use text index to satisfy $text query (if text index is compound, are equality predicates given for all prefix fields?)');
    }
    return value;
  });
  const directions = textKeyDirections(spec).slice(0, prefix.length + 1);
  const spans = query.boundsTerms.map((term) => {
    const start = encodeCompoundKey([...prefix, indexedTerm(term)], directions);
    return { start, end: successor(start) };
  });
  return { kind: 'text', spec, info: textInfo, query, prefix, spans, scan: snapshot };
}

/** What a text read counts (mongod's keysExamined and docsExamined). */
interface TextStats {
  keysExamined: number;
  docsExamined: number;
}

const FIRST_CHUNK = 64;
const MAX_CHUNK = 2048;

/** The documents a text plan returns, each scored, chunk by chunk. */
export async function* textChunks(read: ReadFn, info: CollectionInfo, plan: TextPlan, control: StreamControl, stats: TextStats, metrics?: ScanMetrics): Chunks {
  if (plan.scan) {
    yield* scannedTextChunks(read, info, plan, control, stats, metrics);
    return;
  }
  const seen = new Set<string>();
  for (const span of plan.spans) {
    const range = { gte: span.start, ...(span.end ? { lt: span.end } : {}) };
    let after: IndexPosition | undefined;
    let size = FIRST_CHUNK;
    for (;;) {
      const limit = size;
      const from = after;
      const rows = await read((reader) => toArray(reader.scanIndexDocuments({ coll: info.uuid, index: plan.spec.name, range, ...(from ? { after: from } : {}), limit, chunkRows: limit })));
      const docs: Document[] = [];
      let fetched = 0;
      for (const row of rows) {
        const id = Buffer.from(row.recordKey).toString('hex');
        if (seen.has(id)) continue;
        seen.add(id);
        fetched++;
        const doc = decodeStoredDocument(row.doc);
        if (!textMatches(plan.query, plan.info, doc, true)) continue;
        setTextScore(doc, textScore(plan.query, plan.info, doc));
        docs.push(doc);
      }
      stats.keysExamined += rows.length;
      stats.docsExamined += fetched;
      if (metrics) metrics.scannedObjects += fetched;
      if (docs.length > 0) yield docs;
      const last = rows[rows.length - 1];
      if (rows.length < limit || !last) break;
      after = { key: last.key, recordKey: last.recordKey };
      size = Math.min(size * 2, MAX_CHUNK);
      await control.yieldIfDue();
    }
  }
}

/** Every document in `_id` order, matched against the whole text query. */
async function* scannedTextChunks(read: ReadFn, info: CollectionInfo, plan: TextPlan, control: StreamControl, stats: TextStats, metrics?: ScanMetrics): Chunks {
  let resume: Uint8Array | undefined;
  let size = FIRST_CHUNK;
  for (;;) {
    const limit = size;
    const from = resume;
    const rows = await read((reader) => toArray(reader.scanDocuments({ coll: info.uuid, ...(from ? { after: from } : {}), limit, chunkRows: limit })));
    if (rows.length === 0) return;
    stats.docsExamined += rows.length;
    if (metrics) metrics.scannedObjects += rows.length;
    const docs: Document[] = [];
    for (const row of rows) {
      const doc = decodeStoredDocument(row.doc);
      if (textMatches(plan.query, plan.info, doc, false)) setTextScore(doc, textScore(plan.query, plan.info, doc));
      else if (!plan.keepUnmatched) continue;
      docs.push(doc);
    }
    if (docs.length > 0) yield docs;
    if (rows.length < limit) return;
    resume = rows[rows.length - 1]!.key;
    size = Math.min(size * 2, MAX_CHUNK);
    await control.yieldIfDue();
  }
}
