import type { Collation, Document } from '../bson/index.js';
import type { Chunks, ForeignNamespace, ForeignReader, StreamControl } from '../query/pipeline/index.js';
import type { ReadFn } from './document_source.js';
import { compileCommandFilter } from './expr_filter.js';
import { plannedRead, type PlannedReadOptions } from './plan_executor.js';

/** What a foreign reader needs besides the storage read it goes through. */
export interface ForeignReaderOptions extends Pick<PlannedReadOptions, 'stats' | 'metrics' | 'collectionInfo'> {
  /** Reads `local.oplog.rs` (a `$lookup` may name it with `{db, coll}`); absent, it reads as empty. */
  oplog?: (filter: Document, control: StreamControl) => Chunks;
}

async function* filteredChunks(read: ReadFn, db: string, coll: string, filter: Document, collation: Collation | null, control: StreamControl, options: PlannedReadOptions): Chunks {
  const planned = await plannedRead(read, db, coll, { filter, collation }, control, options);
  if (!planned.info) return;
  const match = compileCommandFilter(filter, collation);
  for await (const chunk of planned.chunks) {
    const kept = match.isEmpty ? chunk : chunk.filter((doc) => match.matches(doc));
    if (kept.length > 0) yield kept;
  }
}

/**
 * The reader the joining stages ($lookup, $unionWith, $graphLookup) of an aggregate on `db` use: every read goes
 * through `read` (the aggregate's own: `engine.read` between chunks, a transaction's snapshot, or the write
 * transaction of an aggregate ending in `$out`/`$merge`) and through the planner, as a find with that filter would,
 * under the aggregate's collation. A view's pipeline runs with this same reader, so a view may join too.
 */
export function foreignReader(read: ReadFn, db: string, collation: Collation | null, options: ForeignReaderOptions = {}): ForeignReader {
  const { oplog, ...planOptions } = options;
  const reader: ForeignReader = {
    find(ns: ForeignNamespace, filter: Document, control: StreamControl): Chunks {
      const targetDb = ns.db ?? db;
      if (oplog && targetDb === 'local' && ns.coll === 'oplog.rs') return oplog(filter, control);
      return filteredChunks(read, targetDb, ns.coll, filter, collation, control, { ...planOptions, foreign: reader });
    },
  };
  return reader;
}
