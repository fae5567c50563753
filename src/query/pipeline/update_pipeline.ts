import type { Document } from '../../bson/index.js';
import { compileDocumentPipeline, type DocumentPipeline } from './compile.js';

/** The stages an update pipeline may use (https://www.mongodb.com/docs/manual/tutorial/update-documents-with-aggregation-pipeline/). */
const UPDATE_STAGES: ReadonlySet<string> = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

const cache = new WeakMap<readonly Document[], { vars: Document | undefined; run: DocumentPipeline }>();

/**
 * Runs a pipeline-style update on one document and returns the transformed document (the caller restores `_id`
 * and checks immutable fields). `vars` are the update's `let` variables; `$$NOW` and `$$CLUSTER_TIME` may be
 * supplied there too.
 *
 * @throws MongoServerError InvalidOptions (72) "$group is not allowed to be used within an update" for any other
 *   known stage; 40324 for an unknown one; 40323 for a stage with more than one field; the stages' own errors
 *   (e.g. 40228 when $replaceRoot's newRoot is not a document).
 */
export function applyUpdatePipeline(stages: Document[], doc: Document, vars?: Document): Document {
  let entry = cache.get(stages);
  if (!entry || entry.vars !== vars) {
    const run = compileDocumentPipeline(stages, {
      allowedStages: UPDATE_STAGES,
      disallowedCode: 72,
      disallowedMessage: '{stage} is not allowed to be used within an update',
      ...(vars ? { variables: vars } : {}),
    });
    entry = { vars, run };
    cache.set(stages, entry);
  }
  // Every update stage maps one document to exactly one document.
  return entry.run(doc)[0]!;
}
