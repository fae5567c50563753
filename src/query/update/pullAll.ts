import { bsonTypeOf, valuesEqual } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { ArrayCullingNode } from './pull.js';

/**
 * $pullAll (https://www.mongodb.com/docs/manual/reference/operator/update/pullAll/): removes every element equal
 * (under the collation) to one of the listed values.
 */
export function parsePullAll(_field: string, value: unknown): ArrayCullingNode {
  if (!Array.isArray(value)) {
    throw mongoError('BadValue', `$pullAll requires an array argument but was given a ${bsonTypeOf(value)}`);
  }
  const values = [...value];
  return new ArrayCullingNode('$pullAll', (e, c) => values.some((v) => valuesEqual(e, v, c)));
}
