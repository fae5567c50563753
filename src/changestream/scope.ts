import type { OplogEntry } from '../oplog/entry.js';
import { isInternalDatabase, isSystemCollection } from '../engine/namespace.js';

/** What a stream watches: one collection, one database, or the whole deployment. */
export type StreamScope =
  | { type: 'collection'; db: string; coll: string }
  | { type: 'database'; db: string }
  | { type: 'cluster' };

/** Events that only `showExpandedEvents` streams see. */
const EXPANDED_ONLY = new Set(['create', 'createIndexes', 'dropIndexes', 'modify']);

function inScope(scope: StreamScope, db: string, coll: string | undefined): boolean {
  switch (scope.type) {
    case 'collection':
      return db === scope.db && coll === scope.coll;
    case 'database':
      return db === scope.db && (coll === undefined || !isSystemCollection(coll));
    case 'cluster':
      return !isInternalDatabase(db) && (coll === undefined || !isSystemCollection(coll));
  }
}

/** True when the stream reports this entry (a rename counts for both its source and its target namespace). */
export function entryInScope(scope: StreamScope, entry: OplogEntry, showExpandedEvents: boolean): boolean {
  if (EXPANDED_ONLY.has(entry.op) && !showExpandedEvents) return false;
  if (entry.op === 'dropDatabase') return scope.type !== 'collection' && inScope(scope, entry.db, undefined);
  if (inScope(scope, entry.db, entry.coll)) return true;
  return entry.op === 'rename' && entry.to !== undefined && inScope(scope, entry.to.db, entry.to.coll);
}

/** True when this entry ends the stream: drop/rename for a collection stream, dropDatabase for a database one. */
export function entryInvalidates(scope: StreamScope, entry: OplogEntry): boolean {
  if (scope.type === 'collection') return entry.op === 'drop' || entry.op === 'rename';
  if (scope.type === 'database') return entry.op === 'dropDatabase';
  return false;
}

/** The cursor namespace MongoDB reports for a stream's aggregate. */
export function scopeNamespace(scope: StreamScope): string {
  switch (scope.type) {
    case 'collection':
      return `${scope.db}.${scope.coll}`;
    case 'database':
      return `${scope.db}.$cmd.aggregate`;
    case 'cluster':
      return 'admin.$cmd.aggregate';
  }
}
