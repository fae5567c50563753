import { bsonTypeOf, isDocument, type Document } from '../../bson/index.js';
import { badEnumValueError, missingFieldError, MongoServerError, unknownFieldError, wrongTypeError } from '../../errors/index.js';
import type { StageParser } from './types.js';

export type MergeWhenMatched = 'replace' | 'keepExisting' | 'merge' | 'fail' | 'pipeline';
export type MergeWhenNotMatched = 'insert' | 'discard' | 'fail';

/** A parsed `$merge` stage. */
export interface MergeSpec {
  db: string;
  coll: string;
  /** The fields that identify a target document; `['_id']` unless given. */
  on: string[];
  whenMatched: MergeWhenMatched;
  /** The update pipeline of `whenMatched: [...]`. */
  pipeline?: Document[];
  whenNotMatched: MergeWhenNotMatched;
  /** `let` of a pipeline merge, unevaluated; `new` is always `$$ROOT`. */
  let?: Document;
}

/** The combinations mongod supports (its merge strategy descriptors). */
const SUPPORTED = new Set([
  'replace/insert', 'replace/fail', 'replace/discard', 'merge/insert', 'merge/fail', 'merge/discard',
  'keepExisting/insert', 'fail/insert', 'pipeline/insert', 'pipeline/fail', 'pipeline/discard',
]);

const WHEN_MATCHED = new Set(['replace', 'keepExisting', 'merge', 'fail']);
const WHEN_NOT_MATCHED = new Set(['insert', 'discard', 'fail']);

function parseInto(value: unknown, defaultDb: string): { db: string; coll: string } {
  if (typeof value === 'string') return { db: defaultDb, coll: value };
  if (!isDocument(value)) {
    throw wrongTypeError('$merge.into', bsonTypeOf(value), ['string', 'object']);
  }
  let db = defaultDb;
  let coll: string | undefined;
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'db' && key !== 'coll') throw unknownFieldError(`$merge.into.${key}`);
    if (typeof v !== 'string') throw wrongTypeError(`$merge.into.${key}`, bsonTypeOf(v), 'string');
    if (key === 'db') db = v;
    else coll = v;
  }
  if (coll === undefined) throw missingFieldError('$merge.into.coll');
  return { db, coll };
}

function parseOn(value: unknown): string[] {
  const fields = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(fields)) {
    throw new MongoServerError(51186, `$merge 'on' field  must be either a string or an array of strings, but found ${bsonTypeOf(value)}`);
  }
  if (fields.length === 0) throw new MongoServerError(51187, "If explicitly specifying $merge 'on', must include at least one field");
  const seen = new Set<string>();
  for (const f of fields) {
    if (typeof f !== 'string') throw new MongoServerError(51134, `$merge 'on' array elements must be strings, but found ${bsonTypeOf(f)}`);
    if (seen.has(f)) throw new MongoServerError(31465, `Found a duplicate field '${f}'`);
    seen.add(f);
  }
  return fields as string[];
}

/**
 * Parses `$merge` (https://www.mongodb.com/docs/manual/reference/operator/aggregation/merge/): a collection name, or
 * `{into, on?, let?, whenMatched?, whenNotMatched?}`, with mongod's defaults (`on: '_id'`, merge, insert).
 *
 * @throws MongoServerError 51182 for a spec that is neither string nor document; 40414/40415 for a missing or
 *   unknown field; TypeMismatch (14) and BadValue (2) for bad values; 51186/51187/51134/31465 for a bad `on`;
 *   51181 for an unsupported whenMatched/whenNotMatched pair; 51199 for `let` without a pipeline; 51273 when `let`
 *   redefines `new`.
 */
export function parseMergeSpec(spec: unknown, defaultDb: string): MergeSpec {
  if (typeof spec === 'string') return { db: defaultDb, coll: spec, on: ['_id'], whenMatched: 'merge', whenNotMatched: 'insert' };
  if (!isDocument(spec)) throw new MongoServerError(51182, `$merge only supports a string or object argument, not ${bsonTypeOf(spec)}`);
  let target: { db: string; coll: string } | undefined;
  let on = ['_id'];
  let whenMatched: MergeWhenMatched = 'merge';
  let pipeline: Document[] | undefined;
  let whenNotMatched: MergeWhenNotMatched = 'insert';
  let letSpec: Document | undefined;
  for (const [key, value] of Object.entries(spec)) {
    switch (key) {
      case 'into':
        target = parseInto(value, defaultDb);
        break;
      case 'on':
        on = parseOn(value);
        break;
      case 'let':
        if (!isDocument(value)) throw wrongTypeError('$merge.let', bsonTypeOf(value), 'object');
        letSpec = value;
        break;
      case 'whenMatched':
        if (Array.isArray(value)) {
          whenMatched = 'pipeline';
          pipeline = value as Document[];
        } else if (typeof value === 'string') {
          if (!WHEN_MATCHED.has(value)) throw badEnumValueError('$merge.whenMatched', value);
          whenMatched = value as MergeWhenMatched;
        } else {
          throw wrongTypeError('$merge.whenMatched', bsonTypeOf(value), ['string', 'array']);
        }
        break;
      case 'whenNotMatched':
        if (typeof value !== 'string') throw wrongTypeError('$merge.whenNotMatched', bsonTypeOf(value), 'string');
        if (!WHEN_NOT_MATCHED.has(value)) throw badEnumValueError('$merge.whenNotMatched', value);
        whenNotMatched = value as MergeWhenNotMatched;
        break;
      case 'targetCollectionVersion':
        // Sent between mongos and shards; meaningless on one node.
        break;
      default:
        throw unknownFieldError(`$merge.${key}`);
    }
  }
  if (!target) throw missingFieldError('$merge.into');
  if (!SUPPORTED.has(`${whenMatched}/${whenNotMatched}`)) {
    const shown = whenMatched === 'pipeline' ? '[pipeline]' : whenMatched;
    throw new MongoServerError(51181, `Combination of $merge modes 'whenMatched: ${shown}' and 'whenNotMatched: ${whenNotMatched}' is not supported`);
  }
  if (letSpec !== undefined) {
    if (whenMatched !== 'pipeline') throw new MongoServerError(51199, `Cannot use 'let' variables with 'whenMatched: ${whenMatched}' mode`);
    if ('new' in letSpec && letSpec.new !== '$$ROOT') {
      throw new MongoServerError(51273, "'let' may not define a value for the reserved 'new' variable other than '$$ROOT'");
    }
  }
  const out: MergeSpec = { ...target, on, whenMatched, whenNotMatched };
  if (pipeline) out.pipeline = pipeline;
  if (letSpec) out.let = letSpec;
  return out;
}

/**
 * The registry's entry: the engine runs a final `$merge` itself and removes it before compiling, so reaching this
 * parser means `$merge` was not the last stage.
 */
export const parseMerge: StageParser = () => {
  throw new MongoServerError(40601, '$merge can only be the final stage in the pipeline');
};
