import { calculateObjectSize } from '../bson/index.js';
import { Int32, bsonTypeOf, compareValues, deepClone, isDocument, setField, toNumber, type Document } from '../bson/index.js';

/**
 * The `updateDescription` of an `update` change event, computed the way mongod derives it from its $v:2 "delta"
 * oplog entries (https://www.mongodb.com/docs/manual/reference/change-events/update/).
 *
 * mongod builds the delta in one of two ways, and so does this module:
 *  - for operator updates ($set, $push, ...) the update itself logs what it changed; pass the `log` returned by
 *    `compileUpdate(...).apply()` as `options.updateLog`. `$set: {'a.b': 1}` is then reported as `a.b` even when
 *    the whole of `a` is tiny, and `$push` to a non-empty array as `arr.<i>`.
 *  - for pipeline updates (and whenever no log is given) the delta is the difference between the before and after
 *    documents (doc_diff::computeDocDiff): fields compared in order, sub-documents and arrays of the same type
 *    compared recursively unless describing their changes would take more bytes than the new value, a shortened
 *    array reported in `truncatedArrays`.
 *
 * The delta is then read the way the change stream reads it (change_stream_document_diff_parser): at each level
 * updated fields, then inserted fields, then removed fields, then the nested levels in order.
 */

/** One logged change (structurally the same as query/update's UpdateLogEntry). */
export interface LoggedChange {
  readonly kind: 'updated' | 'created' | 'deleted';
  readonly path: readonly { readonly name: string; readonly arrayIndex: boolean }[];
  readonly createdIndex?: number;
  readonly value?: unknown;
}

export interface UpdateDescription {
  updatedFields: Document;
  removedFields: string[];
  truncatedArrays: { field: string; newSize: number }[];
  /** Only with showExpandedEvents: every reported path with a numeric field name or a dotted field name. */
  disambiguatedPaths?: Document;
}

export interface UpdateDescriptionOptions {
  /** Adds `disambiguatedPaths` (always present then, `{}` when no path is ambiguous). */
  showExpandedEvents?: boolean;
  /** The changes an operator update logged while it ran; without it the before/after difference is used. */
  updateLog?: readonly LoggedChange[];
}

// ---- the delta tree (mongod's diff_tree) ------------------------------------------------------------------------

interface Leaf {
  readonly type: 'update' | 'insert' | 'delete';
  readonly value?: unknown;
}

/** A document that existed before: fields updated, inserted, deleted, and nested deltas. */
interface DocDelta {
  readonly type: 'doc';
  readonly children: Map<string, Node>;
  readonly updates: [string, Leaf][];
  readonly inserts: [string, Leaf | InsertedDoc][];
  readonly deletes: string[];
  readonly subDeltas: [string, DocDelta | ArrayDelta][];
  size: number;
}

/** A document created by the update along a created path. */
interface InsertedDoc {
  readonly type: 'insertedDoc';
  readonly children: Map<string, Node>;
  readonly inserts: [string, Leaf | InsertedDoc][];
}

/** An array that existed before: elements replaced or appended by index, and an optional new length. */
interface ArrayDelta {
  readonly type: 'array';
  readonly children: Map<number, Node>;
  resize?: number;
  size: number;
}

type Node = Leaf | DocDelta | InsertedDoc | ArrayDelta;

/** mongod's approximate sizes for choosing between a nested delta and a whole value. */
const EMPTY_DOC_DELTA_SIZE = 5;
const EMPTY_ARRAY_DELTA_SIZE = 9;
const SECTION_WRAP_SIZE = 8;
/** The `$v` and `diff` fields around a delta in the oplog entry. */
const DELTA_METADATA_SIZE = 15;

function newDocDelta(padding = 0): DocDelta {
  return { type: 'doc', children: new Map(), updates: [], inserts: [], deletes: [], subDeltas: [], size: padding + EMPTY_DOC_DELTA_SIZE };
}

function newArrayDelta(): ArrayDelta {
  return { type: 'array', children: new Map(), size: EMPTY_ARRAY_DELTA_SIZE };
}

/** The BSON size of a value without its type byte and field name. */
function valueSize(v: unknown): number {
  return calculateObjectSize({ '': v }) - 7;
}

function entrySize(node: Node): number {
  switch (node.type) {
    case 'doc':
    case 'array':
      return node.size;
    case 'insertedDoc':
      return 0;
    case 'delete':
      return 1;
    default:
      return valueSize(node.value);
  }
}

