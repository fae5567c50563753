import { addNumbers, bsonTypeOf, compareValues, isDocument, isNumeric, subtractNumbers, toNumber, type Document } from '../../bson/index.js';
import { MongoServerError, mongoError, missingFieldError, unknownFieldError, wrongTypeError } from '../../errors/index.js';
import { typeName, ValueGroups, validateFieldPath, type Evaluator } from '../expressions/index.js';
import { isIntegral64 } from '../expressions/values.js';
import { compileSortKeys, sortByKeys } from '../sort.js';
import { getNested, setNested } from './paths.js';
import { scopeFor } from './scope.js';
import { CHUNK_DOCS, sortedChunks, type Chunks } from './stream.js';
import type { Runtime, StageContext, StageParser } from './types.js';

/**
 * $densify (https://www.mongodb.com/docs/manual/reference/operator/aggregation/densify/): mongod sorts the input by
 * the partition fields (except with `bounds: 'full'`) and the densified field, then walks it once, remembering per
 * partition the last value on the step that it has seen or generated, and generates a document (the partition's
 * fields and the value) for every step missing before each document. At the end, `full` fills every partition up
 * to the largest value of all (inclusive), explicit bounds fill every partition up to the upper bound (exclusive),
 * and `partition` bounds add nothing. Documents whose field is null or missing pass through untouched. This file
 * follows mongod 8.0's rules, so the same input densifies to the same documents; partitions are finished in the
 * order they were first seen, where mongod's order is that of a hash table.
 */

const UNITS = ['millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'] as const;
type TimeUnit = (typeof UNITS)[number];

/** mongod's internalQueryMaxAllowedDensifyDocs. */
const MAX_GENERATED_DOCS = 500_000;

type Bounds = { kind: 'full' } | { kind: 'partition' } | { kind: 'range'; lower: unknown; upper: unknown };

interface Range {
  readonly step: unknown;
  readonly unit: TimeUnit | null;
  readonly bounds: Bounds;
}

interface Spec {
  readonly field: string[];
  readonly partitionByFields: string[];
  readonly range: Range;
}

const NUMERIC_TYPES = ['long', 'int', 'decimal', 'double'];

function parseUnit(value: string): TimeUnit {
  if (!(UNITS as readonly string[]).includes(value)) throw mongoError('FailedToParse', `unknown time unit value: ${value}`);
  return value as TimeUnit;
}

function parseBounds(value: unknown, step: unknown, unit: TimeUnit | null): Bounds {
  if (typeof value === 'string') {
    if (value === 'full' || value === 'partition') return { kind: value };
    throw new MongoServerError(5946802, "Bounds string must either be 'full' or 'partition'");
  }
  if (!Array.isArray(value)) {
    throw new MongoServerError(5733404, "The bounds in a range statement must be the string 'full', 'partition', or an ascending array of two numbers or two dates");
  }
  if (value.length !== 2) throw new MongoServerError(5733403, 'A bounding array in a range statement must have exactly two elements');
  const [lower, upper] = value as [unknown, unknown];
  if (compareValues(lower, upper) > 0) {
    throw new MongoServerError(5733402, 'A bounding array must be an ascending array of either two dates or two numbers');
  }
  if (isNumeric(lower)) {
    if (unit) throw new MongoServerError(5733409, 'Numeric bounds may not have unit parameter');
    if (!isNumeric(upper)) throw new MongoServerError(5733406, 'A bounding array must contain either both dates or both numeric types');
    if (bsonTypeOf(lower) !== bsonTypeOf(upper) || bsonTypeOf(lower) !== bsonTypeOf(step)) {
      throw new MongoServerError(5876900, 'Upper bound, lower bound, and step must all have the same type');
    }
    return { kind: 'range', lower, upper };
  }
  if (lower instanceof Date) {
    if (!(upper instanceof Date)) throw new MongoServerError(5733405, 'A bounding array must contain either both dates or both numeric types');
    if (!unit) throw new MongoServerError(5733410, 'A bounding array of dates must specify a unit');
    return { kind: 'range', lower, upper };
  }
  throw new MongoServerError(5946800, 'Explicit bounds must be numeric or dates');
}

