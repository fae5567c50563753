import { isDocument, type Document } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { createParseContext } from '../expressions/index.js';
import { isKnownStage, lookupStage } from './registry.js';
import type { CompiledStage, ForeignReader, PipelineOptions, Runtime, StageContext } from './types.js';
import { streamStages, type Chunks, type StreamControl } from './stream.js';
import { checkTextSearchStages } from './text_meta.js';

/** A compiled aggregation pipeline. */
export interface CompiledPipeline {
  /**
   * Runs the stages over `docs` and returns the output. Inputs are not modified; outputs may share unchanged
   * sub-values with them. Evaluation errors (e.g. 40228 from $replaceRoot) are thrown from here.
   */
  run(docs: Iterable<Document>): Document[];
  /**
   * Runs the stages over a stream, pulling input only as the output is consumed (see stream.ts). `foreign` reads the
   * other collections of the database for the stages that join them; without it, such a stage fails when it runs.
   */
  stream(source: Chunks, control: StreamControl, foreign?: ForeignReader): Chunks;
  /** The compiled stages, for callers that run them with others (find's own stages, a view under a query). */
  readonly compiled: readonly CompiledStage[];
  /** The stage names, in order, as written. */
  readonly stages: string[];
}

/** A pipeline of per-document stages applied to one document: zero or more outputs. */
export type DocumentPipeline = (doc: Document) => Document[];

const DEFAULT_DISALLOWED = '{stage} is not permitted in a $changeStream pipeline';

function disallowed(name: string, options: PipelineOptions): MongoServerError {
  const template = options.disallowedMessage ?? DEFAULT_DISALLOWED;
  const message = typeof template === 'function' ? template(name) : template.split('{stage}').join(name);
  return new MongoServerError(options.disallowedCode ?? 20, message);
}

/** How many pipelines may nest inside one another ($lookup, $unionWith): mongod's internalMaxSubPipelineViewDepth. */
export const MAX_SUB_PIPELINE_DEPTH = 20;

export function compileStages(stages: readonly unknown[], options: PipelineOptions): CompiledStage[] {
  if (!Array.isArray(stages)) throw mongoError('TypeMismatch', "'pipeline' option must be specified as an array");
  const variables = options.variables ?? {};
  const depth = options.depth ?? 0;
  if (depth > MAX_SUB_PIPELINE_DEPTH) {
    throw mongoError('MaxSubPipelineDepthExceeded', `Maximum number of nested sub-pipelines exceeded. Limit is ${MAX_SUB_PIPELINE_DEPTH}`);
  }
  const scored = checkTextSearchStages(stages);
  const ctx: StageContext = {
    collation: options.collation ?? null,
    expressions: createParseContext({ collation: options.collation ?? null, variables: Object.keys(variables) }),
    variables,
    depth,
  };
  return absorbUnwinds(stages.map((stage, i) => {
    if (!isDocument(stage)) throw mongoError('TypeMismatch', "Each element of the 'pipeline' array must be an object");
    const keys = Object.keys(stage);
    if (keys.length !== 1) {
      throw new MongoServerError(40323, 'A pipeline stage specification object must contain exactly one field.');
    }
    const name = keys[0]!;
    const parser = lookupStage(name);
    if (!parser && !isKnownStage(name)) throw new MongoServerError(40324, `Unrecognized pipeline stage name: '${name}'`);
    if (options.allowedStages && !options.allowedStages.has(name)) throw disallowed(name, options);
    const refused = options.refuseStage?.(name);
    if (refused) throw refused;
    if (!parser) throw mongoError('NotImplemented', `${name} is not supported by eddydb`);
    return parser(stage[name], scored[i] ? { ...ctx, textScore: true } : ctx, name);
  }));
}

/**
 * A `$lookup` or `$graphLookup` followed by an `$unwind` of the field it writes takes the `$unwind` in, as mongod's
 * optimizer does: the joined documents then stream out one at a time instead of being gathered into one array.
 */
function absorbUnwinds(stages: CompiledStage[]): CompiledStage[] {
  const out: CompiledStage[] = [];
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i]!;
    const next = stages[i + 1];
    if (stage.kind === 'stream' && stage.absorbUnwind && next?.kind === 'document' && next.unwind) {
      const merged = stage.absorbUnwind(next.unwind);
      if (merged) {
        out.push(merged);
        i++;
        continue;
      }
    }
    out.push(stage);
  }
  return out;
}

function runStages(stages: readonly CompiledStage[], docs: Document[], runtime: Runtime): Document[] {
  let current = docs;
  for (const stage of stages) {
    if (stage.kind === 'stream') {
      throw mongoError('IllegalOperation', `${stage.name} cannot run outside a streamed aggregation`);
    } else if (stage.kind === 'batch') {
      current = stage.run(current, runtime);
    } else {
      const next: Document[] = [];
      for (const doc of current) for (const out of stage.apply(doc, runtime)) next.push(out);
      current = next;
    }
  }
  return current;
}

/**
 * Compiles an aggregation pipeline (https://www.mongodb.com/docs/manual/core/aggregation-pipeline/), validating
 * every stage as mongod does at aggregate time.
 *
 * @throws MongoServerError TypeMismatch (14) for a non-array pipeline or a non-document stage; 40323 for a stage
 *   with more than one field; 40324 (Location40324) "Unrecognized pipeline stage name: '$foo'"; the caller's
 *   disallowed-stage error (default 20 IllegalOperation) for a known stage outside `allowedStages`;
 *   NotImplemented (238) for a stage mongod has and eddydb does not; each stage's own parse errors.
 */
export function compilePipeline(stages: readonly unknown[], options: PipelineOptions = {}): CompiledPipeline {
  const compiled = compileStages(stages, options);
  const variables = options.variables ?? {};
  return {
    stages: compiled.map((s) => s.name),
    compiled,
    stream(source: Chunks, control: StreamControl, foreign?: ForeignReader): Chunks {
      return streamStages(compiled, source, { vars: variables, clock: {}, ...(foreign ? { foreign } : {}) }, control);
    },
    run(docs: Iterable<Document>): Document[] {
      // One clock per run: $$NOW is the same instant for every document of one command.
      return runStages(compiled, Array.from(docs), { vars: variables, clock: {} });
    },
  };
}

/**
 * Compiles a pipeline of per-document stages ($match, $project, $addFields/$set, $unset, $replaceRoot,
 * $replaceWith, $redact, $unwind) into a function applied to one document at a time, as change streams feed
 * events. Errors are those of {@link compilePipeline}; a stage that needs the whole input ($sort, $group, $limit,
 * ...) is IllegalOperation here.
 */
export function compileDocumentPipeline(stages: readonly unknown[], options: PipelineOptions = {}): DocumentPipeline {
  const compiled = compileStages(stages, options);
  for (const stage of compiled) {
    if (stage.kind !== 'document') {
      throw mongoError('IllegalOperation', `${stage.name} cannot be applied to one document at a time`);
    }
  }
  const variables = options.variables ?? {};
  return (doc) => runStages(compiled, [doc], { vars: variables, clock: {} });
}