function addToDoc(parent: DocDelta | InsertedDoc, name: string, node: Node): void {
  parent.children.set(name, node);
  if (parent.type === 'insertedDoc') {
    parent.inserts.push([name, node as Leaf | InsertedDoc]);
    return;
  }
  parent.size += Buffer.byteLength(name) + 2 + entrySize(node);
  switch (node.type) {
    case 'doc':
    case 'array':
      parent.size += 1;
      parent.subDeltas.push([name, node]);
      break;
    case 'insert':
    case 'insertedDoc':
      if (parent.inserts.length === 0) parent.size += SECTION_WRAP_SIZE;
      parent.inserts.push([name, node]);
      break;
    case 'delete':
      if (parent.deletes.length === 0) parent.size += SECTION_WRAP_SIZE;
      parent.deletes.push(name);
      break;
    case 'update':
      if (parent.updates.length === 0) parent.size += SECTION_WRAP_SIZE;
      parent.updates.push([name, node]);
      break;
  }
}

function addToArray(parent: ArrayDelta, index: number, node: Node): void {
  parent.size += 1 + String(index).length + 2 + entrySize(node);
  parent.children.set(index, node);
}

function setResize(parent: ArrayDelta, size: number): void {
  parent.resize = size;
  parent.size += 1 + 4 + 2;
}

// ---- delta from the before and after documents (doc_diff::computeDocDiff) ---------------------------------------

function sameStructuredType(a: unknown, b: unknown): 'object' | 'array' | null {
  const t = bsonTypeOf(a);
  if (t !== bsonTypeOf(b)) return null;
  if (t === 'array') return 'array';
  return t === 'object' && isDocument(a) && isDocument(b) ? 'object' : null;
}

function subDelta(pre: unknown, post: unknown, kind: 'object' | 'array', ignoreSizeLimit: boolean): DocDelta | ArrayDelta | null {
  return kind === 'object'
    ? docDelta(pre as Document, post as Document, ignoreSizeLimit)
    : arrayDelta(pre as unknown[], post as unknown[], ignoreSizeLimit);
}

function arrayDelta(pre: readonly unknown[], post: readonly unknown[], ignoreSizeLimit: boolean): ArrayDelta | null {
  const delta = newArrayDelta();
  const postSize = valueSize(post);
  const common = Math.min(pre.length, post.length);
  for (let i = 0; i < common; i++) {
    if (!ignoreSizeLimit && postSize < delta.size) return null;
    if (identical(pre[i], post[i])) continue;
    const kind = sameStructuredType(pre[i], post[i]);
    const sub = kind ? subDelta(pre[i], post[i], kind, ignoreSizeLimit) : null;
    addToArray(delta, i, sub ?? { type: 'update', value: post[i] });
  }
  for (let i = common; i < post.length; i++) addToArray(delta, i, { type: 'update', value: post[i] });
  if (pre.length > post.length) setResize(delta, post.length);
  return ignoreSizeLimit || postSize > delta.size ? delta : null;
}

function docDelta(pre: Document, post: Document, ignoreSizeLimit: boolean, padding = 0, limitHere = !ignoreSizeLimit): DocDelta | null {
  const delta = newDocDelta(padding);
  const postSize = calculateObjectSize(post);
  const preKeys = Object.keys(pre);
  const postKeys = Object.keys(post);
  const deletes = new Set<string>();
  let i = 0;
  let j = 0;
  while (i < preKeys.length && j < postKeys.length) {
    if (limitHere && postSize < delta.size) return null;
    const pk = preKeys[i]!;
    const qk = postKeys[j]!;
    if (pk === qk) {
      if (!identical(pre[pk], post[qk])) {
        const kind = sameStructuredType(pre[pk], post[qk]);
        const sub = kind ? subDelta(pre[pk], post[qk], kind, ignoreSizeLimit) : null;
        addToDoc(delta, pk, sub ?? { type: 'update', value: post[qk] });
      }
      i++;
      j++;
    } else {
      // Removed, unless it shows up later in `post` (then it is re-inserted at its new place).
      deletes.add(pk);
      i++;
    }
  }
  for (; i < preKeys.length; i++) addToDoc(delta, preKeys[i]!, { type: 'delete' });
  for (; j < postKeys.length; j++) {
    addToDoc(delta, postKeys[j]!, { type: 'insert', value: post[postKeys[j]!] });
    deletes.delete(postKeys[j]!);
  }
  for (const name of [...deletes].sort(compareBytes)) addToDoc(delta, name, { type: 'delete' });
  return !limitHere || postSize > delta.size ? delta : null;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Same BSON type and value, with documents' field order significant (mongod's binaryEqual): an int 1 and a double
 * 1.0 differ, so replacing one by the other is a change.
 */
