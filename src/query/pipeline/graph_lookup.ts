import { isDocument, isNumeric, Long, toNumber, type Collation, type Document } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { formatValue, typeName, validateFieldPath, ValueGroups, type Evaluator } from '../expressions/index.js';
import { compileFilter } from '../filter/index.js';
import { removeNested, setNested } from './paths.js';
import { scopeFor } from './scope.js';
import { CHUNK_DOCS, documentBytes, type Chunks, type StreamControl } from './stream.js';
import { foreignOf, valuesAtPath } from './sub_pipeline.js';
import type { ForeignNamespace, Runtime, StageContext, StageParser, StreamStage, UnwindSpec } from './types.js';

/** mongod's internalDocumentSourceGraphLookupMaxMemoryBytes: what one search may hold. */
export const GRAPH_LOOKUP_MAX_BYTES = 100 * 1024 * 1024;

interface GraphLookupSpec {
  from: ForeignNamespace;
  as: string[];
  connectFromField: string[];
  connectToField: string;
  startWith: Evaluator;
  depthField: string[] | null;
  maxDepth: number | null;
  restrict: Document | null;
}

function parseSpec(spec: unknown, ctx: StageContext): GraphLookupSpec {
  if (!isDocument(spec)) throw mongoError('FailedToParse', `the $graphLookup stage specification must be an object, but found ${typeName(spec)}`);
  if (!('from' in spec)) throw mongoError('FailedToParse', `missing 'from' option to $graphLookup stage specification: ${formatValue(spec)}`);
  let from: string | undefined;
  let as: string | undefined;
  let connectFromField: string | undefined;
  let connectToField: string | undefined;
  let depthField: string | undefined;
  let startWith: Evaluator | undefined;
  let maxDepth: number | null = null;
  let restrict: Document | null = null;
  for (const [name, value] of Object.entries(spec)) {
    if (name === 'startWith') {
      startWith = ctx.expressions.parse(value);
      continue;
    }
    if (name === 'maxDepth') {
      if (!isNumeric(value)) throw new MongoServerError(40100, `maxDepth must be numeric, found type: ${typeName(value)}`);
      const n = toNumber(value);
      const truncated = Math.trunc(n);
      if (truncated < 0) throw new MongoServerError(40101, `maxDepth requires a nonnegative argument, found: ${truncated}`);
      if (truncated !== n) throw new MongoServerError(40102, `maxDepth could not be represented as a long long: ${truncated}`);
      maxDepth = truncated;
      continue;
    }
    if (name === 'restrictSearchWithMatch') {
      if (!isDocument(value)) throw new MongoServerError(40185, `restrictSearchWithMatch must be an object, found ${typeName(value)}`);
      try {
        compileFilter(value, { collation: ctx.collation });
      } catch (err) {
        if (err instanceof MongoServerError) {
          throw new MongoServerError(err.code, `Failed to parse 'restrictSearchWithMatch' option to $graphLookup :: caused by :: ${err.message}`);
        }
        throw err;
      }
      restrict = value;
      continue;
    }
    if (name === 'from' || name === 'as' || name === 'connectFromField' || name === 'connectToField' || name === 'depthField') {
      if (typeof value !== 'string') {
        if (name === 'from' && isDocument(value)) {
          throw mongoError('FailedToParse', `$graphLookup with syntax {from: {db:<>, coll:<>},..} is not supported for db: ${String(value.db ?? '')} and coll: ${String(value.coll ?? '')}`);
        }
        throw new MongoServerError(40103, `expected string as argument for ${name}, found: ${typeName(value)}`);
      }
      if (name === 'from') from = value;
      else if (name === 'as') as = value;
      else if (name === 'connectFromField') connectFromField = value;
      else if (name === 'connectToField') connectToField = value;
      else depthField = value;
      continue;
    }
    throw new MongoServerError(40104, `Unknown argument to $graphLookup: ${name}`);
  }
  if (from !== undefined && from.length === 0) throw mongoError('InvalidNamespace', 'invalid $graphLookup namespace: ');
  if (!from || !as || !startWith || !connectFromField || !connectToField) {
    throw new MongoServerError(40105, "$graphLookup requires 'from', 'as', 'startWith', 'connectFromField', and 'connectToField' to be specified.");
  }
  return {
    from: { db: null, coll: from },
    as: validateFieldPath(as),
    connectFromField: validateFieldPath(connectFromField),
    connectToField: validateFieldPath(connectToField).join('.'),
    startWith,
    depthField: depthField === undefined ? null : validateFieldPath(depthField),
    maxDepth,
    restrict,
  };
}

function isNullish(v: unknown): boolean {
  return v === null || (v as { _bsontype?: string } | undefined)?._bsontype === 'Undefined';
}

/**
 * The query for one round of the search, as mongod builds it: the connect-to field `$in` the frontier, with
 * `restrictSearchWithMatch`, and when the frontier holds null, documents missing the field are left out.
 */
