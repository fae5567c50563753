import { MongoServerError } from '../../errors/index.js';
import { applyProjection, exclusionProjection } from '../projection/index.js';
import { scopeFor } from './scope.js';
import { withStageContext } from './stage_context.js';
import type { StageParser } from './types.js';

/**
 * $unset (https://www.mongodb.com/docs/manual/reference/operator/aggregation/unset/): one field path or an array
 * of them, removed as an exclusion projection would.
 */
export const parseUnsetStage: StageParser = (spec) => {
  let paths: string[];
  if (typeof spec === 'string') {
    paths = [spec];
  } else if (Array.isArray(spec)) {
    if (spec.length === 0) {
      throw new MongoServerError(31119, '$unset specification must be a string or an array with at least one field');
    }
    if (!spec.every((p) => typeof p === 'string')) {
      throw new MongoServerError(31120, '$unset specification must be a string or an array containing only string values');
    }
    paths = spec as string[];
  } else {
    throw new MongoServerError(31002, '$unset specification must be a string or an array');
  }
  const projection = withStageContext('$unset', () => exclusionProjection(paths));
  return {
    kind: 'document',
    name: '$unset',
    apply: (doc, runtime) => [applyProjection(projection, doc, scopeFor(doc, runtime))],
  };
};
