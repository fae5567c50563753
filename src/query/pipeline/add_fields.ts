import { isDocument } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { typeName } from '../expressions/index.js';
import { addFieldsProjectionPolicies, applyProjection, parseProjection } from '../projection/index.js';
import { scopeFor } from './scope.js';
import { withStageContext } from './stage_context.js';
import type { StageParser } from './types.js';

/**
 * $addFields and its alias $set (https://www.mongodb.com/docs/manual/reference/operator/aggregation/addFields/):
 * every value is an expression (1 and true are literals); dotted or nested names set fields inside embedded
 * documents (and inside each element of an array); `$$REMOVE` removes the field.
 */
export const parseAddFields: StageParser = (spec, ctx, name) => {
  if (!isDocument(spec)) {
    throw new MongoServerError(40272, `${name} specification stage must be an object, got ${typeName(spec)}`);
  }
  const projection = withStageContext(name, () => parseProjection(spec, addFieldsProjectionPolicies, { expressions: ctx.expressions, textScore: ctx.textScore === true }));
  return {
    kind: 'document',
    name,
    apply: (doc, runtime) => [applyProjection(projection, doc, scopeFor(doc, runtime))],
  };
};
