import { bsonTypeOf, elementToString, isDocument, isNumeric, toNumber, Long } from '../../../bson/index.js';
import {
  decAdd, decDivide, decFromBigInt, decFromDecimal128, decFromDouble, decMultiply, decSubtract, decToDecimal128,
  type Dec,
} from '../../../bson/decimal_math.js';
import { typeName, type Scope } from '../../expressions/index.js';
import { double } from '../../expressions/values.js';
import { failedToParse, type WindowFunctionParser } from './window_function.js';

function toDec(v: unknown): Dec {
  switch (bsonTypeOf(v)) {
    case 'decimal':
      return decFromDecimal128(v as never);
    case 'int':
      return decFromBigInt(BigInt(toNumber(v)));
    case 'long':
      return decFromBigInt((v as Long).toBigInt());
    default:
      return decFromDouble(toNumber(v));
  }
}

/** $expMovingAvg: `{input, N}` (alpha = 2 / (N + 1)) or `{input, alpha}`, in decimal arithmetic as mongod's. */
export const parseExpMovingAvg: WindowFunctionParser = (spec, name, ctx) => {
  const sub = spec[name];
  if (Object.keys(spec).length !== 1 || !isDocument(sub)) throw failedToParse('$expMovingAvg must have exactly one argument that is an object');
  const shape = "$expMovingAvg sub object must have exactly two fields: An 'input' field, and either an 'N' field or an 'alpha' field";
  if (Object.keys(sub).length !== 2 || sub.input === undefined) throw failedToParse(shape);
  if (!ctx.sortBy) throw failedToParse("$expMovingAvg requires an explicit 'sortBy'");
  const input = ctx.expressions.parse(sub.input);
  let alpha: Dec;
  if (sub.N !== undefined) {
    const nVal = sub.N;
    if (!isNumeric(nVal)) throw failedToParse(`'N' field must be an integer, but found type ${typeName(nVal)}`);
    const d = toNumber(nVal);
    if (d !== Math.floor(d)) {
      throw failedToParse(`'N' field must be an integer, but found  ${elementToString('N', nVal)}. To use a non-integer, use the 'alpha' argument instead`);
    }
    if (d <= 0) throw failedToParse(`'N' must be greater than zero. Got ${d}`);
    alpha = decDivide(decFromBigInt(2n), decFromBigInt(BigInt(d) + 1n));
  } else if (sub.alpha !== undefined) {
    if (!isNumeric(sub.alpha)) throw failedToParse("'alpha' must be a number");
    const a = toNumber(sub.alpha);
    if (!(a > 0 && a < 1)) throw failedToParse(`'alpha' must be between 0 and 1 (exclusive), found ${elementToString('alpha', sub.alpha)}`);
    alpha = toDec(sub.alpha);
  } else {
    throw failedToParse(`Got unrecognized field in $expMovingAvg${shape}`);
  }
  const oneMinusAlpha = decSubtract(decFromBigInt(1n), alpha);
  return {
    name,
    *compute(partition) {
      let current: Dec | undefined;
      let decimal = false;
      const valueAt = (scope: Scope): unknown => {
        const v = input(scope);
        if (isNumeric(v)) {
          if (bsonTypeOf(v) === 'decimal') decimal = true;
          const x = toDec(v);
          current = current === undefined ? x : decAdd(decMultiply(x, alpha), decMultiply(current, oneMinusAlpha));
        }
        if (current === undefined) return null;
        const d = decToDecimal128(current);
        return decimal ? d : double(Number(d.toString()));
      };
      for (const scope of partition.scopes) yield valueAt(scope);
    },
  };
};
