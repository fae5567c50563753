import { isDocument, toNumber, type Document } from '../bson/types.js';
import { mongoError, MongoServerError } from '../errors/index.js';
import { aggregateStream, operationReporting } from '../engine/read_ops.js';
import { AGGREGATE_ERROR_CONTEXT, streamControl } from '../engine/stream_control.js';
import { firstBatchReply } from './support/stream_reply.js';
import type { CursorEndRule } from '../engine/stream_cursor.js';
import { aggregateToCollection, endsWithWriteStage } from '../engine/aggregate_write.js';
import { resolveLetVariables } from '../engine/let_variables.js';
import { validateCollectionName, validateDbName } from '../engine/namespace.js';
import { openChangeStream } from '../changestream/open_change_stream.js';
import type { StreamClient } from '../changestream/stream_activity.js';
import { readHistoryBounds } from '../changestream/stream_stats.js';
import type { CommandContext, CommandDefinition } from './support/context.js';
import { collationArg, hintArg, optionalBool } from './support/args.js';
import { cursorCountArg } from './support/args.js';
import { cursorReply } from './support/reply.js';
import { collStatsStage } from './support/collStats_stage.js';
import { indexStatsStage } from './support/index_stats_stage.js';
import { currentOpNotFirst, currentOpStage } from './support/current_op_stage.js';
import { chunksOf, compilePipeline } from '../query/pipeline/index.js';
import { foreignReader, type ForeignReaderOptions } from '../engine/foreign_reader.js';
import { oplogFindStream } from '../engine/oplog_rs.js';
import type { Engine } from '../engine/engine.js';

/** How the joining stages of an aggregate read other collections: through the catalog cache, counting scans. */
function foreignOptions(engine: Engine): ForeignReaderOptions {
  return {
    collectionInfo: (reader, db, name) => engine.collectionInfo(reader, db, name),
    metrics: engine.metrics,
    oplog: (filter, control) => oplogFindStream(engine, { filter }, 1, control),
  };
}

function batchSizeOf(cmd: Document): number | undefined {
  if (!isDocument(cmd.cursor)) {
    if (cmd.explain === true) return undefined;
    throw mongoError('FailedToParse', "The 'cursor' option is required, except for aggregate with the explain argument");
  }
  return cursorCountArg(cmd.cursor, 'aggregate.cursor', 'batchSize');
}

/** The connection opening a stream, as its statistics show it (the embedded client has no address). */
function streamClient(ctx: CommandContext): StreamClient {
  const connection = ctx.connection;
  const appName = connection.state.appName;
  const client: StreamClient = { connectionId: connection.id };
  if (typeof appName === 'string') client.appName = appName;
  if (connection.id > 0) client.remoteAddress = connection.remoteAddress;
  return client;
}

async function changeStream(cmd: Document, ctx: CommandContext, coll: string | null, pipeline: Document[]): Promise<Document> {
  const engine = ctx.engine;
  if (!ctx.server.options.replSetName) {
    throw new MongoServerError(40573, 'The $changeStream stage is only supported on replica sets');
  }
  const readConcern = cmd.readConcern;
  if (isDocument(readConcern) && readConcern.level !== undefined && readConcern.level !== 'majority') {
    throw mongoError('InvalidOptions', `$changeStream cannot run with readConcern level '${String(readConcern.level)}'`);
  }
  const batchSize = batchSizeOf(cmd);
  const cursor = await openChangeStream(engine, { db: ctx.db, coll, pipeline, collation: collationArg(cmd, 'aggregate'), lsid: ctx.lsid, client: streamClient(ctx) });
  // The initial aggregate never waits: it returns what already exists after the start point (if resuming).
  const first = await cursor.next(batchSize ?? 101, 0, new AbortController().signal, ctx.op);
  if (first.exhausted) return cursorReply(cursor.ns, 0n, first.docs, 'firstBatch', first.postBatchResumeToken);
  // A change stream's cursor id is non-zero even with an empty first batch.
  const id = engine.cursors.register(cursor);
  return cursorReply(cursor.ns, id, first.docs, 'firstBatch', first.postBatchResumeToken);
}

/** Stages mongod pushes into the find layer; a pipeline made only of them leaves mongod paging through a find plan. */
const ABSORBED_STAGES = new Set(['$match', '$sort', '$limit', '$skip']);

