import { bsonTypeOf, isDocument } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { ModifierNode, type ModifyResult } from './modifier_node.js';
import type { ApplyContext } from './update_node.js';

/**
 * $currentDate (https://www.mongodb.com/docs/manual/reference/operator/update/currentDate/): `true` (or `false`,
 * which mongod also reads as "date") or `{$type: 'date' | 'timestamp'}`. Always a modification.
 */
export class CurrentDateNode extends ModifierNode {
  readonly operatorName = '$currentDate';

  constructor(private readonly asTimestamp: boolean) {
    super();
  }


  protected updateExisting(ctx: ApplyContext): ModifyResult {
    return { kind: 'update', value: this.valueForNew(ctx) };
  }

  protected override valueForNew(ctx: ApplyContext): unknown {
    return this.asTimestamp ? ctx.timestamp : new Date(ctx.now.getTime());
  }
}

export function parseCurrentDate(_field: string, value: unknown): CurrentDateNode {
  if (typeof value === 'boolean') return new CurrentDateNode(false);
  if (isDocument(value)) {
    let asTimestamp: boolean | null = null;
    for (const [key, v] of Object.entries(value)) {
      if (key !== '$type') throw mongoError('BadValue', `Unrecognized $currentDate option: ${key}`);
      if (v === 'date') asTimestamp = false;
      else if (v === 'timestamp') asTimestamp = true;
    }
    if (asTimestamp === null) {
      throw mongoError(
        'BadValue',
        "The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field : {$type: 'date'}}}",
      );
    }
    return new CurrentDateNode(asTimestamp);
  }
  throw mongoError(
    'BadValue',
    `${bsonTypeOf(value)} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ` +
      "({$type: 'timestamp/date'}).",
  );
}
