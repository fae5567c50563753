import type { Collation } from '../bson/index.js';
import { isDocument, type Document } from '../bson/types.js';
import { idEqualityKey, isCrudEntry, type StreamInterest } from '../oplog/interest.js';
import type { ChangeStreamSpec } from './options.js';
import { entryInScope, type StreamScope } from './scope.js';

/** What the leading $match stages pin down: every event the stream reports satisfies each constraint. */
interface Pinned {
  operationTypes?: Set<string>;
  ids?: string[];
  db?: string;
  coll?: string;
}

/** Literal values an equality condition accepts: `v`, `{$eq: v}` or `{$in: [...]}`; null when it is anything else. */
function equalityValues(condition: unknown): unknown[] | null {
  if (isDocument(condition)) {
    const keys = Object.keys(condition);
    if (keys.length === 0 || !keys.some((k) => k.startsWith('$'))) return [condition];
    if (keys.length !== 1) return null;
    if (keys[0] === '$eq') return [condition.$eq];
    if (keys[0] === '$in' && Array.isArray(condition.$in)) return condition.$in;
    return null;
  }
  // An array compares element-wise and a regex matches patterns: neither is a plain equality.
  if (Array.isArray(condition) || condition instanceof RegExp) return null;
  if (condition !== null && typeof condition === 'object' && (condition as { _bsontype?: string })._bsontype === 'BSONRegExp') return null;
  return [condition];
}

function strings(values: unknown[] | null): string[] | null {
  return values && values.every((v) => typeof v === 'string') ? (values as string[]) : null;
}

/**
 * Keys of `_id` values; null if any value has no key (or is null, which also matches a missing field), so the
 * condition is not used.
 */
function idKeys(values: unknown[] | null, collation: boolean): string[] | null {
  if (!values) return null;
  const keys: string[] = [];
  for (const v of values) {
    // Under a collation, strings compare by it ('a' may equal 'A'), which a key cannot capture.
    if (collation && typeof v === 'string') return null;
    const key = idEqualityKey(v);
    if (key === null) return null;
    keys.push(key);
  }
  return keys;
}

/** Reads the conditions of one $match (and its $and branches) that pin a field, ignoring everything else. */
function collect(match: Document, pinned: Pinned, collation: boolean): void {
  for (const [field, condition] of Object.entries(match)) {
    if (field === '$and' && Array.isArray(condition)) {
      for (const branch of condition) if (isDocument(branch)) collect(branch, pinned, collation);
      continue;
    }
    const values = equalityValues(condition);
    switch (field) {
      case 'operationType': {
        const ops = collation ? null : strings(values);
        if (ops) pinned.operationTypes = new Set(ops);
        break;
      }
      case 'documentKey._id': {
        const keys = idKeys(values, collation);
        if (keys) pinned.ids = keys;
        break;
      }
      case 'documentKey': {
        // Whole-document equality: {_id: v} alone (what every documentKey holds on an unsharded collection).
        const docs = values?.every((v) => isDocument(v) && Object.keys(v).length === 1 && '_id' in v) ? values : null;
        const keys = docs && idKeys(docs.map((d) => (d as Document)._id), collation);
        if (keys) pinned.ids = keys;
        break;
      }
      case 'ns.db': {
        const dbs = collation ? null : strings(values);
        if (dbs?.length === 1) pinned.db = dbs[0];
        break;
      }
      case 'ns.coll': {
        const colls = collation ? null : strings(values);
        if (colls?.length === 1) pinned.coll = colls[0];
        break;
      }
    }
  }
}

/**
 * The stream's interest for the hub's index: its scope, narrowed by the conditions of its leading $match stages
 * that every reported event must meet (operationType, documentKey `_id`, ns). Only CRUD entries are narrowed: DDL
 * entries may produce invalidate events, which no $match filters, so they are always offered within scope.
 */
export function streamInterest(scope: StreamScope, spec: ChangeStreamSpec, stages: readonly unknown[], collation: Collation | null): StreamInterest {
  const pinned: Pinned = {};
  for (const stage of stages) {
    if (!isDocument(stage) || Object.keys(stage).length !== 1 || !isDocument(stage.$match)) break;
    collect(stage.$match, pinned, collation !== null);
  }
  const db = scope.type === 'cluster' ? pinned.db : scope.db;
  const coll = scope.type === 'collection' ? scope.coll : db !== undefined ? pinned.coll : undefined;
  const inScopeDb = scope.type !== 'cluster' || pinned.db === undefined ? null : pinned.db;
  const ops = pinned.operationTypes;
  const expanded = spec.showExpandedEvents;
  return {
    db,
    coll,
    ids: pinned.ids,
    accepts: (entry) => {
      if (!entryInScope(scope, entry, expanded)) return false;
      if (!isCrudEntry(entry)) return true;
      if (inScopeDb !== null && entry.db !== inScopeDb) return false;
      if (scope.type !== 'collection' && pinned.coll !== undefined && entry.coll !== pinned.coll) return false;
      return ops === undefined || ops.has(entry.op);
    },
  };
}
