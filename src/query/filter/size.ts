import { mongoError } from '../../errors/index.js';
import { parseIntegerToNonNegativeInt } from './integer.js';
import { PathNode } from './node.js';
import type { FieldOperatorParser } from './types.js';

/**
 * `$size`: the path leads to an array of exactly this length. A non-array never matches, and an array at the end
 * of the path is looked at as a whole (its elements are not tried).
 */
export class SizeNode extends PathNode {
  constructor(
    path: string,
    readonly size: number,
  ) {
    super(path, false);
  }

  matchesSingleElement(value: unknown): boolean {
    return Array.isArray(value) && value.length === this.size;
  }
}

/** `$size`: the operand is a non-negative whole number of any numeric type (`2`, `2.0`, `Long(2)`). */
export const parseSize: FieldOperatorParser = ({ path, name, value }) => {
  const n = parseIntegerToNonNegativeInt(name, value);
  if (!n.ok) throw mongoError('BadValue', `Failed to parse $size. ${n.reason}`);
  return new SizeNode(path, Number(n.value));
};
