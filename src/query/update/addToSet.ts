import { bsonTypeOf, deepClone, isDocument, valuesEqual, type Collation } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { documentToString } from '../../bson/index.js';
import { ModifierNode, NOOP, type ModifyResult } from './modifier_node.js';
import { lastName, type PathStep } from './path_support.js';
import type { ApplyContext } from './update_node.js';

/**
 * $addToSet (https://www.mongodb.com/docs/manual/reference/operator/update/addToSet/), optionally with $each:
 * appends the values not already in the array (equality under the collation), in their given order, without
 * duplicates among themselves.
 */
export class AddToSetNode extends ModifierNode {
  readonly operatorName = '$addToSet';

  constructor(private readonly values: readonly unknown[]) {
    super();
  }


  protected updateExisting(ctx: ApplyContext, current: unknown, path: readonly PathStep[]): ModifyResult {
    if (!Array.isArray(current)) {
      throw mongoError(
        'BadValue',
        `Cannot apply $addToSet to non-array field. Field named '${lastName(path)}' has non-array type ${bsonTypeOf(current)}`,
      );
    }
    const toAdd = dedupe(this.values, ctx.collation).filter((v) => !current.some((e) => valuesEqual(e, v, ctx.collation)));
    if (toAdd.length === 0) return NOOP;
    return { kind: 'update', value: [...current, ...toAdd.map((v) => deepClone(v))] };
  }

  protected override valueForNew(ctx: ApplyContext): unknown {
    return dedupe(this.values, ctx.collation).map((v) => deepClone(v));
  }
}

function dedupe(values: readonly unknown[], collation: Collation | null): unknown[] {
  const out: unknown[] = [];
  for (const v of values) if (!out.some((o) => valuesEqual(o, v, collation))) out.push(v);
  return out;
}

export function parseAddToSet(_field: string, value: unknown): AddToSetNode {
  if (isDocument(value)) {
    const keys = Object.keys(value);
    if (keys[0] === '$each') {
      const each = value.$each;
      if (!Array.isArray(each)) {
        throw mongoError('TypeMismatch', `The argument to $each in $addToSet must be an array but it was of type ${bsonTypeOf(each)}`);
      }
      if (keys.length > 1) {
        throw mongoError('BadValue', `Found unexpected fields after $each in $addToSet: ${documentToString(value)}`);
      }
      return new AddToSetNode(each);
    }
  }
  return new AddToSetNode([value]);
}
