import { mongoError } from '../../errors/index.js';
import { elementToString } from '../../bson/index.js';
import {
  checkViability, createPathAt, dotted, lastName, removeAt, replaceAt, valueAt, type PathStep,
} from './path_support.js';
import { validateTopLevelField } from './storage_validation.js';
import type { ApplyContext, UpdateNode } from './update_node.js';

/** What a modifier did to an existing element (mongod's ModifierNode::ModifyResult). */
export type ModifyResult =
  | { readonly kind: 'noop' }
  /** The value at the path is replaced by `value`. */
  | { readonly kind: 'update'; readonly value: unknown }
  /** The field is removed from its document ($unset, $rename's source). */
  | { readonly kind: 'remove' }
  /** The array at the path became `value` by appending its last `count` elements and nothing else. */
  | { readonly kind: 'append'; readonly value: unknown[]; readonly count: number };

export const NOOP: ModifyResult = { kind: 'noop' };

/** Paths an update may not change. Only `_id` here; a sharded engine would add the shard key. */
const IMMUTABLE_PATHS: readonly string[][] = [['_id']];

function commonPrefixSize(a: readonly string[], b: readonly string[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * A leaf of the update tree: one operator applied at one path (mongod's ModifierNode). Subclasses say how the
 * operator changes an existing value and, when it may create missing paths, what value it creates; this class
 * handles the walk, path creation, `_id` immutability, storage validation and logging.
 */
export abstract class ModifierNode implements UpdateNode {
  readonly type = 'leaf' as const;
  /** `$set`, `$inc`, ... for messages. */
  abstract readonly operatorName: string;

  /** $setOnInsert only acts when the update inserts an upserted document. */
  protected insertOnly(): boolean {
    return false;
  }

  /** Most operators create missing paths ($set, $inc, $push, ...); $pop, $pull and $unset do not. */
  protected allowCreation(): boolean {
    return true;
  }

  /** $unset ignores paths that could not exist; $pop/$pull fail on them (PathNotViable). */
  protected allowNonViablePath(): boolean {
    return false;
  }

  /** The change to an existing element; `path` is where it sits (for messages). */
  protected abstract updateExisting(ctx: ApplyContext, value: unknown, path: readonly PathStep[]): ModifyResult;

  /** The value written when the path is missing (only called when {@link allowCreation} is true). */
  protected valueForNew(_ctx: ApplyContext): unknown {
    throw new Error(`${this.operatorName} does not create paths`);
  }

  apply(ctx: ApplyContext, taken: readonly PathStep[], toCreate: readonly string[]): boolean {
    if (this.insertOnly() && !ctx.isUpsertInsert) return true;
    return toCreate.length > 0 ? this.applyToNonexistent(ctx, taken, toCreate) : this.applyToExisting(ctx, taken);
  }

  private applyToExisting(ctx: ApplyContext, taken: readonly PathStep[]): boolean {
    const result = this.updateExisting(ctx, valueAt(ctx.root, taken), taken);
    if (result.kind === 'noop') return true;
    checkImmutablePathsNotModified(taken);
    if (result.kind === 'remove') {
      removeAt(ctx.root, taken);
      ctx.log?.push({ kind: 'deleted', path: [...taken] });
      return false;
    }
    if (taken.length === 1) validateTopLevelField(taken[0]!.name, result.value);
    replaceAt(ctx.root, taken, result.value);
    if (result.kind === 'append') {
      // Only the appended elements are logged, as `a.<i>`, like mongod's kArrayAppendUpdate.
      const start = result.value.length - result.count;
      for (let i = start; i < result.value.length; i++) {
        ctx.log?.push({
          kind: 'created', path: [...taken, { name: String(i), arrayIndex: true }], createdIndex: taken.length,
          value: result.value[i],
        });
      }
    } else {
      ctx.log?.push({ kind: 'updated', path: [...taken], value: result.value });
    }
    return false;
  }

  private applyToNonexistent(ctx: ApplyContext, taken: readonly PathStep[], toCreate: readonly string[]): boolean {
    if (!this.allowCreation()) {
      if (!this.allowNonViablePath()) checkViability(ctx.root, taken, toCreate);
      return true;
    }
    const value = this.valueForNew(ctx);
    const parent = valueAt(ctx.root, taken);
    createPathAt(ctx.root, taken, toCreate, value);
    if (taken.length === 0) validateTopLevelField(toCreate[0]!, valueAt(ctx.root, [{ name: toCreate[0]!, arrayIndex: false }]));
    const takenNames = taken.map((s) => s.name);
    for (const immutable of IMMUTABLE_PATHS) {
      // Creating a field below `_id` changes `_id`; creating `_id` itself where there was none is allowed.
      if (commonPrefixSize(takenNames, immutable) === immutable.length) {
        throw mongoError(
          'ImmutableField',
          `Updating the path '${dotted(taken)}' to ${elementToString(lastName(taken), valueAt(ctx.root, taken))} ` +
            `would modify the immutable field '${immutable.join('.')}'`,
        );
      }
    }
    const path: PathStep[] = [
      ...taken,
      ...toCreate.map((name, i) => ({ name, arrayIndex: i === 0 && Array.isArray(parent) })),
    ];
    ctx.log?.push({ kind: 'created', path, createdIndex: taken.length, value });
    return false;
  }
}

/**
 * checkImmutablePathsNotModified: changing an element on, above or below `_id` is ImmutableField (66) "Performing
 * an update on the path '_id' would modify the immutable field '_id'".
 */
export function checkImmutablePathsNotModified(taken: readonly PathStep[]): void {
  const names = taken.map((s) => s.name);
  for (const immutable of IMMUTABLE_PATHS) {
    if (commonPrefixSize(names, immutable) >= Math.min(names.length, immutable.length)) {
      throw mongoError(
        'ImmutableField',
        `Performing an update on the path '${names.join('.')}' would modify the immutable field '${immutable.join('.')}'`,
      );
    }
  }
}
