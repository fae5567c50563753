import { bsonTypeOf } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { parseArgs } from './args.js';
import { singleNumeric } from './arithmetic.js';
import type { Evaluator, OperatorTable, ParseContext } from './types.js';
import { int32, isNullish, long, toBigIntValue, typeName } from './values.js';

/**
 * Bitwise expression operators (https://www.mongodb.com/docs/manual/reference/operator/aggregation/#bitwise-operators):
 * ints and longs only; the result is an int while every operand is an int, a long as soon as one is a long.
 */

const INT64 = 64n;

function bitwise(identity: number, op: (a: bigint, b: bigint) => bigint) {
  return (arg: unknown, ctx: ParseContext, name: string): Evaluator => {
    const args = parseArgs(arg, ctx);
    return (scope) => {
      let result = BigInt(identity);
      let isLong = false;
      for (const ev of args) {
        const v = ev(scope);
        if (isNullish(v)) return null;
        const t = bsonTypeOf(v);
        if (t !== 'int' && t !== 'long') throw mongoError('TypeMismatch', `${name} only supports int and long operands.`);
        if (t === 'long') isLong = true;
        result = BigInt.asIntN(64, op(result, toBigIntValue(v)));
      }
      return isLong ? long(result) : int32(Number(BigInt.asIntN(32, result)));
    };
  };
}

const bitNot = singleNumeric((v, name) => {
  const t = bsonTypeOf(v);
  if (t === 'int') return int32(~Number(toBigIntValue(v)));
  if (t === 'long') return long(BigInt.asIntN(Number(INT64), ~toBigIntValue(v)));
  throw mongoError('TypeMismatch', `${name} only supports int and long, not: ${typeName(v)}.`);
});

export const bitwiseOperators: OperatorTable = {
  $bitAnd: bitwise(-1, (a, b) => a & b),
  $bitNot: bitNot,
  $bitOr: bitwise(0, (a, b) => a | b),
  $bitXor: bitwise(0, (a, b) => a ^ b),
};
