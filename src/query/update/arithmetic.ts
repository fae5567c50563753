import { Int32, addNumbers, bsonTypeOf, deepClone, isNumeric, multiplyNumbers, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { elementToString, valueToString } from '../../bson/index.js';
import { identical } from './identical.js';
import { ModifierNode, NOOP, type ModifyResult } from './modifier_node.js';
import type { ApplyContext } from './update_node.js';
import { lastName, type PathStep } from './path_support.js';

/** How mongod names the document in update errors: `_id: 1`, or `no id`. */
export function idForMessage(root: Document): string {
  return Object.prototype.hasOwnProperty.call(root, '_id') ? elementToString('_id', root._id) : 'no id';
}

/** SafeNum::debugString, used in the overflow message. */
function safeNumString(v: unknown): string {
  const names: Record<string, string> = { int: 'NumberInt', long: 'NumberLong', double: 'NumberDouble', decimal: 'NumberDecimal' };
  return `(${names[bsonTypeOf(v)] ?? 'EOO'})${valueToString(v)}`;
}

/**
 * $inc and $mul (mongod's ArithmeticNode). The result type follows MongoDB's numeric rules (int + int overflowing
 * is a long, anything with a double is a double, with a decimal a decimal); a long overflow is BadValue (2).
 * A result identical to the current value (e.g. `$inc: {a: 0}` on an int) is a no-op.
 */
export class ArithmeticNode extends ModifierNode {
  readonly operatorName: string;

  constructor(private readonly op: 'add' | 'multiply', private readonly operand: unknown) {
    super();
    this.operatorName = op === 'add' ? '$inc' : '$mul';
  }


  protected updateExisting(ctx: ApplyContext, current: unknown, path: readonly PathStep[]): ModifyResult {
    if (!isNumeric(current)) {
      throw mongoError(
        'TypeMismatch',
        `Cannot apply ${this.operatorName} to a value of non-numeric type. {${idForMessage(ctx.root)}} has the field ` +
          `'${lastName(path)}' of non-numeric type ${bsonTypeOf(current)}`,
      );
    }
    const result = this.op === 'add' ? addNumbers(current, this.operand, 'fail') : multiplyNumbers(current, this.operand, 'fail');
    if (result === null) {
      throw mongoError(
        'BadValue',
        `Failed to apply ${this.operatorName} operations to current value (${safeNumString(current)}) for document ` +
          `{${idForMessage(ctx.root)}}`,
      );
    }
    return identical(result, current) ? NOOP : { kind: 'update', value: result };
  }

  protected override valueForNew(): unknown {
    // $mul on a missing field writes 0 of the multiplier's type.
    return this.op === 'add' ? deepClone(this.operand) : multiplyNumbers(this.operand, new Int32(0), 'fail');
  }
}

function checkNumericOperand(op: 'increment' | 'multiply', field: string, value: unknown): void {
  if (!isNumeric(value)) {
    throw mongoError('TypeMismatch', `Cannot ${op} with non-numeric argument: {${elementToString(field, value)}}`);
  }
}

export function parseArithmetic(op: 'add' | 'multiply', field: string, value: unknown): ArithmeticNode {
  checkNumericOperand(op === 'add' ? 'increment' : 'multiply', field, value);
  return new ArithmeticNode(op, value);
}
