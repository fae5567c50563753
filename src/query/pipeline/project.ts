import { isDocument } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { aggregateProjectionPolicies, applyProjection, parseProjection } from '../projection/index.js';
import { scopeFor } from './scope.js';
import { withStageContext } from './stage_context.js';
import type { StageParser } from './types.js';

/**
 * $project (https://www.mongodb.com/docs/manual/reference/operator/aggregation/project/): inclusion (with computed
 * fields) or exclusion; `_id` is kept unless excluded. It shares find's projection engine without find's own
 * operators. Parse errors read "Invalid $project :: caused by :: ...".
 */
export const parseProject: StageParser = (spec, ctx) => {
  if (!isDocument(spec)) throw new MongoServerError(15969, '$project specification must be an object');
  const projection = withStageContext('$project', () => parseProjection(spec, aggregateProjectionPolicies, { expressions: ctx.expressions, textScore: ctx.textScore === true }));
  return {
    kind: 'document',
    name: '$project',
    apply: (doc, runtime) => [applyProjection(projection, doc, scopeFor(doc, runtime))],
  };
};