/** The RangeSpec struct ('$densify.range'), then mongod's checks of the range statement. */
function parseRange(value: unknown): Range {
  const path = '$densify.range';
  if (!isDocument(value)) throw wrongTypeError(path, bsonTypeOf(value), 'object');
  let step: unknown;
  let unit: string | undefined;
  let bounds: unknown;
  for (const key of Object.keys(value)) {
    const v = value[key];
    // IDL reads a null as an absent field.
    if (v === null && (key === 'step' || key === 'unit')) continue;
    if (key === 'step') {
      if (!isNumeric(v)) throw wrongTypeError(`${path}.step`, bsonTypeOf(v), NUMERIC_TYPES);
      step = v;
    } else if (key === 'unit') {
      if (typeof v !== 'string') throw wrongTypeError(`${path}.unit`, bsonTypeOf(v), 'string');
      unit = v;
    } else if (key === 'bounds') {
      bounds = v;
    } else {
      throw unknownFieldError(`${path}.${key}`);
    }
  }
  if (step === undefined) throw missingFieldError(`${path}.step`);
  if (bounds === undefined) throw missingFieldError(`${path}.bounds`);
  if (!(compareValues(step, 0) > 0)) {
    throw new MongoServerError(5733401, 'The step parameter in a range statement must be a strictly positive numeric value');
  }
  let parsedUnit: TimeUnit | null = null;
  if (unit !== undefined) {
    if (!isIntegral64(step)) {
      throw new MongoServerError(6586400, 'The step parameter in a range statement must be a whole number when densifying a date range');
    }
    parsedUnit = parseUnit(unit);
  }
  return { step, unit: parsedUnit, bounds: parseBounds(bounds, step, parsedUnit) };
}

function parseSpec(spec: unknown): Spec {
  if (!isDocument(spec)) throw mongoError('FailedToParse', `The $densify stage specification must be an object, found ${typeName(spec)}`);
  let field: string | undefined;
  let partitionByFields: string[] | undefined;
  let rangeValue: unknown;
  for (const key of Object.keys(spec)) {
    const v = spec[key];
    if (v === null && (key === 'field' || key === 'partitionByFields' || key === 'range')) continue;
    if (key === 'field') {
      if (typeof v !== 'string') throw wrongTypeError('$densify.field', bsonTypeOf(v), 'string');
      field = v;
    } else if (key === 'partitionByFields') {
      if (!Array.isArray(v)) throw wrongTypeError('$densify.partitionByFields', bsonTypeOf(v), 'array');
      partitionByFields = v.map((element, i) => {
        if (typeof element !== 'string') throw wrongTypeError(`$densify.partitionByFields.${i}`, bsonTypeOf(element), 'string');
        return element;
      });
    } else if (key === 'range') {
      rangeValue = v;
    } else {
      throw unknownFieldError(`$densify.${key}`);
    }
  }
  if (field === undefined) throw missingFieldError('$densify.field');
  if (rangeValue === undefined) throw missingFieldError('$densify.range');
  const range = parseRange(rangeValue);
  for (const partitionField of partitionByFields ?? []) {
    if (partitionField.startsWith(field)) {
      throw new MongoServerError(8993000, `partitionByFields '${partitionField}' cannot include field '${field}' that is being densified.`);
    }
    if (field.startsWith(partitionField)) {
      throw new MongoServerError(9554500, `field '${field}' that is being densified cannot include partitionByFields '${partitionField}'.`);
    }
    validateFieldPath(partitionField);
  }
  const fieldPath = validateFieldPath(field);
  if (range.bounds.kind === 'partition' && (partitionByFields ?? []).length === 0) {
    throw new MongoServerError(5733408, "One cannot specify the bounds as 'partition' without specifying a non-empty array of partitionByFields. You may have meant to specify 'full' bounds.");
  }
  return { field: fieldPath, partitionByFields: partitionByFields ?? [], range };
}

const MS_PER: Partial<Record<TimeUnit, number>> = {
  millisecond: 1, second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000,
};
const MONTHS_PER: Partial<Record<TimeUnit, number>> = { month: 1, quarter: 3, year: 12 };

/**
 * `date` plus `amount` units in UTC, as mongod's dateAdd: fixed-length units add milliseconds; months, quarters and
 * years move the calendar month and keep the day, or take the month's last day when it has fewer.
 */