function identical(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const t = bsonTypeOf(a);
  if (t !== bsonTypeOf(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, k) => identical(x, b[k]));
  if (isDocument(a) && isDocument(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, n) => k === kb[n] && identical(a[k], b[k]));
  }
  if (t === 'double') return Object.is(toNumber(a), toNumber(b));
  return compareValues(a, b) === 0;
}

// ---- delta from an update's log (V2LogBuilder) ------------------------------------------------------------------

function deltaFromLog(log: readonly LoggedChange[]): DocDelta {
  const root = newDocDelta();
  for (const change of log) {
    const leaf: Leaf =
      change.kind === 'deleted' ? { type: 'delete' } : { type: change.kind === 'created' ? 'insert' : 'update', value: change.value };
    addAtPath(root, change.path, leaf, change.kind === 'created' ? (change.createdIndex ?? 0) : null);
  }
  return root;
}

function addAtPath(root: DocDelta, path: LoggedChange['path'], leaf: Leaf, firstNew: number | null): void {
  let node: DocDelta | InsertedDoc | ArrayDelta = root;
  for (let i = 0; i < path.length; i++) {
    const part = path[i]!;
    const last = i === path.length - 1;
    const existing: Node | undefined =
      node.type === 'array' ? node.children.get(Number(part.name)) : node.children.get(part.name);
    let child: Node;
    if (last) {
      child = leaf;
    } else if (existing && (existing.type === 'doc' || existing.type === 'array' || existing.type === 'insertedDoc')) {
      node = existing;
      continue;
    } else if (path[i + 1]!.arrayIndex) {
      child = newArrayDelta();
    } else if (firstNew !== null && i >= firstNew) {
      child = { type: 'insertedDoc', children: new Map(), inserts: [] };
    } else {
      child = newDocDelta();
    }
    if (node.type === 'array') addToArray(node, Number(part.name), child);
    else addToDoc(node, part.name, child);
    if (last) return;
    node = child as DocDelta | InsertedDoc | ArrayDelta;
  }
}

// ---- reading a delta as an update description (change_stream_document_diff_parser) -----------------------------

interface PathPart {
  readonly name: string;
  readonly arrayIndex: boolean;
  /** Whether the path up to and including this part is ambiguous. */
  readonly ambiguous: boolean;
}

function isNumericStrict(s: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(s);
}

function extend(path: readonly PathPart[], name: string, arrayIndex: boolean): PathPart[] {
  const before = path.length > 0 && path[path.length - 1]!.ambiguous;
  // A numeric field name (not at the top level) or a field name with a dot could be read as another path.
  const numeric = !arrayIndex && path.length > 0 && isNumericStrict(name);
  const dottedName = !arrayIndex && !numeric && name.includes('.');
  return [...path, { name, arrayIndex, ambiguous: before || numeric || dottedName }];
}

class DescriptionBuilder {
  readonly updatedFields: Document = {};
  readonly removedFields: string[] = [];
  readonly truncatedArrays: { field: string; newSize: number }[] = [];
  readonly disambiguatedPaths: Document = {};

  private record(path: readonly PathPart[]): string {
    const field = path.map((p) => p.name).join('.');
    if (path.length > 0 && path[path.length - 1]!.ambiguous) {
      this.disambiguatedPaths[field] = path.map((p) => (p.arrayIndex ? new Int32(Number(p.name)) : p.name));
    }
    return field;
  }

  updated(path: readonly PathPart[], value: unknown): void {
    const field = this.record(path);
    setField(this.updatedFields, field, value);
  }

  removed(path: readonly PathPart[]): void {
    this.removedFields.push(this.record(path));
  }

  truncated(path: readonly PathPart[], newSize: number): void {
    this.truncatedArrays.push({ field: this.record(path), newSize });
  }
}

function materialize(node: Leaf | InsertedDoc): unknown {
  if (node.type !== 'insertedDoc') return deepClone(node.value);
  const out: Document = {};
  for (const [name, child] of node.inserts) {
    setField(out, name, materialize(child));
  }
  return out;
}

