import { compareValues, isDocument, isNumeric, setField, toNumber, valueToString, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { typeName, type Accumulator, type Evaluator } from '../expressions/index.js';
import { isIntegral32 } from '../expressions/values.js';
import { granularityRounder, type GranularityRounder } from './granularity.js';
import { parseGroupSpec } from './group.js';
import { scopeFor } from './scope.js';
import { sortedChunks, type Chunks, type StreamControl } from './stream.js';
import type { SortKeys } from '../sort.js';
import type { Runtime, StageContext, StageParser } from './types.js';

/**
 * $bucketAuto (https://www.mongodb.com/docs/manual/reference/operator/aggregation/bucketAuto/): the input sorted by
 * its `groupBy` value is cut into `buckets` runs of about the same number of documents, as mongod cuts it: each
 * bucket takes round(n / buckets) documents (at least one; the last takes the rest), then every following document
 * with the same value (or, with a granularity, below the rounded-up boundary). A bucket's `max` is the next
 * bucket's `min` (the last bucket's max is its largest value), and with a granularity both are series values.
 * Accumulators that depend on order ($first, $last, $push, $mergeObjects) see a bucket's documents in input order,
 * as mongod 8.0 feeds them; the others see them in `groupBy` order.
 */

type Field = ReturnType<typeof parseGroupSpec>['fields'][number];

interface Spec {
  readonly groupBy: Evaluator;
  readonly buckets: number;
  readonly fields: readonly Field[];
  readonly rounder: GranularityRounder | null;
}

/** One input document with its key and input position, as the sort holds (and may spill) it. */
interface Entry extends Document {
  k: unknown;
  p: number;
  d: Document;
}

const POSITIONAL = new Set(['$first', '$last', '$push', '$mergeObjects']);

function parseGroupBy(value: unknown, ctx: StageContext): Evaluator {
  const isExpression = isDocument(value)
    ? (Object.keys(value)[0] ?? '').startsWith('$')
    : typeof value === 'string' && value.length > 1 && value.startsWith('$');
  if (!isExpression) {
    throw new MongoServerError(40239, `The $bucketAuto 'groupBy' field must be defined as a $-prefixed path or an expression object, but found: ${valueToString(value)}`);
  }
  return ctx.expressions.parse(value);
}

function parseBuckets(value: unknown): number {
  if (!isNumeric(value)) {
    throw new MongoServerError(40241, `The $bucketAuto 'buckets' field must be a numeric value, but found type: ${typeName(value)}`);
  }
  if (!isIntegral32(value)) {
    throw new MongoServerError(40242, `The $bucketAuto 'buckets' field must be representable as a 32-bit integer, but found ${String(toNumber(value))}`);
  }
  return toNumber(value);
}

function parseSpec(spec: unknown, ctx: StageContext): Spec {
  if (!isDocument(spec)) throw new MongoServerError(40240, `The argument to $bucketAuto must be an object, but found type: ${typeName(spec)}`);
  let groupBy: Evaluator | undefined;
  let buckets: number | undefined;
  let output: Document | undefined;
  let rounder: GranularityRounder | null = null;
  for (const key of Object.keys(spec)) {
    const value = spec[key];
    if (key === 'groupBy') groupBy = parseGroupBy(value, ctx);
    else if (key === 'buckets') buckets = parseBuckets(value);
    else if (key === 'output') {
      if (!isDocument(value)) throw new MongoServerError(40244, `The $bucketAuto 'output' field must be an object, but found type: ${typeName(value)}`);
      if (Object.prototype.hasOwnProperty.call(value, '_id')) throw new MongoServerError(15948, "a group's _id may only be specified once");
      output = value;
    } else if (key === 'granularity') {
      if (typeof value !== 'string') throw new MongoServerError(40261, `The $bucketAuto 'granularity' field must be a string, but found type: ${typeName(value)}`);
      rounder = granularityRounder(value);
    } else {
      throw new MongoServerError(40245, `Unrecognized option to $bucketAuto: ${key}`);
    }
  }
  if (!groupBy || buckets === undefined) throw new MongoServerError(40246, "$bucketAuto requires 'groupBy' and 'buckets' to be specified");
  if (buckets <= 0) throw new MongoServerError(40243, `The $bucketAuto 'buckets' field must be greater than 0, but found: ${buckets}`);
  const fields = output && Object.keys(output).length > 0
    ? parseGroupSpec({ _id: null, ...output }, ctx).fields
    : parseGroupSpec({ _id: null, count: { $sum: 1 } }, ctx).fields;
  return { groupBy, buckets, fields, rounder };
}

/** A document's bucket key: missing is null, as in $group; with a granularity only non-negative numbers. */
function keyOf(spec: Spec, doc: Document, runtime: Runtime): unknown {
  const key = spec.groupBy(scopeFor(doc, runtime));
  if (spec.rounder) {
    if (!isNumeric(key)) {
      throw new MongoServerError(40258, `$bucketAuto can specify a 'granularity' with numeric boundaries only, but found a value with type: ${typeName(key)}`);
    }
    const n = toNumber(key);
    if (Number.isNaN(n)) throw new MongoServerError(40259, "$bucketAuto can specify a 'granularity' with numeric boundaries only, but found a NaN");
    if (n < 0) throw new MongoServerError(40260, "$bucketAuto can specify a 'granularity' with non-negative numbers only, but found a negative number");
  }
  return key === undefined ? null : key;
}

interface Bucket {
  min: unknown;
  max: unknown;
  count: number;
  /** One accumulator per output field; an order-sensitive one is fed at the end, from `positional`. */
  readonly accumulators: Accumulator[];
  /** For each order-sensitive field, its values with their input positions (null for the other fields). */
  readonly positional: ({ p: number; v: unknown }[] | null)[];
  /** Set once the bucket has its round(n / buckets) documents: from then on it only takes equal (or, with a
   *  granularity, rounded-below) values; `boundary` is its max rounded up at that moment. */
  absorbing: boolean;
  boundary?: unknown;
}

/**
 * Cuts entries, pushed in `groupBy` order, into buckets as mongod does, handing back each bucket's output document
 * once the entry after it shows where it ends.
 */
class BucketCutter {
  private current: Bucket | null = null;
  private bucketCount = 0;
  private previousMax: { value: unknown } | null = null;
  private readonly approx: number;

  constructor(private readonly spec: Spec, total: number, private readonly runtime: Runtime, private readonly ctx: StageContext) {
    this.approx = Math.max(1, Math.round(total / spec.buckets));
  }

  push(entry: Entry): Document[] {
    const bucket = this.current;
    if (!bucket) {
      this.open(entry);
      return [];
    }
    if (!bucket.absorbing) {
      this.add(bucket, entry);
      this.checkFull(bucket);
      return [];
    }
    if (this.absorbs(bucket, entry)) {
      this.add(bucket, entry);
      return [];
    }
    const done = this.close(bucket, entry);
    this.open(entry);
    return [done];
  }

  finish(): Document[] {
    const bucket = this.current;
    if (!bucket) return [];
    this.current = null;
    return [this.close(bucket, null)];
  }

  private open(entry: Entry): void {
    this.bucketCount++;
    const rounder = this.spec.rounder;
    const fields = this.spec.fields;
    const bucket: Bucket = {
      min: entry.k,
      max: entry.k,
      count: 0,
      accumulators: fields.map((f) => f.factory(this.ctx.collation)),
      positional: fields.map((f) => (POSITIONAL.has(f.op) ? [] : null)),
      absorbing: false,
    };
    this.accumulate(bucket, entry);
    if (rounder) bucket.min = this.previousMax ? this.previousMax.value : rounder.roundDown(entry.k);
    this.current = bucket;
    this.checkFull(bucket);
  }

  private add(bucket: Bucket, entry: Entry): void {
    this.accumulate(bucket, entry);
    bucket.max = entry.k;
  }

  /** The last bucket takes everything that is left; the others stop taking any value once full. */
  private checkFull(bucket: Bucket): void {
    if (this.bucketCount === this.spec.buckets || bucket.count < this.approx) return;
    bucket.absorbing = true;
    if (this.spec.rounder) bucket.boundary = this.spec.rounder.roundUp(bucket.max);
  }

  private accumulate(bucket: Bucket, entry: Entry): void {
    bucket.count++;
    const scope = scopeFor(entry.d, this.runtime);
    this.spec.fields.forEach((field, i) => {
      const v = field.ev(scope);
      const positional = bucket.positional[i];
      if (positional) positional.push({ p: entry.p, v });
      else bucket.accumulators[i]!.add(v);
    });
  }

  private absorbs(bucket: Bucket, entry: Entry): boolean {
    const collation = this.ctx.collation;
    if (compareValues(bucket.max, entry.k, collation) === 0) return true;
    return this.spec.rounder !== null && compareValues(bucket.boundary, entry.k, collation) > 0;
  }

  private close(bucket: Bucket, next: Entry | null): Document {
    const rounder = this.spec.rounder;
    if (rounder) {
      const boundary = bucket.absorbing ? bucket.boundary : rounder.roundUp(bucket.max);
      // A bucket ending at zero takes the next bucket's rounded-down min as its max, so that max stays exclusive.
      bucket.max = toNumber(boundary) === 0 && next ? rounder.roundDown(next.k) : boundary;
    } else if (next) {
      bucket.max = next.k;
    }
    this.previousMax = { value: bucket.max };
    this.current = null;
    return bucketDocument(this.spec, bucket);
  }
}

function bucketDocument(spec: Spec, bucket: Bucket): Document {
  const out: Document = { _id: { min: bucket.min, max: bucket.max } };
  spec.fields.forEach((field, i) => {
    const acc = bucket.accumulators[i]!;
    const positional = bucket.positional[i];
    if (positional) for (const { v } of positional.sort((a, b) => a.p - b.p)) acc.add(v);
    const value = acc.result();
    setField(out, field.name, value === undefined ? null : value);
  });
  return out;
}

const byKey = (ctx: StageContext): SortKeys => ({
  keysOf: (doc) => [(doc as Entry).k],
  compareKeys: (a, b) => compareValues(a[0], b[0], ctx.collation),
});

async function* bucketAutoChunks(spec: Spec, input: Chunks, runtime: Runtime, ctx: StageContext, control: StreamControl): Chunks {
  let total = 0;
  async function* keyed(): Chunks {
    for await (const chunk of input) {
      yield chunk.map((d): Entry => ({ k: keyOf(spec, d, runtime), p: total++, d }));
    }
  }
  let cutter: BucketCutter | null = null;
  // The sort reads its whole input before its first chunk comes out, so `total` is final by then.
  for await (const chunk of sortedChunks(keyed(), byKey(ctx), control)) {
    cutter ??= new BucketCutter(spec, total, runtime, ctx);
    const out: Document[] = [];
    for (const entry of chunk) out.push(...cutter.push(entry as Entry));
    if (out.length > 0) yield out;
    await control.yieldIfDue();
  }
  const last = cutter?.finish() ?? [];
  if (last.length > 0) yield last;
}

function runBucketAuto(spec: Spec, docs: Document[], runtime: Runtime, ctx: StageContext): Document[] {
  const entries = docs.map((d, p): Entry => ({ k: keyOf(spec, d, runtime), p, d }));
  const keys = byKey(ctx);
  entries.sort((a, b) => keys.compareKeys([a.k], [b.k]));
  const cutter = new BucketCutter(spec, entries.length, runtime, ctx);
  const out: Document[] = [];
  for (const entry of entries) out.push(...cutter.push(entry));
  out.push(...cutter.finish());
  return out;
}

export const parseBucketAuto: StageParser = (spec, ctx) => {
  const parsed = parseSpec(spec, ctx);
  return {
    kind: 'batch',
    name: '$bucketAuto',
    run: (docs, runtime) => runBucketAuto(parsed, docs, runtime, ctx),
    stream: (input, runtime, control) => bucketAutoChunks(parsed, input, runtime, ctx, control),
  };
};
