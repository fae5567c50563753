import { ModifierNode, type ModifyResult } from './modifier_node.js';
import type { PathStep } from './path_support.js';

/**
 * $unset (https://www.mongodb.com/docs/manual/reference/operator/update/unset/): removes the field; on an array
 * element it writes null instead, keeping the array's length. Missing or unreachable paths are a no-op.
 */
export class UnsetNode extends ModifierNode {
  readonly operatorName = '$unset';

  protected override allowCreation(): boolean {
    return false;
  }

  protected override allowNonViablePath(): boolean {
    return true;
  }

  protected updateExisting(_ctx: unknown, _current: unknown, path: readonly PathStep[]): ModifyResult {
    return path[path.length - 1]!.arrayIndex ? { kind: 'update', value: null } : { kind: 'remove' };
  }
}

export function parseUnset(): UnsetNode {
  return new UnsetNode();
}