function addToDate(date: Date, unit: TimeUnit, amount: number): Date {
  const ms = MS_PER[unit];
  if (ms !== undefined) return new Date(date.getTime() + amount * ms);
  const months = amount * MONTHS_PER[unit]!;
  const d = new Date(date.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d;
}

/** One partition's state: the last value on the step seen or generated in it, and its key. */
interface Partition {
  last: unknown;
  readonly key: unknown;
}

/** Walks the sorted input once; see the file comment. */
class Densifier {
  private readonly partitions: ValueGroups<Partition>;
  private readonly partitionOf: Evaluator | null;
  private readonly stepAmount: number;
  private globalMin: unknown;
  private globalMax: unknown;
  private seenAny = false;
  private generated = 0;
  private readonly start: unknown;
  private readonly end: unknown;

  constructor(private readonly spec: Spec, private readonly runtime: Runtime, ctx: StageContext) {
    this.partitions = new ValueGroups<Partition>(ctx.collation);
    this.stepAmount = toNumber(spec.range.step);
    const bounds = spec.range.bounds;
    this.start = bounds.kind === 'range' ? bounds.lower : undefined;
    this.end = bounds.kind === 'range' ? bounds.upper : undefined;
    if (spec.partitionByFields.length === 0) {
      this.partitionOf = null;
      // Without partitions, explicit bounds are densified even when no document falls in them.
      if (bounds.kind === 'range') this.remember(true, this.decrement(bounds.lower));
    } else {
      let expr: Document = {};
      for (const f of spec.partitionByFields) expr = setNested(expr, f.split('.'), `$${f}`);
      this.partitionOf = ctx.expressions.parse(expr);
    }
  }

  private increment(v: unknown): unknown {
    if (v instanceof Date) return addToDate(v, this.spec.range.unit!, this.stepAmount);
    return addNumbers(v, this.spec.range.step);
  }

  private decrement(v: unknown): unknown {
    if (v instanceof Date) return addToDate(v, this.spec.range.unit!, -this.stepAmount);
    return subtractNumbers(v, this.spec.range.step);
  }

  private remember(key: unknown, value: unknown): void {
    const p = this.partitions.get(key, () => ({ last: value, key }));
    p.last = value;
  }

  private valueOf(raw: unknown): unknown {
    const isDate = raw instanceof Date;
    if (!isNumeric(raw) && !isDate) throw new MongoServerError(5733201, 'Densify field type must be numeric or a date');
    if (this.spec.range.unit === null ? isDate : !isDate) {
      throw new MongoServerError(6053600, isDate
        ? 'Encountered date densify value in collection when step does not have a date unit.'
        : 'Encountered numeric densify value in collection when step has a date unit.');
    }
    return raw;
  }

  /** The documents to hand on for one input document, in order (generated ones, then it). */
  *process(doc: Document): Generator<Document> {
    const raw = getNested(doc, this.spec.field);
    if (raw === undefined || raw === null) {
      yield doc;
      return;
    }
    const val = this.valueOf(raw);
    const key = this.partitionOf ? this.partitionOf(scopeFor(doc, this.runtime)) : true;
    if (this.spec.range.bounds.kind === 'full') {
      this.globalMax = val;
      if (!this.seenAny) this.globalMin = val;
    }
    const first = !this.seenAny;
    this.seenAny = true;
    let created = false;
    const partition = this.partitions.get(key, () => {
      created = true;
      return { last: undefined, key };
    });
    // Every path of firstInPartition records a value for the partition.
    if (first || created) {
      yield* this.firstInPartition(doc, val, key);
      return;
    }
    let last = partition.last;
    if (this.end !== undefined && compareValues(last, this.end) >= 0) {
      yield doc;
      return;
    }
    if (this.start !== undefined && compareValues(this.start, last) > 0) last = this.decrement(this.start);
    if (compareValues(last, val) > 0) {
      yield doc;
      return;
    }
    yield* this.fillBefore(doc, last, val, key);
  }

  private *firstInPartition(doc: Document, val: unknown, key: unknown): Generator<Document> {
    if (this.start !== undefined && compareValues(val, this.start) > 0) {
      this.remember(key, this.start);
      yield* this.fillBefore(doc, this.decrement(this.start), val, key);
      return;
    }
    if (this.spec.range.bounds.kind === 'full') {
      if (compareValues(val, this.globalMin) > 0 && compareValues(val, this.increment(this.globalMin)) > 0) {
        yield* this.fillBefore(doc, this.decrement(this.globalMin), val, key);
        return;
      }
      if (compareValues(val, this.globalMin) > 0) {
        this.remember(key, this.decrement(this.globalMin));
        yield doc;
        return;
      }
    }
    this.remember(key, val);
    yield doc;
  }

  /** mongod's handleNeedGen: the steps after `lastSeen` and below `val` (and the upper bound), then `doc`. */
  private *fillBefore(doc: Document, lastSeen: unknown, val: unknown, key: unknown): Generator<Document> {
    const next = this.increment(lastSeen);
    if (compareValues(val, next) <= 0 || (this.end !== undefined && compareValues(next, this.end) >= 0)) {
      if (compareValues(val, next) === 0) this.remember(key, val);
      yield doc;
      return;
    }
    const max = this.end !== undefined && compareValues(this.end, val) <= 0 ? this.end : val;
    let lastGenerated = next;
    for (const generated of this.generate(next, max, false, key)) {
      lastGenerated = getNested(generated, this.spec.field);
      yield generated;
    }
    this.remember(key, lastGenerated);
    if (compareValues(val, this.increment(lastGenerated)) === 0) this.remember(key, val);
    yield doc;
  }

  /** Documents for `from`, `from + step`, ... below `max` (or up to it, when `inclusive`). */
  private *generate(from: unknown, max: unknown, inclusive: boolean, key: unknown): Generator<Document> {
    const base: Document = this.partitionOf && isDocument(key) ? key : {};
    let v = from;
    for (;;) {
      this.generated++;
      if (this.generated > MAX_GENERATED_DOCS) {
        throw new MongoServerError(5897900, `Generated ${this.generated} documents in $densify, which is over the limit of ${MAX_GENERATED_DOCS}. Increase the 'internalQueryMaxAllowedDensifyDocs' parameter to allow more generated documents`);
      }
      yield setNested(base, this.spec.field, v);
      const next = this.increment(v);
      const c = compareValues(max, next);
      if (c < 0 || (!inclusive && c <= 0)) return;
      v = next;
    }
  }

  /** What the end of the input adds: mongod's handleSourceExhausted. */
  *finish(): Generator<Document> {
    const bounds = this.spec.range.bounds;
    let max: unknown;
    let minOverride: unknown;
    let inclusive = false;
    if (bounds.kind === 'full') {
      if (!this.seenAny) return;
      [max, minOverride, inclusive] = [this.globalMax, this.globalMin, true];
    } else if (bounds.kind === 'range') {
      [max, minOverride] = [bounds.upper, bounds.lower];
    } else {
      return;
    }
    for (const { state } of this.partitions.entries()) {
      let from = this.increment(state.last);
      if (compareValues(minOverride, state.last) > 0) from = minOverride;
      const c = compareValues(from, max);
      if (c > 0 || (!inclusive && c >= 0)) continue;
      yield* this.generate(from, max, inclusive, state.key);
    }
  }
}

function sortSpecOf(spec: Spec): Document {
  const sort: Document = {};
  if (spec.range.bounds.kind !== 'full') for (const f of spec.partitionByFields) sort[f] = 1;
  sort[spec.field.join('.')] = 1;
  return sort;
}

async function* densifyChunks(spec: Spec, sorted: Chunks, runtime: Runtime, ctx: StageContext, yieldIfDue: () => Promise<void>): Chunks {
  const densifier = new Densifier(spec, runtime, ctx);
  let out: Document[] = [];
  for await (const chunk of sorted) {
    for (const doc of chunk) {
      for (const d of densifier.process(doc)) {
        out.push(d);
        if (out.length >= CHUNK_DOCS) {
          yield out;
          out = [];
          await yieldIfDue();
        }
      }
    }
  }
  for (const d of densifier.finish()) {
    out.push(d);
    if (out.length >= CHUNK_DOCS) {
      yield out;
      out = [];
      await yieldIfDue();
    }
  }
  if (out.length > 0) yield out;
}

export const parseDensify: StageParser = (rawSpec, ctx) => {
  const spec = parseSpec(rawSpec);
  const sortKeys = compileSortKeys(sortSpecOf(spec), ctx.collation);
  return {
    kind: 'batch',
    name: '$densify',
    run(docs, runtime) {
      const densifier = new Densifier(spec, runtime, ctx);
      const out: Document[] = [];
      for (const doc of sortByKeys(docs, sortKeys, (d) => d)) out.push(...densifier.process(doc));
      out.push(...densifier.finish());
      return out;
    },
    stream: (input, runtime, control) => densifyChunks(spec, sortedChunks(input, sortKeys, control), runtime, ctx, () => control.yieldIfDue()),
  };
};
