import type { Collation, Document } from '../bson/index.js';
import { parseMergeSpec } from '../query/pipeline/merge.js';
import { parseOutSpec } from '../query/pipeline/out.js';
import type { Engine } from './engine.js';
import { mergeIntoCollection } from './merge.js';
import { replaceCollectionContents } from './out.js';
import { runAggregation, type AggregateOptions } from './read_ops.js';
import type { DocumentValidationOptions } from './validation.js';

/** True when the pipeline ends with `$out` or `$merge`, which the aggregate runs as a write. */
export function endsWithWriteStage(pipeline: Document[]): boolean {
  const last = pipeline[pipeline.length - 1];
  if (!last) return false;
  const name = Object.keys(last)[0];
  return name === '$out' || name === '$merge';
}

/**
 * An aggregate whose last stage is `$out` or `$merge`: the pipeline's output is written to the target in one write
 * transaction (the read and the writes see one snapshot, and a failure leaves the target unchanged). The aggregate
 * then returns an empty cursor.
 *
 * @throws MongoServerError from parsing the stage (see parseOutSpec, parseMergeSpec), from the pipeline, and from
 *   replaceCollectionContents or mergeIntoCollection.
 */
export async function aggregateToCollection(
  engine: Engine, db: string, coll: string | null, pipeline: Document[], collation: Collation | null,
  options: AggregateOptions & DocumentValidationOptions = {},
): Promise<void> {
  const last = pipeline[pipeline.length - 1]!;
  const body = pipeline.slice(0, -1);
  // Parsed before anything runs, so a bad spec fails without reading.
  const out = '$out' in last ? parseOutSpec(last.$out, db) : null;
  const merge = out ? null : parseMergeSpec(last.$merge, db);
  await engine.write(async (ctx) => {
    const docs = await runAggregation(ctx.writer, db, coll, body, collation, options);
    const validation = { log: engine.options.log, ...options };
    if (out) await replaceCollectionContents(ctx, out, docs, validation);
    else await mergeIntoCollection(ctx, merge!, docs, validation);
  });
}
