import { compareValues, isDocument, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { elementToString } from '../../bson/index.js';
import { idForMessage } from './arithmetic.js';
import { checkImmutablePathsNotModified } from './modifier_node.js';
import {
  createPathAt, dotted, isArrayFilterIdentifier, lastName, parseArrayIndex, removeAt, replaceAt, valueAt, type PathStep,
} from './path_support.js';
import { validateTopLevelField } from './storage_validation.js';
import type { ApplyContext, UpdateNode } from './update_node.js';

/** The node $rename leaves at its source path: it only reserves the path so other operators conflict with it. */
export class ConflictPlaceholderNode implements UpdateNode {
  readonly type = 'leaf' as const;
  apply(): boolean {
    return true;
  }
}

function isDynamic(parts: readonly string[]): boolean {
  return parts.some((p) => p === '$' || isArrayFilterIdentifier(p));
}

/**
 * $rename (https://www.mongodb.com/docs/manual/reference/operator/update/rename/), placed at the destination path
 * (mongod's RenameNode): a $set of the source's value at the destination followed by an $unset of the source.
 * A missing source is a no-op; neither path may run through an array (BadValue).
 */
export class RenameNode implements UpdateNode {
  readonly type = 'leaf' as const;

  constructor(private readonly from: readonly string[], private readonly to: readonly string[]) {}

  apply(ctx: ApplyContext, taken: readonly PathStep[], toCreate: readonly string[]): boolean {
    const source = this.findSource(ctx.root);
    if (source === null) return true;
    const [fromSteps, value] = source;

    for (let k = fromSteps.length - 1; k >= 1; k--) {
      const ancestor = valueAt(ctx.root, fromSteps.slice(0, k));
      if (Array.isArray(ancestor)) {
        throw mongoError(
          'BadValue',
          `The source field cannot be an array element, '${this.from.join('.')}' in doc with ${idForMessage(ctx.root)} ` +
            `has an array field called '${fromSteps[k - 1]!.name}'`,
        );
      }
    }
    for (let k = toCreate.length === 0 ? taken.length - 1 : taken.length; k >= 1; k--) {
      if (Array.isArray(valueAt(ctx.root, taken.slice(0, k)))) {
        throw mongoError(
          'BadValue',
          `The destination field cannot be an array element, '${this.to.join('.')}' in doc with ${idForMessage(ctx.root)} ` +
            `has an array field called '${taken[k - 1]!.name}'`,
        );
      }
    }

    if (toCreate.length === 0) {
      // The same value (by comparison, ignoring collation) already at the destination is left alone.
      if (compareValues(valueAt(ctx.root, taken), value) !== 0) {
        checkImmutablePathsNotModified(taken);
        if (taken.length === 1) validateTopLevelField(taken[0]!.name, value);
        replaceAt(ctx.root, taken, value);
        ctx.log?.push({ kind: 'updated', path: [...taken], value });
      }
    } else {
      const parent = valueAt(ctx.root, taken);
      createPathAt(ctx.root, taken, toCreate, value);
      if (taken.length === 0) validateTopLevelField(toCreate[0]!, valueAt(ctx.root, [{ name: toCreate[0]!, arrayIndex: false }]));
      if (taken.length > 0 && taken[0]!.name === '_id') {
        throw mongoError(
          'ImmutableField',
          `Updating the path '${dotted(taken)}' to ${elementToString(lastName(taken), valueAt(ctx.root, taken))} ` +
            "would modify the immutable field '_id'",
        );
      }
      const path = [...taken, ...toCreate.map((name, i) => ({ name, arrayIndex: i === 0 && Array.isArray(parent) }))];
      ctx.log?.push({ kind: 'created', path, createdIndex: taken.length, value });
    }

    if (this.from[0] === '_id') {
      throw mongoError(
        'ImmutableField',
        `Unsetting the path '${this.from.join('.')}' using $rename would modify the immutable field '_id'`,
      );
    }
    removeAt(ctx.root, fromSteps);
    ctx.log?.push({ kind: 'deleted', path: fromSteps });
    return false;
  }

  /** The source element and its path, null when it does not exist; PathNotViable when the path cannot exist. */
  private findSource(root: Document): [PathStep[], unknown] | null {
    const steps: PathStep[] = [];
    let cur: unknown = root;
    for (const part of this.from) {
      let next: unknown;
      let exists: boolean;
      if (isDocument(cur)) {
        exists = Object.prototype.hasOwnProperty.call(cur, part);
        next = exists ? cur[part] : undefined;
      } else if (Array.isArray(cur) && parseArrayIndex(part) !== null) {
        const idx = parseArrayIndex(part)!;
        exists = idx < cur.length;
        next = exists ? cur[idx] : undefined;
      } else {
        throw mongoError(
          'PathNotViable',
          `cannot use the part (${part} of ${this.from.join('.')}) to traverse the element ` +
            `({${elementToString(lastName(steps), cur)}})`,
        );
      }
      if (!exists) return null;
      steps.push({ name: part, arrayIndex: Array.isArray(cur) });
      cur = next;
    }
    return [steps, cur];
  }
}

/** RenameNode::init's checks; `from` and `to` have passed the general update-path checks. */
export function parseRename(from: readonly string[], to: readonly string[], fieldName: string, value: string): RenameNode {
  const shown = elementToString(fieldName, value);
  if (value.includes('\0')) throw mongoError('BadValue', "The 'to' field for $rename cannot contain an embedded null byte");
  if (from.join('.') === to.join('.')) {
    throw mongoError('BadValue', `The source and target field for $rename must differ: ${shown}`);
  }
  const prefix = (a: readonly string[], b: readonly string[]) => a.length < b.length && a.every((p, i) => p === b[i]);
  if (prefix(from, to) || prefix(to, from)) {
    throw mongoError('BadValue', `The source and target field for $rename must not be on the same path: ${shown}`);
  }
  if (isDynamic(from)) throw mongoError('BadValue', `The source field for $rename may not be dynamic: ${from.join('.')}`);
  if (isDynamic(to)) throw mongoError('BadValue', `The destination field for $rename may not be dynamic: ${to.join('.')}`);
  return new RenameNode(from, to);
}
