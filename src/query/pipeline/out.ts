import { bsonTypeOf, isDocument } from '../../bson/index.js';
import { missingFieldError, mongoError, MongoServerError, unknownFieldError, wrongTypeError } from '../../errors/index.js';
import type { StageParser } from './types.js';

/** Where `$out` writes: a collection of the aggregate's database, or of another one. */
export interface OutSpec {
  db: string;
  coll: string;
}

/**
 * Parses `$out` (https://www.mongodb.com/docs/manual/reference/operator/aggregation/out/): a collection name in the
 * aggregate's database, or `{db, coll}`. The engine validates the namespace and does the writing.
 *
 * @throws MongoServerError 16990 for a spec that is neither a string nor a document; 40414 for a missing `db` or
 *   `coll`; 40415 for an unknown field; TypeMismatch (14) for a field of the wrong type; NotImplemented (238) for
 *   `timeseries`.
 */
export function parseOutSpec(spec: unknown, defaultDb: string): OutSpec {
  if (typeof spec === 'string') return { db: defaultDb, coll: spec };
  if (!isDocument(spec)) {
    throw new MongoServerError(16990, `$out only supports a string or object argument, but found ${bsonTypeOf(spec)}`);
  }
  let db: string | undefined;
  let coll: string | undefined;
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'db' || key === 'coll') {
      if (typeof value !== 'string') {
        throw wrongTypeError(`$out.${key}`, bsonTypeOf(value), 'string');
      }
      if (key === 'db') db = value;
      else coll = value;
    } else if (key === 'timeseries') {
      throw mongoError('NotImplemented', '$out to a time-series collection is not supported by eddydb');
    } else {
      throw unknownFieldError(`$out.${key}`);
    }
  }
  if (db === undefined) throw missingFieldError('$out.db');
  if (coll === undefined) throw missingFieldError('$out.coll');
  return { db, coll };
}

/**
 * The registry's entry: the engine runs a final `$out` itself and removes it before compiling, so reaching this
 * parser means `$out` was not the last stage.
 */
export const parseOut: StageParser = () => {
  throw new MongoServerError(40601, '$out can only be the final stage in the pipeline');
};