function readDoc(delta: DocDelta, path: readonly PathPart[], out: DescriptionBuilder): void {
  for (const [name, leaf] of delta.updates) out.updated(extend(path, name, false), deepClone(leaf.value));
  for (const [name, node] of delta.inserts) out.updated(extend(path, name, false), materialize(node));
  for (const name of delta.deletes) out.removed(extend(path, name, false));
  for (const [name, sub] of delta.subDeltas) {
    const p = extend(path, name, false);
    if (sub.type === 'doc') readDoc(sub, p, out);
    else readArray(sub, p, out);
  }
}

function readArray(delta: ArrayDelta, path: readonly PathPart[], out: DescriptionBuilder): void {
  if (delta.resize !== undefined) out.truncated(path, delta.resize);
  for (const [index, node] of [...delta.children.entries()].sort((a, b) => a[0] - b[0])) {
    const p = extend(path, String(index), true);
    switch (node.type) {
      case 'doc':
        readDoc(node, p, out);
        break;
      case 'array':
        readArray(node, p, out);
        break;
      case 'delete':
        break;
      default:
        out.updated(p, materialize(node));
    }
  }
}

// ---- serialization ($v:2 diff format) ---------------------------------------------------------------------------

function serializeDoc(delta: DocDelta): Document {
  const out: Document = {};
  if (delta.deletes.length > 0) out.d = Object.fromEntries(delta.deletes.map((n) => [n, false]));
  if (delta.updates.length > 0) out.u = Object.fromEntries(delta.updates.map(([n, l]) => [n, l.value]));
  if (delta.inserts.length > 0) out.i = Object.fromEntries(delta.inserts.map(([n, node]) => [n, materialize(node)]));
  for (const [name, sub] of delta.subDeltas) out[`s${name}`] = sub.type === 'doc' ? serializeDoc(sub) : serializeArray(sub);
  return out;
}

function serializeArray(delta: ArrayDelta): Document {
  const out: Document = { a: true };
  if (delta.resize !== undefined) out.l = new Int32(delta.resize);
  for (const [index, node] of [...delta.children.entries()].sort((a, b) => a[0] - b[0])) {
    if (node.type === 'doc') out[`s${index}`] = serializeDoc(node);
    else if (node.type === 'array') out[`s${index}`] = serializeArray(node);
    else if (node.type !== 'delete') out[`u${index}`] = materialize(node);
  }
  return out;
}

// ---- API --------------------------------------------------------------------------------------------------------

/**
 * The $v:2 delta mongod would write for a pipeline-style update turning `before` into `after`, or null when the
 * delta would not be smaller than `after`, in which case mongod logs the new document as a replacement and a change
 * stream reports a `replace` event instead of an `update`.
 */
export function computeOplogDiff(before: Document, after: Document): Document | null {
  const delta = docDelta(before, after, false, DELTA_METADATA_SIZE);
  if (delta === null) return null;
  const diff = serializeDoc(delta);
  return calculateObjectSize(diff) < calculateObjectSize(after) ? diff : null;
}

/**
 * The update description of a change from `before` to `after`: `updatedFields` (dotted paths, array elements as
 * `field.<index>`), `removedFields`, `truncatedArrays` (always present) and, with `showExpandedEvents`,
 * `disambiguatedPaths` (always present then). With `options.updateLog` the description follows what the operator
 * update logged; otherwise it is the document difference (when even that is larger than `after`, mongod would
 * have logged a replacement; this function still describes the change, sub-levels chosen as mongod would).
 */
export function computeUpdateDescription(before: Document, after: Document, options: UpdateDescriptionOptions = {}): UpdateDescription {
  const delta = options.updateLog
    ? deltaFromLog(options.updateLog)
    : (docDelta(before, after, false, DELTA_METADATA_SIZE) ?? docDelta(before, after, false, DELTA_METADATA_SIZE, false)!);
  const builder = new DescriptionBuilder();
  readDoc(delta, [], builder);
  const description: UpdateDescription = {
    updatedFields: builder.updatedFields,
    removedFields: builder.removedFields,
    truncatedArrays: builder.truncatedArrays,
  };
  if (options.showExpandedEvents) description.disambiguatedPaths = builder.disambiguatedPaths;
  return description;
}
