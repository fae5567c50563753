import { isDocument, Int32, setField, type Document } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { accumulatorFactories, ValueGroups, type Accumulator, type AccumulatorFactory, type Evaluator } from '../expressions/index.js';
import { scopeFor } from './scope.js';
import type { Runtime, StageContext, StageParser } from './types.js';
import { BLOCKING_STAGE_MEMORY_BYTES, chunksOf, documentBytes, memoryLimitError, type Chunks, type StreamControl } from './stream.js';

/**
 * $group (https://www.mongodb.com/docs/manual/reference/operator/aggregation/group/): one output document per
 * distinct `_id` value (missing counts as null; `_id: null` is one group for everything), with one field per
 * accumulator. Groups come out in first-seen order.
 */
interface GroupField {
  readonly name: string;
  /** The accumulator as written ('$sum', '$push', ...). */
  readonly op: string;
  readonly factory: AccumulatorFactory;
  readonly ev: Evaluator;
}

const ONE: Evaluator = () => new Int32(1);

function parseField(name: string, value: unknown, ctx: StageContext): GroupField {
  if (name.includes('.')) throw new MongoServerError(40235, `The field name '${name}' cannot contain '.'`);
  if (name.startsWith('$')) throw new MongoServerError(40236, `The field name '${name}' cannot be an operator name`);
  const keys = isDocument(value) ? Object.keys(value) : [];
  if (!isDocument(value) || !(keys[0] ?? '').startsWith('$')) {
    throw new MongoServerError(40234, `The field '${name}' must be an accumulator object`);
  }
  if (keys.length !== 1) throw new MongoServerError(40238, `The field '${name}' must specify one accumulator`);
  const op = keys[0]!;
  const arg = value[op];
  if (op === '$count') {
    if (!isDocument(arg) || Object.keys(arg).length !== 0) throw mongoError('BadValue', '$count takes no arguments, i.e. $count:{}');
    return { name, op, factory: accumulatorFactories.$sum!, ev: ONE };
  }
  const factory = Object.prototype.hasOwnProperty.call(accumulatorFactories, op) ? accumulatorFactories[op] : undefined;
  if (!factory) throw new MongoServerError(15952, `unknown group operator '${op}'`);
  if (Array.isArray(arg)) throw new MongoServerError(40237, `The ${op} accumulator is a unary operator`);
  return { name, op, factory, ev: ctx.expressions.parse(arg) };
}

/** Compiles a $group specification into its `_id` expression and fields (shared with $sortByCount). */
export function parseGroupSpec(spec: unknown, ctx: StageContext): { id: Evaluator; fields: GroupField[] } {
  if (!isDocument(spec)) throw new MongoServerError(15947, "a group's fields must be specified in an object");
  let id: Evaluator | undefined;
  const fields: GroupField[] = [];
  for (const key of Object.keys(spec)) {
    if (key === '_id') {
      if (id) throw new MongoServerError(15948, "a group's _id may only be specified once");
      id = ctx.expressions.parse(spec[key]);
    } else {
      fields.push(parseField(key, spec[key], ctx));
    }
  }
  if (!id) throw new MongoServerError(15955, 'a group specification must include an _id');
  return { id, fields };
}

type CompiledGroup = { id: Evaluator; fields: GroupField[] };

/** Adds one document to its group; returns whether the group is new. */
function addToGroups(group: CompiledGroup, groups: ValueGroups<Accumulator[]>, doc: Document, runtime: Runtime, ctx: StageContext): boolean {
  const scope = scopeFor(doc, runtime);
  const key = group.id(scope);
  let created = false;
  const accs = groups.get(key === undefined ? null : key, () => {
    created = true;
    return group.fields.map((f) => f.factory(ctx.collation));
  });
  group.fields.forEach((f, i) => accs[i]!.add(f.ev(scope)));
  return created;
}

function groupResults(group: CompiledGroup, groups: ValueGroups<Accumulator[]>): Document[] {
  return groups.entries().map(({ key, state }) => {
    const out: Document = { _id: key };
    group.fields.forEach((f, i) => setField(out, f.name, state[i]!.result()));
    return out;
  });
}

/** Runs a compiled group over all input documents. */
export function runGroup(group: CompiledGroup, docs: Document[], runtime: Runtime, ctx: StageContext): Document[] {
  const groups = new ValueGroups<Accumulator[]>(ctx.collation);
  for (const doc of docs) addToGroups(group, groups, doc, runtime, ctx);
  return groupResults(group, groups);
}

/** What one group holds, roughly: its key and a fixed cost per accumulator (as mongod estimates it). */
const ACCUMULATOR_BYTES = 64;

/**
 * A group over a stream: holds only the groups, yields between input chunks, and fails with 292 when the groups
 * pass the blocking-stage memory limit without `allowDiskUse`. (With it, the groups stay in memory: eddydb does not
 * spill $group yet; the heap budget, checked at every yield, bounds it.)
 */
export async function* groupChunks(group: CompiledGroup, input: Chunks, runtime: Runtime, ctx: StageContext, control: StreamControl): Chunks {
  const groups = new ValueGroups<Accumulator[]>(ctx.collation);
  const limit = control.memoryLimitBytes ?? BLOCKING_STAGE_MEMORY_BYTES;
  let bytes = 0;
  for await (const chunk of input) {
    for (const doc of chunk) {
      if (addToGroups(group, groups, doc, runtime, ctx)) {
        const entries = groups.entries();
        bytes += documentBytes({ _id: entries[entries.length - 1]!.key }) + ACCUMULATOR_BYTES * group.fields.length;
      }
    }
    if (bytes > limit && !control.spiller) {
      throw memoryLimitError(control, "Exceeded memory limit for $group, but didn't allow external sort. Pass allowDiskUse:true to opt in.");
    }
    await control.yieldIfDue();
  }
  yield* chunksOf(groupResults(group, groups), control);
}

export const parseGroup: StageParser = (spec, ctx) => {
  const group = parseGroupSpec(spec, ctx);
  return {
    kind: 'batch',
    name: '$group',
    run: (docs, runtime) => runGroup(group, docs, runtime, ctx),
    stream: (input, runtime, control) => groupChunks(group, input, runtime, ctx, control),
  };
};
