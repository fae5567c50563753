import { CompareNode } from './compare_node.js';

/** $max (https://www.mongodb.com/docs/manual/reference/operator/update/max/). */
export function parseMax(_field: string, value: unknown): CompareNode {
  return new CompareNode('max', value);
}
