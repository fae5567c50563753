import { Int32, Long, bsonTypeOf, isDocument } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { elementToString } from '../../bson/index.js';
import { idForMessage } from './arithmetic.js';
import { identical } from './identical.js';
import { ModifierNode, NOOP, type ModifyResult } from './modifier_node.js';
import { lastName, type PathStep } from './path_support.js';
import type { ApplyContext } from './update_node.js';

type BitOp = { readonly op: 'and' | 'or' | 'xor'; readonly operand: unknown };

function asBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if ((v as { _bsontype?: unknown })._bsontype === 'Long') return (v as Long).toBigInt();
  return BigInt((v as Int32).value);
}

/**
 * $bit (https://www.mongodb.com/docs/manual/reference/operator/update/bit/): bitwise and/or/xor of an int or long
 * field with int or long operands, applied in the order given; with a long on either side the result is a long.
 */
export class BitNode extends ModifierNode {
  readonly operatorName = '$bit';

  constructor(private readonly ops: readonly BitOp[]) {
    super();
  }


  protected updateExisting(ctx: ApplyContext, current: unknown, path: readonly PathStep[]): ModifyResult {
    const t = bsonTypeOf(current);
    if (t !== 'int' && t !== 'long') {
      throw mongoError(
        'BadValue',
        `Cannot apply $bit to a value of non-integral type.{${idForMessage(ctx.root)}} has the field ${lastName(path)} ` +
          `of non-integer type ${t}`,
      );
    }
    const result = this.compute(current);
    return identical(result, current) ? NOOP : { kind: 'update', value: result };
  }

  protected override valueForNew(): unknown {
    return this.compute(new Int32(0));
  }

  private compute(start: unknown): unknown {
    let isLong = bsonTypeOf(start) === 'long';
    let acc = asBigInt(start);
    for (const { op, operand } of this.ops) {
      isLong ||= bsonTypeOf(operand) === 'long';
      const x = asBigInt(operand);
      acc = op === 'and' ? acc & x : op === 'or' ? acc | x : acc ^ x;
    }
    return isLong ? Long.fromBigInt(BigInt.asIntN(64, acc)) : new Int32(Number(BigInt.asIntN(32, acc)));
  }
}

export function parseBit(_field: string, value: unknown): BitNode {
  if (!isDocument(value)) {
    throw mongoError(
      'BadValue',
      `The $bit modifier is not compatible with a ${bsonTypeOf(value)}. You must pass in an embedded document: ` +
        '{$bit: {field: {and/or/xor: #}}',
    );
  }
  const ops: BitOp[] = [];
  for (const [key, operand] of Object.entries(value)) {
    if (key !== 'and' && key !== 'or' && key !== 'xor') {
      throw mongoError(
        'BadValue',
        `The $bit modifier only supports 'and', 'or', and 'xor', not '${key}' which is an unknown operator: ` +
          `{${elementToString(key, operand)}}`,
      );
    }
    const t = bsonTypeOf(operand);
    if (t !== 'int' && t !== 'long') {
      throw mongoError(
        'BadValue',
        `The $bit modifier field must be an Integer(32/64 bit); a '${t}' is not supported here: {${elementToString(key, operand)}}`,
      );
    }
    ops.push({ op: key, operand });
  }
  if (ops.length === 0) {
    throw mongoError('BadValue', `You must pass in at least one bitwise operation. The format is: {$bit: {field: {and/or/xor: #}}`);
  }
  return new BitNode(ops);
}
