import { deepClone } from '../../bson/index.js';
import { identical } from './identical.js';
import { ModifierNode, NOOP, type ModifyResult } from './modifier_node.js';

/**
 * $set (https://www.mongodb.com/docs/manual/reference/operator/update/set/): writes the value, creating the path.
 * Writing a value identical to the current one (same BSON type and bytes) is a no-op, so it does not count in
 * nModified.
 */
export class SetNode extends ModifierNode {
  readonly operatorName: string = '$set';

  constructor(protected readonly value: unknown) {
    super();
  }


  protected updateExisting(_ctx: unknown, current: unknown): ModifyResult {
    return identical(current, this.value) ? NOOP : { kind: 'update', value: deepClone(this.value) };
  }

  protected override valueForNew(): unknown {
    return deepClone(this.value);
  }
}

export function parseSet(_field: string, value: unknown): SetNode {
  return new SetNode(value);
}
