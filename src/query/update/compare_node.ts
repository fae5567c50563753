import { compareValues, deepClone } from '../../bson/index.js';
import { ModifierNode, NOOP, type ModifyResult } from './modifier_node.js';
import type { ApplyContext } from './update_node.js';

/**
 * $min and $max (mongod's CompareNode): replace the value when the operand is smaller (larger) under MongoDB's
 * total order and the collation; equal values, even of another numeric type, are left alone.
 */
export class CompareNode extends ModifierNode {
  readonly operatorName: string;

  constructor(private readonly mode: 'min' | 'max', private readonly operand: unknown) {
    super();
    this.operatorName = mode === 'min' ? '$min' : '$max';
  }


  protected updateExisting(ctx: ApplyContext, current: unknown): ModifyResult {
    const cmp = compareValues(current, this.operand, ctx.collation);
    if (cmp === 0 || (this.mode === 'max' ? cmp > 0 : cmp < 0)) return NOOP;
    return { kind: 'update', value: deepClone(this.operand) };
  }

  protected override valueForNew(): unknown {
    return deepClone(this.operand);
  }
}
