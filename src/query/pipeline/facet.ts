import { calculateObjectSize, isDocument, type Document } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { formatValue, typeName } from '../expressions/index.js';
import { validateFieldName } from '../expressions/field_path.js';
import { compileStages } from './compile.js';
import {
  chunksOf, collectChunks, holdWholeInput, streamStages, type Chunks, type StreamControl,
} from './stream.js';
import type { CompiledStage, Runtime, StageParser } from './types.js';

/** mongod's internalQueryFacetMaxOutputDocSizeBytes: the one document `$facet` builds. */
export const FACET_OUTPUT_MAX_BYTES = 100 * 1024 * 1024;

/** Stages a `$facet` pipeline may not hold (mongod's FacetRequirement::kNotAllowed, and stages that must come first). */
const NOT_IN_FACET: ReadonlySet<string> = new Set([
  '$changeStream', '$changeStreamSplitLargeEvent', '$collStats', '$currentOp', '$documents', '$facet', '$geoNear',
  '$indexStats', '$listCatalog', '$listLocalSessions', '$listSampledQueries', '$listSearchIndexes', '$listSessions',
  '$merge', '$out', '$planCacheStats', '$querySettings', '$queryStats', '$search', '$searchMeta',
  '$shardedDataDistribution', '$vectorSearch',
]);

function refuseInFacet(name: string): Error | undefined {
  return NOT_IN_FACET.has(name) ? new MongoServerError(40600, `${name} is not allowed to be used within a $facet stage`) : undefined;
}

/**
 * A sub-pipeline's stages may themselves hold a pipeline that holds a stage `$facet` refuses (`$out` inside a
 * `$lookup`): mongod names both.
 */
function refuseNested(raw: readonly Document[]): void {
  for (const stage of raw) {
    const name = Object.keys(stage)[0]!;
    const spec = stage[name];
    const inner = name === '$lookup' || name === '$unionWith' ? (isDocument(spec) ? spec.pipeline : undefined) : undefined;
    if (!Array.isArray(inner)) continue;
    for (const sub of inner) {
      const subName = isDocument(sub) ? Object.keys(sub)[0] : undefined;
      if (subName && NOT_IN_FACET.has(subName) && subName !== '$documents') {
        throw new MongoServerError(40600, `${subName} inside of ${name} is not allowed to be used within a $facet stage`);
      }
    }
  }
}

interface Facet {
  name: string;
  stages: CompiledStage[];
}

async function* facetChunks(facets: readonly Facet[], input: Chunks, runtime: Runtime, control: StreamControl): Chunks {
  // Every facet reads the whole input, so it is held once (within a blocking stage's memory limit) and replayed.
  const docs = await holdWholeInput(input, '$facet', control);
  const out: Document = {};
  let size = 5;
  for (const facet of facets) {
    const results = await collectChunks(streamStages(facet.stages, chunksOf(docs, control), runtime, control));
    out[facet.name] = results;
    size += calculateObjectSize({ [facet.name]: results }) - 5;
    if (size > FACET_OUTPUT_MAX_BYTES) {
      throw new MongoServerError(4031700, `document constructed by $facet is ${size} bytes, which exceeds the limit of ${FACET_OUTPUT_MAX_BYTES} bytes`);
    }
  }
  yield [out];
}

/**
 * Parses `$facet` (https://www.mongodb.com/docs/manual/reference/operator/aggregation/facet/): each named pipeline
 * runs over the same input, and the stage outputs one document holding each pipeline's results as an array.
 *
 * @throws MongoServerError 40169 for a spec that is not a non-empty object; a FieldPath error for a bad facet name;
 *   40170 for a facet that is not an array; 40171 for a stage that is not an object; 40600 for a stage `$facet` may
 *   not hold; BadValue (2) for an empty facet. While running: 4031700 when the output document passes 100 MB.
 */
export const parseFacet: StageParser = (spec, ctx) => {
  if (!isDocument(spec) || Object.keys(spec).length === 0) {
    throw new MongoServerError(40169, `the $facet specification must be a non-empty object, but found: $facet: ${formatValue(spec)}`);
  }
  const facets: Facet[] = [];
  for (const [name, pipeline] of Object.entries(spec)) {
    try {
      validateFieldName(name);
    } catch (err) {
      if (err instanceof MongoServerError) {
        throw new MongoServerError(err.code, `$facet pipeline names must follow the naming rules of field path expressions. :: caused by :: ${err.message}`);
      }
      throw err;
    }
    if (!Array.isArray(pipeline)) throw new MongoServerError(40170, `arguments to $facet must be arrays, ${name} is type ${typeName(pipeline)}`);
    pipeline.forEach((stage, i) => {
      if (!isDocument(stage)) {
        throw new MongoServerError(40171, `elements of arrays in $facet spec must be non-empty objects, ${name} argument contained an element of type ${typeName(stage)}: ${i}: ${formatValue(stage)}`);
      }
    });
    refuseNested(pipeline as Document[]);
    const stages = compileStages(pipeline, { collation: ctx.collation, variables: ctx.variables, depth: ctx.depth, refuseStage: refuseInFacet });
    if (stages.length === 0) throw mongoError('BadValue', 'sub-pipeline in $facet stage cannot be empty');
    facets.push({ name, stages });
  }
  return {
    kind: 'stream',
    name: '$facet',
    stream: (input, runtime, control) => facetChunks(facets, input, runtime, control),
  };
};
