import { bsonTypeOf, isNumeric, toNumber } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { elementToString } from '../../bson/index.js';
import { ModifierNode, NOOP, type ModifyResult } from './modifier_node.js';
import { dotted, type PathStep } from './path_support.js';

/**
 * $pop (https://www.mongodb.com/docs/manual/reference/operator/update/pop/): 1 removes the last element, -1 the
 * first. An empty array or a missing field is a no-op.
 */
export class PopNode extends ModifierNode {
  readonly operatorName = '$pop';

  constructor(private readonly fromFront: boolean) {
    super();
  }

  protected override allowCreation(): boolean {
    return false;
  }

  protected updateExisting(_ctx: unknown, current: unknown, path: readonly PathStep[]): ModifyResult {
    if (!Array.isArray(current)) {
      throw mongoError('TypeMismatch', `Path '${dotted(path)}' contains an element of non-array type '${bsonTypeOf(current)}'`);
    }
    if (current.length === 0) return NOOP;
    return { kind: 'update', value: this.fromFront ? current.slice(1) : current.slice(0, -1) };
  }
}

export function parsePop(field: string, value: unknown): PopNode {
  if (!isNumeric(value)) throw mongoError('FailedToParse', `Expected a number in: ${elementToString(field, value)}`);
  const n = toNumber(value);
  if (!Number.isInteger(n)) throw mongoError('FailedToParse', `Expected an integer: ${elementToString(field, value)}`);
  if (n !== 1 && n !== -1) throw mongoError('FailedToParse', `$pop expects 1 or -1, found: ${n}`);
  return new PopNode(n === -1);
}
