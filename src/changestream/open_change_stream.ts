import type { Collation } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import { isDocument } from '../bson/types.js';
import { mongoError, MongoServerError } from '../errors/index.js';
import type { Engine } from '../engine/engine.js';
import { findDocuments } from '../engine/read_ops.js';
import { HIGH_WATER_MARK_POSITION, type ResumePoint } from '../oplog/resume_token.js';
import { compileDocumentPipeline } from '../query/pipeline/index.js';
import { changeStreamHistoryLost } from './history_lost.js';
import { parseChangeStreamSpec, type ChangeStreamSpec } from './options.js';
import { ChangeStreamCursor, type EventPipeline } from './change_stream_cursor.js';
import type { StreamScope } from './scope.js';
import { streamInterest } from './stream_interest.js';
import type { StreamClient } from './stream_activity.js';
import { isInternalDatabase, isSystemCollection } from '../engine/namespace.js';

/** Stages a change stream pipeline may hold after `$changeStream`. */
export const CHANGE_STREAM_STAGES: ReadonlySet<string> = new Set([
  '$match', '$project', '$addFields', '$set', '$unset', '$replaceRoot', '$replaceWith', '$redact', '$changeStreamSplitLargeEvent',
]);

export interface OpenChangeStreamRequest {
  /** `$db` of the aggregate. */
  db: string;
  /** The aggregate's target: a collection name, or null for `aggregate: 1`. */
  coll: string | null;
  pipeline: Document[];
  collation?: Collation | null;
  lsid?: Document;
  /** Who opens it, for the stream's statistics; the embedded client (connection 0) when absent. */
  client?: StreamClient;
}

/** The stream's scope from where the aggregate ran, with mongod's namespace rules (72 and 73). */
function resolveScope(req: OpenChangeStreamRequest, spec: ChangeStreamSpec): StreamScope {
  if (spec.allChangesForCluster) {
    if (req.db !== 'admin' || req.coll !== null) {
      throw mongoError('InvalidOptions', "$changeStream may only be run with 'allChangesForCluster: true' against the 'admin' database, and with no collection name");
    }
    return { type: 'cluster' };
  }
  if (isInternalDatabase(req.db)) {
    throw mongoError('InvalidNamespace', `$changeStream may not be opened on the internal ${req.db} database`);
  }
  if (req.coll === null) return { type: 'database', db: req.db };
  if (isSystemCollection(req.coll)) {
    throw mongoError('InvalidNamespace', `$changeStream may not be opened on the internal ${req.db}.${req.coll} collection`);
  }
  return { type: 'collection', db: req.db, coll: req.coll };
}

/** Where the stream starts, with the resume checks: 260, 280 and 286. */
async function resolveStart(engine: Engine, spec: ChangeStreamSpec): Promise<ResumePoint> {
  const token = spec.startAfter ?? spec.resumeAfter;
  if (token) {
    if (spec.resumeAfter && token.fromInvalidate) {
      throw mongoError('InvalidResumeToken', "Attempting to resume a change stream using 'resumeAfter' is not allowed from an invalidate notification.");
    }
    const truncated = engine.oplogTruncatedThrough;
    if (token.position === HIGH_WATER_MARK_POSITION) {
      if (token.ts < truncated) throw changeStreamHistoryLost();
    } else {
      if (token.ts <= truncated) throw changeStreamHistoryLost();
      if (!(await engine.hasOplogEntry(token.ts))) {
        throw mongoError('ChangeStreamFatalError', `cannot resume stream; the resume token was not found. {_data: "${'resume point ' + token.ts.toString()}"}`, { labels: ['NonResumableChangeStreamError'] });
      }
    }
    return token;
  }
  if (spec.startAtOperationTime !== undefined) {
    const after = spec.startAtOperationTime > 0n ? spec.startAtOperationTime - 1n : 0n;
    if (after < engine.oplogTruncatedThrough) throw changeStreamHistoryLost();
    return { ts: after, position: HIGH_WATER_MARK_POSITION, fromInvalidate: false };
  }
  return { ts: engine.committedTs, position: HIGH_WATER_MARK_POSITION, fromInvalidate: false };
}

/** Compiles the stages after `$changeStream`: unknown stage 40324, disallowed stage 20, split stage not last 7182802. */
function compileUserStages(stages: Document[], collation: Collation | null): EventPipeline | null {
  const user = stages.filter((s) => !(isDocument(s) && Object.keys(s)[0] === '$changeStreamSplitLargeEvent'));
  stages.forEach((s, i) => {
    if (isDocument(s) && Object.keys(s)[0] === '$changeStreamSplitLargeEvent' && i !== stages.length - 1) {
      throw new MongoServerError(7182802, '$changeStreamSplitLargeEvent must be the last stage in the pipeline');
    }
  });
  for (const s of stages) {
    if (isDocument(s) && Object.keys(s)[0] === '$changeStream') throw new MongoServerError(40602, '$changeStream is only valid as the first stage in a pipeline');
  }
  if (user.length === 0) return null;
  return compileDocumentPipeline(user, {
    collation,
    allowedStages: CHANGE_STREAM_STAGES,
    disallowedMessage: (stage: string) => `${stage} is not permitted in a $changeStream pipeline`,
  });
}

/**
 * Opens a change stream for an aggregate whose first stage is `$changeStream`: validates everything that fails at
 * aggregate time, and returns the cursor (not yet registered).
 */
export async function openChangeStream(engine: Engine, req: OpenChangeStreamRequest): Promise<ChangeStreamCursor> {
  const [first, ...rest] = req.pipeline;
  const spec = parseChangeStreamSpec((first as Document).$changeStream);
  const scope = resolveScope(req, spec);
  const pipeline = compileUserStages(rest, req.collation ?? null);
  const start = await resolveStart(engine, spec);
  return new ChangeStreamCursor(engine, {
    scope,
    interest: streamInterest(scope, spec, rest, req.collation ?? null),
    spec,
    pipeline,
    start,
    lsid: req.lsid,
    shownPipeline: req.pipeline,
    client: req.client ?? { connectionId: 0 },
    splitLargeEvents: rest.some((s) => isDocument(s) && Object.keys(s)[0] === '$changeStreamSplitLargeEvent'),
    lookup: {
      find: async (db, coll, documentKey) => (await findDocuments(engine, db, coll, { filter: documentKey, limit: 1 }))[0] ?? null,
      version: () => engine.committedTs,
    },
  });
}
