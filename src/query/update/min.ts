import { CompareNode } from './compare_node.js';

/** $min (https://www.mongodb.com/docs/manual/reference/operator/update/min/). */
export function parseMin(_field: string, value: unknown): CompareNode {
  return new CompareNode('min', value);
}