/** When an aggregate's cursor closes on a batch that ends on its last result (see CursorEndRule). */
function aggregateCursorEnd(coll: string | null, pipeline: Document[]): CursorEndRule {
  const absorbed = coll !== null && pipeline.every((stage) => ABSORBED_STAGES.has(Object.keys(stage)[0]!));
  return { firstBatch: false, getMore: absorbed };
}

export const aggregate: CommandDefinition = {
  name: 'aggregate',
  async run(cmd, ctx) {
    validateDbName(ctx.db);
    const target = cmd.aggregate;
    let coll: string | null;
    if (typeof target === 'string') coll = validateCollectionName(ctx.db, target);
    else if (toNumber(target) === 1) coll = null;
    else throw mongoError('FailedToParse', "Invalid command format: the 'aggregate' field must specify a collection name or 1");
    if (!Array.isArray(cmd.pipeline)) throw mongoError('TypeMismatch', "'pipeline' option must be specified as an array");
    const pipeline = cmd.pipeline as Document[];
    pipeline.forEach((stage) => {
      if (!isDocument(stage)) throw mongoError('TypeMismatch', 'Each element of the \'pipeline\' array must be an object');
    });
    if (pipeline.some((stage, i) => i > 0 && Object.keys(stage)[0] === '$changeStream')) {
      throw new MongoServerError(40602, '$changeStream is only valid as the first stage in a pipeline');
    }
    for (const name of ['$collStats', '$indexStats']) {
      if (pipeline.some((stage, i) => i > 0 && Object.keys(stage)[0] === name)) {
        throw new MongoServerError(40602, `${name} is only valid as the first stage in a pipeline`);
      }
    }
    if (pipeline.some((stage, i) => i > 0 && Object.keys(stage)[0] === '$currentOp')) throw currentOpNotFirst();
    if (pipeline.length > 0 && Object.keys(pipeline[0]!)[0] === '$changeStream') return changeStream(cmd, ctx, coll, pipeline);
    const batchSize = batchSizeOf(cmd);
    const engine = ctx.engine;
    const first = pipeline.length > 0 ? Object.keys(pipeline[0]!)[0] : undefined;
    // $currentOp lists open change streams with their figures, measured against the retained oplog read here.
    const history = first === '$currentOp' ? await readHistoryBounds(engine) : null;
    const variables = resolveLetVariables(cmd.let, 'aggregate');
    const collation = collationArg(cmd, 'aggregate');
    const ns = coll === null ? `${ctx.db}.$cmd.aggregate` : `${ctx.db}.${coll}`;
    if (endsWithWriteStage(pipeline)) {
      const stage = Object.keys(pipeline[pipeline.length - 1]!)[0]!;
      if (isDocument(cmd.readConcern) && cmd.readConcern.level === 'linearizable') {
        throw mongoError('InvalidOptions', `${stage} cannot be used with a 'linearizable' read concern level`);
      }
      const bypassDocumentValidation = optionalBool(cmd, 'aggregate', 'bypassDocumentValidation') ?? false;
      await aggregateToCollection(engine, ctx.db, coll, pipeline, collation, { variables, bypassDocumentValidation, hint: hintArg(cmd), sessions: (spec) => engine.sessions.list(spec), currentOp: currentOpStage(ctx, cmd, coll === null, history), foreign: { metrics: engine.metrics } });
      return cursorReply(ns, 0n, [], 'firstBatch');
    }
    const slot = { op: ctx.op };
    const control = streamControl(engine, slot, { allowDiskUse: optionalBool(cmd, 'aggregate', 'allowDiskUse'), errorContext: AGGREGATE_ERROR_CONTEXT });
    const source = first === '$collStats' ? [await collStatsStage(pipeline[0]!.$collStats, ctx, coll)]
      : first === '$indexStats' ? await indexStatsStage(pipeline[0]!.$indexStats, ctx, coll)
        : null;
    const chunks = source
      ? compilePipeline(pipeline.slice(1), { collation, variables }).stream(chunksOf(source, control), control, foreignReader((fn) => engine.read(fn), ctx.db, collation, foreignOptions(engine)))
      : await aggregateStream((fn) => engine.read(fn), ctx.db, coll, pipeline, collation, { variables, sessions: (spec) => engine.sessions.list(spec), currentOp: currentOpStage(ctx, cmd, coll === null, history), hint: hintArg(cmd), reporting: operationReporting(engine, control), foreign: foreignOptions(engine) }, control);
    return firstBatchReply(ctx, ns, chunks, slot, 'aggregate', batchSize ?? 101, aggregateCursorEnd(coll, pipeline));
  },
};
