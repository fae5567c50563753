import type { Timestamp } from '../../bson/index.js';
import type { Collation, Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { elementToString } from '../../bson/index.js';
import { MISSING } from '../filter/types.js';
import { compareBinary, comparePathComponents, dotted, getChild, lastName, valueAt, type PathStep } from './path_support.js';

/**
 * The update tree mongod builds from an operator-style update (UpdateObjectNode / UpdateArrayNode and modifier
 * leaves). Interior nodes mirror the path components of every `$op: {path: value}`; applying the tree walks the
 * document once, children in mongod's path order, so new fields are appended in that order and each leaf can
 * decide whether it changed anything.
 */

/**
 * One change as mongod's $v:2 log builder records it while an update runs: the path (with which components are
 * array indexes), what happened, and the value written. The change-stream code turns a list of these into an
 * `updateDescription` exactly as mongod does for operator updates (see oplog/update_description.ts).
 */
export interface UpdateLogEntry {
  readonly kind: 'updated' | 'created' | 'deleted';
  readonly path: readonly PathStep[];
  /** For 'created': the index in `path` of the first component that did not exist before. */
  readonly createdIndex?: number;
  /** For 'updated' and 'created': the value now at `path` (shared with the result document; copy before keeping). */
  readonly value?: unknown;
}

/** Everything a node needs while it is applied to one document. */
export interface ApplyContext {
  /** The working copy being modified in place. */
  readonly root: Document;
  /** The array index the query matched, for the positional `$` (MatchDetails.elemMatchKey). */
  readonly matchedField: string | undefined;
  readonly isUpsertInsert: boolean;
  readonly collation: Collation | null;
  /** arrayFilters by identifier: does this array element match? */
  readonly arrayFilters: ReadonlyMap<string, (element: unknown) => boolean>;
  /** $currentDate's values: one instant for the whole update, as mongod. */
  readonly now: Date;
  readonly timestamp: Timestamp;
  /** Where modifications are logged; null while an array node collects its children's changes itself. */
  log: UpdateLogEntry[] | null;
}

export interface UpdateNode {
  readonly type: 'object' | 'array' | 'leaf';
  /**
   * Applies the node to the element at `taken` (which exists) extended by `toCreate` (components that do not
   * exist yet). Returns true when nothing changed.
   */
  apply(ctx: ApplyContext, taken: readonly PathStep[], toCreate: readonly string[]): boolean;
}

/** Mutable traversal state of one interior node: the existing prefix and the missing rest. */
interface Cursor {
  taken: PathStep[];
  toCreate: string[];
}

/**
 * Applies `child` to the component `field` below the cursor. When the child creates the missing components, the
 * cursor moves onto them, so later siblings see the path as existing (mongod's applyChild).
 */
function applyChild(ctx: ApplyContext, child: UpdateNode, field: string, cur: Cursor): boolean {
  let noop: boolean;
  if (cur.toCreate.length === 0) {
    const element = valueAt(ctx.root, cur.taken);
    if (getChild(element, field) !== MISSING) {
      noop = child.apply(ctx, [...cur.taken, { name: field, arrayIndex: Array.isArray(element) }], []);
    } else {
      noop = child.apply(ctx, cur.taken, [field]);
    }
    return noop;
  }
  noop = child.apply(ctx, cur.taken, [...cur.toCreate, field]);
  let element = valueAt(ctx.root, cur.taken);
  if (getChild(element, cur.toCreate[0]!) !== MISSING) {
    // Either the whole missing path was created or none of it.
    for (const name of cur.toCreate) {
      cur.taken.push({ name, arrayIndex: Array.isArray(element) });
      element = getChild(element, name);
    }
    cur.toCreate = [];
  }
  return noop;
}

/** An interior node for a path component that is a field name (or array index) of the document. */
export class ObjectNode implements UpdateNode {
  readonly type = 'object' as const;
  readonly children = new Map<string, UpdateNode>();
  positional: UpdateNode | null = null;
  private ordered: [string, UpdateNode][] | null = null;

  getChild(field: string): UpdateNode | undefined {
    return field === '$' ? (this.positional ?? undefined) : this.children.get(field);
  }

  setChild(field: string, node: UpdateNode): void {
    if (field === '$') this.positional = node;
    else this.children.set(field, node);
    this.ordered = null;
  }

  apply(ctx: ApplyContext, taken: readonly PathStep[], toCreate: readonly string[]): boolean {
    let applyPositional = this.positional !== null;
    if (applyPositional && ctx.matchedField === undefined) {
      throw mongoError('BadValue', 'The positional operator did not find the match needed from the query.');
    }
    const matched = ctx.matchedField ?? '';
    const cur: Cursor = { taken: [...taken], toCreate: [...toCreate] };
    let noop = true;
    this.ordered ??= [...this.children.entries()].sort((a, b) => comparePathComponents(a[0], b[0]));
    for (const [field, child] of this.ordered) {
      if (applyPositional && field === matched) {
        const where = [...cur.taken.map((s) => s.name), ...cur.toCreate, matched];
        noop = applyChild(ctx, mergeNodes(this.positional!, child, where), field, cur) && noop;
        applyPositional = false;
        continue;
      }
      // The positional child is applied where its matched index falls among the named children.
      if (applyPositional && compareBinary(matched, field) < 0) {
        noop = applyChild(ctx, this.positional!, matched, cur) && noop;
        applyPositional = false;
      }
      noop = applyChild(ctx, child, field, cur) && noop;
    }
    if (applyPositional) noop = applyChild(ctx, this.positional!, matched, cur) && noop;
    return noop;
  }
}

/** An interior node whose children are `$[]` (identifier '') and `$[<identifier>]` updates of array elements. */
export class ArrayNode implements UpdateNode {
  readonly type = 'array' as const;
  readonly children = new Map<string, UpdateNode>();

  getChild(identifier: string): UpdateNode | undefined {
    return this.children.get(identifier);
  }

  setChild(identifier: string, node: UpdateNode): void {
    this.children.set(identifier, node);
  }

  apply(ctx: ApplyContext, taken: readonly PathStep[], toCreate: readonly string[]): boolean {
    if (toCreate.length > 0) {
      throw mongoError(
        'BadValue',
        `The path '${dotted([...taken.map((s) => s.name), ...toCreate])}' must exist in the document in order to apply array updates.`,
      );
    }
    const array = valueAt(ctx.root, taken);
    if (!Array.isArray(array)) {
      throw mongoError('BadValue', `Cannot apply array updates to non-array element ${elementToString(lastName(taken), array)}`);
    }
    // Decide which updates apply to which elements before changing any of them.
    const ordered = [...this.children.entries()].sort((a, b) => comparePathComponents(a[0], b[0]));
    const matching = new Map<number, UpdateNode[]>();
    array.forEach((element, i) => {
      for (const [identifier, child] of ordered) {
        if (identifier === '' || ctx.arrayFilters.get(identifier)!(element)) {
          const list = matching.get(i) ?? [];
          list.push(child);
          matching.set(i, list);
        }
      }
    });

    // When several elements may change, mongod logs the array (or the single changed element) itself.
    const childrenLogThemselves = matching.size <= 1;
    const log = ctx.log;
    if (!childrenLogThemselves) ctx.log = null;
    let noop = true;
    let nModified = 0;
    let modifiedIndex = -1;
    try {
      for (const [i, updates] of [...matching.entries()].sort((a, b) => a[0] - b[0])) {
        const where = [...taken.map((s) => s.name), String(i)];
        let merged = updates[0]!;
        for (let j = 1; j < updates.length; j++) merged = mergeNodes(merged, updates[j]!, where);
        const childNoop = merged.apply(ctx, [...taken, { name: String(i), arrayIndex: true }], []);
        if (!childNoop) {
          noop = false;
          nModified++;
          modifiedIndex = i;
        }
      }
    } finally {
      ctx.log = log;
    }
    if (!childrenLogThemselves && ctx.log) {
      if (nModified > 1) {
        ctx.log.push({ kind: 'updated', path: [...taken], value: valueAt(ctx.root, taken) });
      } else if (nModified === 1) {
        const path = [...taken, { name: String(modifiedIndex), arrayIndex: true }];
        ctx.log.push({ kind: 'updated', path, value: valueAt(ctx.root, path) });
      }
    }
    return noop;
  }
}

/**
 * Combines two nodes that apply to the same location (the positional `$` and a named child, or two array filters
 * matching one element). Two leaves, or a leaf and an interior node, conflict: ConflictingUpdateOperators (40)
 * "Update created a conflict at 'a.0'".
 */
export function mergeNodes(left: UpdateNode, right: UpdateNode, where: readonly string[]): UpdateNode {
  if (left instanceof ObjectNode && right instanceof ObjectNode) {
    const merged = new ObjectNode();
    for (const key of new Set([...left.children.keys(), ...right.children.keys()])) {
      const l = left.children.get(key);
      const r = right.children.get(key);
      merged.children.set(key, l && r ? mergeNodes(l, r, [...where, key]) : (l ?? r)!);
    }
    const lp = left.positional;
    const rp = right.positional;
    merged.positional = lp && rp ? mergeNodes(lp, rp, [...where, '$']) : (lp ?? rp);
    return merged;
  }
  if (left instanceof ArrayNode && right instanceof ArrayNode) {
    const merged = new ArrayNode();
    for (const key of new Set([...left.children.keys(), ...right.children.keys()])) {
      const l = left.children.get(key);
      const r = right.children.get(key);
      merged.children.set(key, l && r ? mergeNodes(l, r, [...where, `$[${key}]`]) : (l ?? r)!);
    }
    return merged;
  }
  throw mongoError('ConflictingUpdateOperators', `Update created a conflict at '${where.join('.')}'`);
}
