import { MongoServerError } from '../../errors/index.js';

/** Runs `parse` and prefixes any error with mongod's stage context ("Invalid $project :: caused by :: ..."). */
export function withStageContext<T>(stage: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof MongoServerError) {
      throw new MongoServerError(err.code, `Invalid ${stage} :: caused by :: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
