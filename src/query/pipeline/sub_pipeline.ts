import { isDocument, type Document } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { compileStages } from './compile.js';
import type { Chunks, StreamControl } from './stream.js';
import type { CompiledStage, ForeignReader, Runtime, StageContext } from './types.js';

/** What the stages that run pipelines of their own ($lookup, $unionWith, $graphLookup, $facet) share. */

/** Stages that may not run inside a `$lookup` or `$unionWith` pipeline (mongod's LookupRequirement/UnionRequirement). */
const NOT_IN_JOINED_PIPELINE: ReadonlySet<string> = new Set(['$out', '$merge', '$changeStream', '$changeStreamSplitLargeEvent']);

/** The error for a stage a `$lookup` (51047) or `$unionWith` (31441) pipeline may not hold. */
export function refuseInJoin(stage: '$lookup' | '$unionWith'): (name: string) => Error | undefined {
  return (name) => {
    if (!NOT_IN_JOINED_PIPELINE.has(name)) return undefined;
    return stage === '$lookup'
      ? new MongoServerError(51047, `${name} is not allowed within a $lookup's sub-pipeline`)
      : new MongoServerError(31441, `${name} is not allowed within a $unionWith's sub-pipeline`);
  };
}

/**
 * Compiles the pipeline of a joining stage one level deeper, with `letNames` declared beside the outer pipeline's
 * variables (their values come per input document, at run time).
 */
export function compileSubPipeline(stages: unknown, ctx: StageContext, refuse: (name: string) => Error | undefined, letNames: readonly string[] = []): CompiledStage[] {
  if (!Array.isArray(stages)) throw mongoError('TypeMismatch', "'pipeline' option must be specified as an array");
  const variables: Document = { ...ctx.variables };
  for (const name of letNames) variables[name] = undefined;
  return compileStages(stages, { collation: ctx.collation, variables, depth: ctx.depth + 1, refuseStage: refuse });
}

/** The engine's reader, or an error saying the pipeline was started without one (a caller's bug, not the user's). */
export function foreignOf(runtime: Runtime, stage: string): ForeignReader {
  if (!runtime.foreign) throw mongoError('InternalError', `${stage} cannot read other collections here`);
  return runtime.foreign;
}

/** The name of a pipeline stage document's only field. */
export function stageName(stage: unknown): string | undefined {
  return isDocument(stage) ? Object.keys(stage)[0] : undefined;
}

/** True when a filter mentions `$expr` anywhere (it may then read variables, so it cannot be computed once). */
export function usesExpr(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesExpr);
  if (!isDocument(value)) return false;
  for (const key of Object.keys(value)) {
    if (key === '$expr' || key === '$where' || key === '$jsonSchema') return true;
    if (usesExpr(value[key])) return true;
  }
  return false;
}

/**
 * A sub-pipeline whose first stage is a `$match` that reads no variable: that filter can go to the engine, which
 * plans the read of the foreign collection with it (an index on its fields), and the rest runs over what it reads.
 */
export interface HoistedMatch {
  filter: Document;
  rest: readonly CompiledStage[];
}

export function hoistLeadingMatch(raw: readonly unknown[], compiled: readonly CompiledStage[]): HoistedMatch {
  const first = raw[0];
  if (compiled.length > 0 && stageName(first) === '$match' && compiled[0]!.name === '$match') {
    const filter = (first as Document).$match;
    if (isDocument(filter) && !usesExpr(filter)) return { filter, rest: compiled.slice(1) };
  }
  return { filter: {}, rest: compiled };
}

/**
 * Values at a dotted path as mongod's visitAllValuesAtPath gives them: arrays met on the way are walked element by
 * element (documents only), and an array at the end gives each of its elements.
 */
export function valuesAtPath(value: unknown, parts: readonly string[], out: unknown[] = [], i = 0): unknown[] {
  if (i === parts.length) {
    if (Array.isArray(value)) out.push(...value);
    else if (value !== undefined) out.push(value);
    return out;
  }
  if (Array.isArray(value)) {
    for (const el of value) if (isDocument(el)) valuesAtPath(el, parts, out, i);
    return out;
  }
  if (isDocument(value) && Object.prototype.hasOwnProperty.call(value, parts[i]!)) valuesAtPath(value[parts[i]!], parts, out, i + 1);
  return out;
}

/** A stream of nothing: the source of a pipeline that starts with `$documents`. */
export async function* noDocuments(): Chunks {
  // no documents
}

/** Every document of a stream, in order, failing with `tooBig` once their sizes pass `limit`. */
export async function collectWithin(chunks: Chunks, limit: number, size: (doc: Document) => number, tooBig: () => Error, control: StreamControl): Promise<Document[]> {
  const out: Document[] = [];
  let bytes = 0;
  for await (const chunk of chunks) {
    for (const doc of chunk) {
      bytes += size(doc);
      if (bytes > limit) throw tooBig();
      out.push(doc);
    }
    await control.yieldIfDue();
  }
  return out;
}