function roundFilter(spec: GraphLookupSpec, frontier: readonly unknown[]): Document {
  const clauses: Document[] = [];
  if (spec.restrict) clauses.push(spec.restrict);
  clauses.push({ [spec.connectToField]: { $in: frontier } });
  if (frontier.some(isNullish)) clauses.push({ [spec.connectToField]: { $exists: true } });
  return clauses.length === 1 ? clauses[0]! : { $and: clauses };
}

/** The documents one input reaches, breadth first, each once (by `_id`), with its depth when asked. */
async function search(spec: GraphLookupSpec, doc: Document, runtime: Runtime, control: StreamControl, collation: Collation | null): Promise<Document[]> {
  const foreign = foreignOf(runtime, '$graphLookup');
  const start = spec.startWith(scopeFor(doc, runtime));
  let frontier = new ValueGroups<true>(collation);
  // A missing start value queries nothing (mongod cannot put a missing value in its `$in`).
  for (const v of Array.isArray(start) ? start : [start]) if (v !== undefined) frontier.get(v, () => true);
  const visited = new ValueGroups<Document>(null);
  const found: Document[] = [];
  let bytes = 0;
  for (let depth = 0; spec.maxDepth === null || depth <= spec.maxDepth; depth++) {
    const values = frontier.entries().map((e) => e.key);
    if (values.length === 0) break;
    const next = new ValueGroups<true>(collation);
    let added = false;
    for await (const chunk of foreign.find(spec.from, roundFilter(spec, values), control)) {
      for (let result of chunk) {
        if (!('_id' in result)) {
          throw new MongoServerError(40271, `Documents in the '${spec.from.coll}' namespace must contain an _id for de-duplication in $graphLookup`);
        }
        let fresh = false;
        visited.get(result._id, () => {
          fresh = true;
          return result;
        });
        if (!fresh) continue;
        if (spec.depthField) result = setNested(result, spec.depthField, Long.fromNumber(depth));
        found.push(result);
        added = true;
        bytes += documentBytes(result);
        if (bytes >= GRAPH_LOOKUP_MAX_BYTES) throw new MongoServerError(40099, '$graphLookup reached maximum memory consumption');
        for (const v of valuesAtPath(result, spec.connectFromField)) next.get(v, () => true);
      }
      await control.yieldIfDue();
    }
    if (!added) break;
    frontier = next;
  }
  return found;
}

function graphLookupStage(spec: GraphLookupSpec, collation: Collation | null, unwind: UnwindSpec | null): StreamStage {
  async function* run(input: Chunks, runtime: Runtime, control: StreamControl): Chunks {
    let out: Document[] = [];
    for await (const chunk of input) {
      for (const doc of chunk) {
        const found = await search(spec, doc, runtime, control, collation);
        if (!unwind) {
          out.push(setNested(doc, spec.as, found));
          await control.yieldIfDue();
          continue;
        }
        found.forEach((result, i) => {
          let next = setNested(doc, spec.as, result);
          if (unwind.index) next = setNested(next, unwind.index, Long.fromNumber(i));
          out.push(next);
        });
        if (found.length === 0 && unwind.preserve) {
          let next = removeNested(setNested(doc, spec.as, null), spec.as);
          if (unwind.index) next = setNested(next, unwind.index, null);
          out.push(next);
        }
        if (out.length >= CHUNK_DOCS) {
          yield out;
          out = [];
        }
        await control.yieldIfDue();
      }
      if (out.length > 0) {
        yield out;
        out = [];
      }
      await control.yieldIfDue();
    }
  }
  const stage: StreamStage = { kind: 'stream', name: '$graphLookup', stream: run };
  if (unwind) return stage;
  return {
    ...stage,
    absorbUnwind(next) {
      const same = next.path.length === spec.as.length && next.path.every((p, i) => p === spec.as[i]);
      return same ? graphLookupStage(spec, collation, next) : null;
    },
  };
}

/**
 * Parses `$graphLookup` (https://www.mongodb.com/docs/manual/reference/operator/aggregation/graphLookup/): for each
 * input, a breadth-first search of the foreign collection (or view) from `startWith`, following `connectFromField`
 * to `connectToField` up to `maxDepth`, each round one planned read (`$in` the frontier, so an index on
 * `connectToField` serves it), restricted by `restrictSearchWithMatch`.
 *
 * @throws MongoServerError FailedToParse (9) for a spec that is not an object or lacks `from`; 40100-40102 for a bad
 *   `maxDepth`; 40103 for a field that is not a string; 40104 for an unknown one; 40105 when a required one is
 *   missing; 40185 for a `restrictSearchWithMatch` that is not an object (and its filter errors). While running:
 *   40271 for a foreign document without `_id`; 40099 past 100 MB.
 */
export const parseGraphLookup: StageParser = (raw, ctx) => {
  const spec = parseSpec(raw, ctx);
  return graphLookupStage(spec, ctx.collation, null);
};
