import { parseArithmetic, type ArithmeticNode } from './arithmetic.js';

/** $inc (https://www.mongodb.com/docs/manual/reference/operator/update/inc/); a missing field is set to the increment. */
export function parseInc(field: string, value: unknown): ArithmeticNode {
  return parseArithmetic('add', field, value);
}
