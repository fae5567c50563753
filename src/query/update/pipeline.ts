import { deepClone, isDocument, type Document } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { applyUpdatePipeline } from '../pipeline/update_pipeline.js';
import { applyReplacement } from './replacement.js';

/** The stages an update pipeline may use (https://www.mongodb.com/docs/manual/tutorial/update-documents-with-aggregation-pipeline/). */
const UPDATE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

/** Stages that exist but are not allowed in an update (mongod says InvalidOptions for these). */
const OTHER_STAGES = new Set([
  '$bucket', '$bucketAuto', '$changeStream', '$collStats', '$count', '$densify', '$documents', '$facet', '$fill',
  '$geoNear', '$graphLookup', '$group', '$indexStats', '$limit', '$listSessions', '$lookup', '$match', '$merge', '$out',
  '$redact', '$sample', '$setWindowFields', '$skip', '$sort', '$sortByCount', '$unionWith', '$unwind', '$currentOp',
  '$planCacheStats', '$search', '$searchMeta', '$vectorSearch',
]);

/** Checks the shape of a pipeline-style update before it runs. */
export function validateUpdatePipeline(stages: readonly unknown[]): Document[] {
  return stages.map((stage) => {
    if (!isDocument(stage)) {
      throw mongoError('TypeMismatch', 'Each element of the \'pipeline\' array must be an object');
    }
    const keys = Object.keys(stage);
    if (keys.length !== 1) {
      throw new MongoServerError(40323, 'A pipeline stage specification object must contain exactly one field.');
    }
    const name = keys[0]!;
    if (UPDATE_STAGES.has(name)) return stage;
    if (OTHER_STAGES.has(name)) throw mongoError('InvalidOptions', `${name} is not allowed to be used within an update`);
    throw new MongoServerError(40324, `Unrecognized pipeline stage name: '${name}'`);
  });
}

/**
 * Runs a pipeline-style update on one document (mongod's PipelineExecutor): the pipeline's output replaces the
 * document, keeping `_id` when the output dropped it. Returns null when nothing changed.
 */
export function applyPipelineUpdate(stages: Document[], doc: Document, variables: Document | undefined): Document | null {
  const transformed = applyUpdatePipeline(stages, deepClone(doc), variables);
  return applyReplacement(doc, transformed, true);
}
