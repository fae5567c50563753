import { isDocument } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { typeName } from '../expressions/index.js';
import { streamStages, type Chunks, type StreamControl } from './stream.js';
import { compileSubPipeline, foreignOf, hoistLeadingMatch, noDocuments, refuseInJoin, stageName } from './sub_pipeline.js';
import type { CompiledStage, Runtime, StageParser } from './types.js';

const WITHOUT_COLLECTION = '$unionWith stage without explicit collection must have a pipeline with $documents as first stage';

async function* unionChunks(input: Chunks, coll: string | null, documentsFirst: boolean, filter: Record<string, unknown>, stages: readonly CompiledStage[], runtime: Runtime, control: StreamControl): Chunks {
  yield* input;
  // A pipeline that starts with `$documents` replaces whatever the collection holds: nothing is read.
  const source = coll === null || documentsFirst ? noDocuments() : foreignOf(runtime, '$unionWith').find({ db: null, coll }, filter, control);
  yield* streamStages(stages, source, runtime, control);
}

/**
 * Parses `$unionWith` (https://www.mongodb.com/docs/manual/reference/operator/aggregation/unionWith/): a collection
 * name, or `{coll, pipeline}`; the input passes through, then the documents of the collection (or view; none for a
 * missing one) run through the pipeline. Both stream.
 *
 * @throws MongoServerError FailedToParse (9) for a spec neither string nor object, or no `coll` without a pipeline
 *   starting with `$documents`; 40415 for an unknown field; TypeMismatch (14) for a field of the wrong type;
 *   31441 for a stage a `$unionWith` pipeline may not hold; MaxSubPipelineDepthExceeded (232).
 */
export const parseUnionWith: StageParser = (spec, ctx) => {
  let coll: string | null = null;
  let pipeline: unknown[] = [];
  if (typeof spec === 'string') {
    coll = spec;
  } else if (isDocument(spec)) {
    let hasPipeline = false;
    for (const [key, value] of Object.entries(spec)) {
      if (key === 'coll') {
        if (typeof value !== 'string') throw mongoError('TypeMismatch', `BSON field '$unionWith.coll' is the wrong type '${typeName(value)}', expected type 'string'`);
        coll = value;
      } else if (key === 'pipeline') {
        if (!Array.isArray(value)) throw mongoError('TypeMismatch', `BSON field '$unionWith.pipeline' is the wrong type '${typeName(value)}', expected type 'array'`);
        for (const stage of value) {
          if (!isDocument(stage)) throw mongoError('TypeMismatch', `BSON field '$unionWith.pipeline' is the wrong type '${typeName(stage)}', expected type 'object'`);
        }
        pipeline = value;
        hasPipeline = true;
      } else {
        throw new MongoServerError(40415, `BSON field '$unionWith.${key}' is an unknown field.`);
      }
    }
    if (coll === null && (!hasPipeline || stageName(pipeline[0]) !== '$documents')) throw mongoError('FailedToParse', WITHOUT_COLLECTION);
  } else {
    throw mongoError('FailedToParse', `the $unionWith stage specification must be an object or string, but found ${typeName(spec)}`);
  }
  if (coll !== null && coll.length === 0) throw mongoError('InvalidNamespace', 'invalid $unionWith namespace: ');
  const compiled = compileSubPipeline(pipeline, ctx, refuseInJoin('$unionWith'));
  const documentsFirst = stageName(pipeline[0]) === '$documents';
  const hoist = coll === null || documentsFirst ? { filter: {}, rest: compiled } : hoistLeadingMatch(pipeline, compiled);
  return {
    kind: 'stream',
    name: '$unionWith',
    stream: (input, runtime, control) => unionChunks(input, coll, documentsFirst, hoist.filter, hoist.rest, runtime, control),
  };
};
