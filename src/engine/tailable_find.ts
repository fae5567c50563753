import type { Collation } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import { documentToString } from '../bson/index.js';
import { mongoError } from '../errors/index.js';
import { compileProjection } from '../query/projection/index.js';
import { CappedTail } from './capped_tail.js';
import { getCollectionInfo, isView } from './catalog.js';
import type { Engine } from './engine.js';
import { compileCommandFilter } from './expr_filter.js';
import type { LetVariables } from './let_variables.js';
import { isCapped } from './natural_source.js';
import { isOplogNamespace, OplogTail, oplogStartAfter } from './oplog_rs.js';
import { TailableCursor, type TailSource } from './tailable_cursor.js';

export interface TailableFindOptions {
  filter: Document;
  projection?: Document;
  skip?: number;
  limit?: number;
  collation?: Collation | null;
  variables?: LetVariables;
  awaitData: boolean;
  lsid?: Document;
}

/** mongod's rendering of the query in a planning error: the namespace, the filter's tree, the sort and projection. */
function describeQuery(ns: string, o: TailableFindOptions): string {
  const tree = Object.keys(o.filter).length === 0 ? '$and' : documentToString(o.filter);
  return `ns=${ns}Tree: ${tree}\nSort: {}\nProj: ${o.projection ? documentToString(o.projection) : '{}'}\n`;
}

/**
 * The cursor of a find with `tailable` on `db.coll`: over a capped collection in insertion order, or over
 * `local.oplog.rs` (from the time its filter's `ts` bound gives, as mongod seeks). Null when the collection does not
 * exist (the find then answers an empty, closed cursor).
 *
 * @throws BadValue (2) for a collection that is not capped; InvalidPipelineOperator (168) for a view, whose find is
 *   an aggregation, which has no tailable cursors.
 */
export async function openTailableCursor(engine: Engine, db: string, coll: string, o: TailableFindOptions): Promise<TailableCursor | null> {
  const ns = `${db}.${coll}`;
  const collation = o.collation ?? null;
  const filter = compileCommandFilter(o.filter, collation, o.variables);
  const projection = o.projection && Object.keys(o.projection).length > 0 ? compileProjection(o.projection, { filter: o.filter, collation }) : null;
  let source: TailSource;
  if (isOplogNamespace(db, coll)) {
    source = new OplogTail(engine, oplogStartAfter(o.filter));
  } else {
    const info = await engine.read((reader) => getCollectionInfo(reader, db, coll));
    if (!info) return null;
    if (isView(info)) throw mongoError('InvalidPipelineOperator', 'Tailable cursors are not supported in aggregation.');
    if (!isCapped(info)) throw mongoError('BadValue', `error processing query: ${describeQuery(ns, o)} tailable cursor requested on non capped collection`);
    source = new CappedTail(engine, info);
  }
  return new TailableCursor(engine, ns, source, {
    awaitData: o.awaitData,
    matches: (doc) => filter.matches(doc),
    ...(projection ? { project: (doc: Document) => projection.apply(doc) } : {}),
    ...(o.skip !== undefined ? { skip: o.skip } : {}),
    ...(o.limit !== undefined ? { limit: o.limit } : {}),
    ...(o.lsid ? { lsid: o.lsid } : {}),
  });
}
