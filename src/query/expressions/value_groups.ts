import { bsonTypeOf, isDocument, toNumber, valuesEqual, type Collation } from '../../bson/index.js';
import { formatValue } from './values.js';

/**
 * Groups values by MongoDB equality (1, 1.0 and NumberLong(1) are one group; so are strings equal under the
 * collation). A coarse string key buckets candidates in O(1) and guarantees equal values share a bucket; inside
 * a bucket the values are compared exactly with valuesEqual.
 */
export class ValueGroups<T> {
  private readonly buckets = new Map<string, { key: unknown; state: T }[]>();
  private readonly order: { key: unknown; state: T }[] = [];

  constructor(private readonly collation: Collation | null) {}

  /** The state for `key`, created with `make` the first time an equal key is seen. */
  get(key: unknown, make: () => T): T {
    const coarse = coarseKey(key, this.collation);
    let bucket = this.buckets.get(coarse);
    if (!bucket) {
      bucket = [];
      this.buckets.set(coarse, bucket);
    }
    for (const entry of bucket) if (valuesEqual(entry.key, key, this.collation)) return entry.state;
    const entry = { key, state: make() };
    bucket.push(entry);
    this.order.push(entry);
    return entry.state;
  }

  /** Every group in first-seen order. */
  entries(): { key: unknown; state: T }[] {
    return this.order;
  }
}

function coarseKey(v: unknown, collation: Collation | null): string {
  if (v === undefined || v === null) return 'n';
  const t = bsonTypeOf(v);
  switch (t) {
    case 'int':
    case 'long':
    case 'double':
    case 'decimal': {
      const n = toNumber(v);
      return Number.isNaN(n) ? 'N:nan' : `N:${n === 0 ? 0 : n}`;
    }
    case 'string':
    case 'symbol':
      // Under a collation, equal strings can differ in any character: one bucket, exact comparison inside.
      return collation ? 'S' : `S:${typeof v === 'string' ? v : formatValue(v)}`;
    case 'date':
      return `D:${(v as Date).getTime()}`;
    case 'bool':
      return `B:${String(v)}`;
    case 'array':
      return `A[${(v as unknown[]).map((el) => coarseKey(el, collation)).join(',')}]`;
    case 'object': {
      if (!isDocument(v)) return 'O';
      return `{${Object.keys(v).map((k) => `${JSON.stringify(k)}:${coarseKey(v[k], collation)}`).join(',')}}`;
    }
    default:
      return `${t}:${formatValue(v)}`;
  }
}
