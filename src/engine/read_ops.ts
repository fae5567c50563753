import { compareValues, valuesEqual, type Collation } from '../bson/index.js';
import { type Document } from '../bson/types.js';
import { compileSort } from '../query/sort.js';
import { compileProjection } from '../query/projection/index.js';
import { compilePipeline } from '../query/pipeline/index.js';
import { parseListSessionsSpec, type ListSessionsSpec } from '../query/pipeline/list_sessions.js';
import { MongoServerError, mongoError } from '../errors/index.js';
import type { StorageReader } from '../storage/types.js';
import type { Engine } from './engine.js';
import { getCollectionInfo, isView } from './catalog.js';
import { candidateDocuments } from './scan.js';
import { compileCommandFilter } from './expr_filter.js';
import type { LetVariables } from './let_variables.js';

export interface FindDocumentsOptions {
  filter?: Document;
  sort?: Document;
  projection?: Document;
  skip?: number;
  limit?: number;
  collation?: Collation | null;
  /** The command's evaluated `let` variables, for `$expr`. */
  variables?: LetVariables;
}

/** Matching documents of a collection (or a view, through its pipeline), before sort/skip/limit/projection. */
async function matching(reader: StorageReader, db: string, coll: string, filter: Document, collation: Collation | null, variables?: LetVariables): Promise<Document[]> {
  const compiled = compileCommandFilter(filter, collation, variables);
  const info = await getCollectionInfo(reader, db, coll);
  if (!info) return [];
  let docs: Document[];
  if (isView(info)) {
    const source = await matching(reader, db, info.options.viewOn as string, {}, collation);
    docs = compilePipeline((info.options.pipeline as Document[]) ?? [], { collation }).run(source);
    return docs.filter((d) => compiled.matches(d));
  }
  docs = (await candidateDocuments(reader, info, filter)).map((c) => c.doc);
  return compiled.isEmpty ? docs : docs.filter((d) => compiled.matches(d));
}

/** find: the whole result, sorted, skipped, limited and projected. */
export async function findDocuments(engine: Engine, db: string, coll: string, o: FindDocumentsOptions): Promise<Document[]> {
  const collation = o.collation ?? null;
  // The filter goes with the projection: a positional projection (`a.$`) re-matches it to find the element.
  const projection = o.projection && Object.keys(o.projection).length > 0 ? compileProjection(o.projection, { filter: o.filter ?? {}, collation }) : null;
  const sort = o.sort && Object.keys(o.sort).length > 0 ? compileSort(o.sort, collation) : null;
  return engine.read(async (reader) => {
    let docs = await matching(reader, db, coll, o.filter ?? {}, collation, o.variables);
    if (sort) docs = [...docs].sort(sort);
    const skip = o.skip ?? 0;
    if (skip > 0 || (o.limit ?? 0) > 0) docs = docs.slice(skip, o.limit ? skip + o.limit : undefined);
    return projection ? docs.map((d) => projection.apply(d)) : docs;
  });
}

export async function countDocuments(engine: Engine, db: string, coll: string, o: { filter?: Document; skip?: number; limit?: number; collation?: Collation | null }): Promise<number> {
  return engine.read(async (reader) => {
    const filter = o.filter ?? {};
    if (Object.keys(filter).length === 0) {
      const info = await getCollectionInfo(reader, db, coll);
      if (info && !isView(info)) {
        const total = await reader.countDocuments(info.uuid);
        const afterSkip = Math.max(0, total - (o.skip ?? 0));
        return o.limit ? Math.min(afterSkip, o.limit) : afterSkip;
      }
    }
    const n = (await matching(reader, db, coll, filter, o.collation ?? null)).length;
    const afterSkip = Math.max(0, n - (o.skip ?? 0));
    return o.limit ? Math.min(afterSkip, o.limit) : afterSkip;
  });
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

export async function distinctValues(engine: Engine, db: string, coll: string, key: string, filter: Document, collation: Collation | null): Promise<unknown[]> {
  return engine.read(async (reader) => {
    const docs = await matching(reader, db, coll, filter, collation);
    const values: unknown[] = [];
    for (const doc of docs) {
      const found: unknown[] = [];
      valuesForDistinct(doc, key.split('.'), found);
      for (const v of found) if (!values.some((seen) => valuesEqual(seen, v, collation))) values.push(v);
    }
    // mongod collects distinct values in an ordered set (BSONElementSet under the collation), so they come back
    // in MongoDB's sort order, not in the order they were found.
    return values.sort((a, b) => compareValues(a, b, collation));
  });
}

export interface AggregateOptions {
  /** The command's evaluated `let` variables. */
  variables?: LetVariables;
  /** What a leading `$listSessions` or `$listLocalSessions` lists (see session_cache.ts). */
  sessions?: (spec: ListSessionsSpec) => Document[];
}

/** The one namespace `$listSessions` runs on: mongod's sessions collection. */
const SESSIONS_DB = 'config';
const SESSIONS_COLLECTION = 'system.sessions';

/**
 * The documents an aggregation produces (without a final $out/$merge, which the caller has removed), read through
 * `reader`. The input is the collection (or view), none for a database-level aggregate, or the sessions the server
 * knows for a leading `$listSessions` (on config.system.sessions, which it stands for) or `$listLocalSessions`.
 *
 * @throws MongoServerError 40602 for `$documents` or a session stage after the first stage; InvalidNamespace (73)
 *   for `$documents` or `$listLocalSessions` on a collection, or `$listSessions` elsewhere than
 *   config.system.sessions; the pipeline's own errors.
 */
export async function runAggregation(reader: StorageReader, db: string, coll: string | null, pipeline: Document[], collation: Collation | null, options: AggregateOptions = {}): Promise<Document[]> {
  const first = pipeline.length > 0 ? Object.keys(pipeline[0]!)[0] : undefined;
  pipeline.forEach((stage, i) => {
    if (i > 0 && Object.keys(stage)[0] === '$documents') throw new MongoServerError(40602, '$documents is only valid as the first stage in a pipeline');
  });
  if ((first === '$documents' || first === '$listLocalSessions') && coll !== null) {
    throw mongoError('InvalidNamespace', `${first} must be run against the database with {aggregate: 1}, not a collection`);
  }
  let stages = pipeline;
  let source: Document[];
  if (first === '$listLocalSessions' || first === '$listSessions') {
    const spec = parseListSessionsSpec(first, pipeline[0]![first]);
    if (first === '$listSessions' && (db !== SESSIONS_DB || coll !== SESSIONS_COLLECTION)) {
      throw mongoError('InvalidNamespace', `$listSessions must be run against the '${SESSIONS_COLLECTION}' collection in the '${SESSIONS_DB}' database.`);
    }
    stages = pipeline.slice(1);
    source = options.sessions ? options.sessions(spec) : [];
  } else {
    source = coll === null ? [] : await matching(reader, db, coll, {}, collation);
  }
  return compilePipeline(stages, { collation, ...(options.variables ? { variables: options.variables } : {}) }).run(source);
}

/** An ordinary (non-change-stream) aggregation with no final $out/$merge. */
export async function aggregateDocuments(engine: Engine, db: string, coll: string | null, pipeline: Document[], collation: Collation | null, options: AggregateOptions = {}): Promise<Document[]> {
  return engine.read((reader) => runAggregation(reader, db, coll, pipeline, collation, options));
}
