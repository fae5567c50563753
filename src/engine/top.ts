import type { OplogEntry } from '../oplog/entry.js';

/** The kinds of operation mongod's latency statistics keep apart (Command::ReadWriteType). */
export type LatencyKind = 'reads' | 'writes' | 'commands' | 'transactions';

export const LATENCY_KINDS: readonly LatencyKind[] = ['reads', 'writes', 'commands', 'transactions'];

/**
 * The lower bounds, in microseconds, of mongod's latency histogram buckets: powers of two up to 2^10, then two
 * buckets per power of two (2^n and 1.5 * 2^n) up to 2^20, then powers of two again up to 2^40.
 */
export const LATENCY_BUCKET_LOWER_BOUNDS: readonly number[] = (() => {
  const bounds = [0];
  for (let p = 1; p <= 10; p++) bounds.push(2 ** p);
  for (let p = 11; p <= 20; p++) bounds.push(2 ** p, 3 * 2 ** (p - 1));
  for (let p = 21; p <= 40; p++) bounds.push(2 ** p);
  return bounds;
})();

/** The bucket of a latency, as mongod's OperationLatencyHistogram picks it. */
export function latencyBucket(micros: number): number {
  if (micros < 1) return 0;
  const log2 = micros < 2 ** 31 ? 31 - Math.clz32(micros) : Math.floor(Math.log2(micros));
  if (log2 < 11) return log2;
  if (log2 < 21) return log2 + (log2 - 11) + (micros >= 3 * 2 ** (log2 - 1) ? 1 : 0);
  return Math.min(log2 + 10, LATENCY_BUCKET_LOWER_BOUNDS.length - 1);
}

/** One kind's totals: summed latency in microseconds, operations, and per-bucket counts. */
export interface LatencyTotals {
  latency: number;
  ops: number;
  buckets: number[];
}

/** At most this many namespaces are tracked: a client naming endless collections cannot grow the map forever. */
const MAX_NAMESPACES = 100_000;

/**
 * Per-collection operation latencies, as mongod's Top keeps them for `$collStats: {latencyStats}`: for each
 * namespace, the reads (find, getMore, count, distinct, aggregate), writes (insert, update, delete, findAndModify)
 * and other commands that named it, with their summed latency and a histogram. A collection's figures are dropped
 * with it (the engine hands every committed DDL entry to `noteChange`).
 */
export class Top {
  private readonly byNamespace = new Map<string, Record<LatencyKind, LatencyTotals>>();

  record(ns: string, kind: LatencyKind, micros: number): void {
    let totals = this.byNamespace.get(ns);
    if (!totals) {
      if (this.byNamespace.size >= MAX_NAMESPACES) return;
      totals = {
        reads: emptyTotals(), writes: emptyTotals(), commands: emptyTotals(), transactions: emptyTotals(),
      };
      this.byNamespace.set(ns, totals);
    }
    const t = totals[kind];
    t.latency += micros;
    t.ops++;
    t.buckets[latencyBucket(micros)]!++;
  }

  /** The namespace's totals; zeros for one no operation named. */
  latencies(ns: string): Readonly<Record<LatencyKind, LatencyTotals>> {
    return this.byNamespace.get(ns) ?? { reads: emptyTotals(), writes: emptyTotals(), commands: emptyTotals(), transactions: emptyTotals() };
  }

  /** Forgets a dropped collection's figures, and both names' of a renamed one, as mongod's Top does. */
  noteChange(entry: OplogEntry): void {
    switch (entry.op) {
      case 'drop':
        if (entry.coll !== undefined) this.byNamespace.delete(`${entry.db}.${entry.coll}`);
        return;
      case 'rename':
        if (entry.coll !== undefined) this.byNamespace.delete(`${entry.db}.${entry.coll}`);
        if (entry.to) this.byNamespace.delete(`${entry.to.db}.${entry.to.coll}`);
        return;
      case 'dropDatabase': {
        const prefix = `${entry.db}.`;
        for (const ns of this.byNamespace.keys()) if (ns.startsWith(prefix)) this.byNamespace.delete(ns);
        return;
      }
      default:
    }
  }
}

function emptyTotals(): LatencyTotals {
  return { latency: 0, ops: 0, buckets: new Array<number>(LATENCY_BUCKET_LOWER_BOUNDS.length).fill(0) };
}
