import { parseArithmetic, type ArithmeticNode } from './arithmetic.js';

/** $mul (https://www.mongodb.com/docs/manual/reference/operator/update/mul/); a missing field is set to 0 of the multiplier's type. */
export function parseMul(field: string, value: unknown): ArithmeticNode {
  return parseArithmetic('multiply', field, value);
}
