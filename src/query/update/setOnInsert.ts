import { SetNode } from './set.js';

/**
 * $setOnInsert (https://www.mongodb.com/docs/manual/reference/operator/update/setOnInsert/): $set that only acts
 * when an upsert inserts; otherwise a no-op (its path still takes part in conflict checks).
 */
export class SetOnInsertNode extends SetNode {
  override readonly operatorName = '$setOnInsert';

  protected override insertOnly(): boolean {
    return true;
  }
}

export function parseSetOnInsert(_field: string, value: unknown): SetOnInsertNode {
  return new SetOnInsertNode(value);
}
