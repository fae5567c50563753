import { elementToString, isDocument, type Collation, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import {
  accumulatorNTooLarge, approximateSize, internalQueryTopNAccumulatorBytes, nAccumulatorParsers, percentileAccumulatorParsers, javascriptAccumulatorParsers,
  sortedWindow, upperBound, validateN, type Accumulator, type Evaluator, type InitializedAccumulator, type InitializedAccumulatorParser,
  type RemovableAccumulator,
} from '../expressions/index.js';
import { compileSortKeys } from '../sort.js';

/**
 * $top, $bottom, $topN and $bottomN (https://www.mongodb.com/docs/manual/reference/operator/aggregation/topN/):
 * the `output` of the first (last) n documents in `sortBy` order. The sort key of each document is built as
 * mongod's sort keys are (a missing field sorts as null, so the two tie; an array field sorts by its smallest
 * element ascending and its largest descending); ties keep the document seen first.
 */

const ONE: Evaluator = () => 1;

interface Entry {
  readonly key: unknown[];
  readonly out: unknown;
  readonly size: number;
}

function parseTopBottom(op: string, single: boolean, top: boolean): InitializedAccumulatorParser {
  return (arg, ctx): InitializedAccumulator => {
    if (!isDocument(arg)) throw new MongoServerError(5788001, `specification must be an object; found ${elementToString(op, arg)}`);
    let n: Evaluator | undefined;
    let output: unknown;
    let hasOutput = false;
    let sortBy: Document | undefined;
    for (const key of Object.keys(arg)) {
      if (!single && key === 'n') {
        n = ctx.parse(arg[key]);
      } else if (key === 'output') {
        output = arg[key];
        hasOutput = true;
      } else if (key === 'sortBy') {
        if (!isDocument(arg[key])) throw new MongoServerError(10065, 'invalid parameter: expected an object (sortBy)');
        sortBy = arg[key] as Document;
      } else {
        throw new MongoServerError(5788002, `Unknown argument to ${op} '${key}'`);
      }
    }
    if (single) n = ONE;
    if (!n) throw new MongoServerError(5788003, "Missing value for 'n'");
    if (!hasOutput) throw new MongoServerError(5788004, "Missing value for 'output'");
    if (!sortBy) throw new MongoServerError(5788005, "Missing value for 'sortBy'");
    compileSortKeys(sortBy, ctx.collation); // mongod's SortPattern errors, at parse time.
    // The sort fields are read into their own object, as mongod projects them beside `output`, and sorted by
    // the same directions under new names.
    const internal: Document = {};
    const fields: Evaluator[] = [];
    for (const [name, direction] of Object.entries(sortBy)) {
      if (isDocument(direction)) continue; // $meta: a key every document ties on in eddydb.
      internal[`sortFields${fields.length}`] = direction;
      fields.push(ctx.parse(`$${name}`));
    }
    const out = ctx.parse(output);
    const input: Evaluator = (scope) => {
      const doc: Document = { output: out(scope) };
      fields.forEach((f, i) => {
        const v = f(scope);
        if (v !== undefined) doc[`sortFields${i}`] = v;
      });
      return doc;
    };
    const make = (collation: Collation | null, initValue: unknown): Accumulator =>
      topBottom(op, single, top, validateN(initValue), compileSortKeys(internal, collation));
    const makeRemovable = (collation: Collation | null, initValue: unknown): RemovableAccumulator =>
      removableTopBottom(single, top, validateN(initValue), compileSortKeys(internal, collation));
    return { op, init: n, input, make, makeRemovable };
  };
}

function topBottom(op: string, single: boolean, top: boolean, n: number, sortKeys: ReturnType<typeof compileSortKeys>): Accumulator {
  const entries: Entry[] = [];
  const cmp = (a: Entry, b: Entry): number => sortKeys.compareKeys(a.key, b.key);
  let bytes = 0;
  return {
    add(v) {
      const doc = v as Document;
      const out = doc.output === undefined ? null : doc.output;
      const key = sortKeys.keysOf(doc);
      const entry: Entry = { key, out, size: approximateSize(key) + approximateSize(out) };
      if (entries.length === n) {
        // Ties keep the entry seen first: $top drops its last entry only for a smaller key, $bottom its first only
        // for a larger one.
        if (top ? cmp(entries[n - 1]!, entry) <= 0 : cmp(entry, entries[0]!) <= 0) return;
        bytes -= (top ? entries.pop()! : entries.shift()!).size;
      }
      entries.splice(upperBound(entries, entry, cmp), 0, entry);
      bytes += entry.size;
      if (bytes >= internalQueryTopNAccumulatorBytes) throw accumulatorNTooLarge(op, internalQueryTopNAccumulatorBytes);
    },
    result() {
      const outs = entries.map((e) => e.out);
      if (!single) return outs;
      return outs.length === 0 ? null : outs[0];
    },
  };
}

/** Over a sliding window: every entry of the window in sort order; the first (last) n of them. */
function removableTopBottom(single: boolean, top: boolean, n: number, sortKeys: ReturnType<typeof compileSortKeys>): RemovableAccumulator {
  const entry = (v: unknown): Entry => {
    const doc = v as Document;
    return { key: sortKeys.keysOf(doc), out: doc.output === undefined ? null : doc.output, size: 0 };
  };
  const window = sortedWindow<Entry>((a, b) => sortKeys.compareKeys(a.key, b.key), (sorted) => {
    const outs = (top ? sorted.slice(0, n) : sorted.slice(Math.max(0, sorted.length - n))).map((e) => e.out);
    if (!single) return outs;
    return outs.length === 0 ? null : outs[0];
  });
  return {
    add: (v) => window.insert(entry(v)),
    remove: (v) => window.delete(entry(v)),
    result: window.result,
  };
}

/**
 * Every accumulator whose argument is more than its input, by name: $group, $bucket, $bucketAuto and
 * $setWindowFields look them up here.
 */
export const initializedAccumulatorParsers: Readonly<Record<string, InitializedAccumulatorParser>> = {
  ...nAccumulatorParsers,
  ...percentileAccumulatorParsers,
  ...javascriptAccumulatorParsers,
  $bottom: parseTopBottom('$bottom', true, false),
  $bottomN: parseTopBottom('$bottomN', false, false),
  $top: parseTopBottom('$top', true, true),
  $topN: parseTopBottom('$topN', false, true),
};

export function isInitializedAccumulator(op: string): boolean {
  return Object.prototype.hasOwnProperty.call(initializedAccumulatorParsers, op);
}
