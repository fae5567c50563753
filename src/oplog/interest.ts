import type { ObjectId } from '../bson/index.js';
import { bsonTypeOf, toBigInt, toNumber } from '../bson/types.js';
import type { OplogEntry } from './entry.js';

/**
 * What a waiting change stream can possibly report, as the hub indexes it: a namespace and, when the stream's
 * leading $match pins them, the documentKey `_id` values. The index only narrows which streams are offered an
 * entry; `accepts` then decides exactly. Both must err on the side of offering: a stream never offered an entry
 * it would have reported would lose that event.
 */
export interface StreamInterest {
  /** CRUD entries of other databases cannot concern the stream (absent: any database). */
  db?: string;
  /** CRUD entries of other collections of `db` cannot concern the stream (absent: any collection). */
  coll?: string;
  /** CRUD entries whose documentKey `_id` has another key (see `idEqualityKey`) cannot concern the stream. */
  ids?: readonly string[];
  /** The full test on an offered entry; false only when no event of this entry can reach the stream. */
  accepts(entry: OplogEntry): boolean;
}

const CRUD_OPS: ReadonlySet<string> = new Set(['insert', 'update', 'replace', 'delete']);

/** True for entries that produce exactly one event, about one document, in their own namespace. */
export function isCrudEntry(entry: OplogEntry): boolean {
  return CRUD_OPS.has(entry.op) && entry.documentKey !== undefined && entry.coll !== undefined;
}

/**
 * A string equal for two `_id` values exactly when MongoDB's equality (without collation) holds between them, or
 * null for types this index does not key (decimals, documents, dates...). Numbers of every type share one key
 * space, as 1, 1.0 and NumberLong(1) are equal.
 */
export function idEqualityKey(value: unknown): string | null {
  switch (bsonTypeOf(value)) {
    case 'string':
      return `s${value as string}`;
    case 'objectId':
      return `o${(value as ObjectId).toHexString()}`;
    case 'int':
    case 'long':
    case 'double': {
      const n = toNumber(value);
      if (Number.isNaN(n)) return 'nNaN';
      const whole = toBigInt(value);
      // Longs beyond 2^53 keep their exact digits; a double that is integral matches the Long of the same value.
      if (whole !== null) return `n${whole.toString()}`;
      return `n${String(n)}`;
    }
    default:
      return null;
  }
}

/** The index's decision for one entry, for streams that read entries themselves (catch-up) instead of parking. */
export function interestedIn(interest: StreamInterest, entry: OplogEntry): boolean {
  if (isCrudEntry(entry)) {
    if (interest.db !== undefined && (entry.db !== interest.db || (interest.coll !== undefined && entry.coll !== interest.coll))) return false;
    if (interest.ids) {
      const key = idEqualityKey(entry.documentKey!._id);
      if (key !== null && !interest.ids.includes(key)) return false;
    }
  }
  return interest.accepts(entry);
}
