import { elementToString, isDocument, setField, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { MISSING } from '../filter/types.js';

/**
 * Field-path helpers for the update tree: checks on update paths (mongod's fieldchecker), walking a document by
 * path components (array elements by base-10 index), and creating missing path components (pathsupport).
 */

/** One component of a path as it was found in a document: its name and whether it indexed into an array. */
export interface PathStep {
  readonly name: string;
  readonly arrayIndex: boolean;
}

/** mongod refuses to pad an array with more nulls than this to reach a numeric path component. */
const MAX_PADDING = 1500000;

/** Dotted form of path steps. */
export function dotted(steps: readonly PathStep[] | readonly string[]): string {
  return steps.map((s) => (typeof s === 'string' ? s : s.name)).join('.');
}

/** `$` alone: the positional operator. */
export function isPositionalElement(part: string): boolean {
  return part === '$';
}

/** `$[]` or `$[<identifier>]`. */
export function isArrayFilterIdentifier(part: string): boolean {
  return part.length >= 3 && part.startsWith('$[') && part.endsWith(']');
}

/**
 * Checks an update path the way fieldchecker::isUpdatable does: EmptyFieldName (56) for an empty path or an empty
 * component. Returns the components.
 */
export function parseUpdatePath(path: string): string[] {
  if (path.length === 0) throw mongoError('EmptyFieldName', 'An empty update path is not valid.');
  const parts = path.split('.');
  if (parts.some((p) => p.length === 0)) {
    throw mongoError('EmptyFieldName', `The update path '${path}' contains an empty field name, which is not allowed.`);
  }
  return parts;
}

/** mongod's str::parseUnsignedBase10Integer: digits only (leading zeros allowed), else null. */
export function parseArrayIndex(field: string): number | null {
  if (field.length === 0 || !/^[0-9]+$/.test(field)) return null;
  const n = Number(field);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * mongod's ordering of sibling update paths (pathsupport::cmpPathsAndArrayIndexes): plain string order, except that
 * two numbers without leading zeros compare numerically, so `a.2` is applied before `a.10`.
 */
export function comparePathComponents(a: string, b: string): number {
  const numeric = (s: string) => s.length > 0 && s[0]! >= '0' && s[0]! <= '9' && !(s[0] === '0' && s.length > 1);
  if (!numeric(a) || !numeric(b)) return compareBinary(a, b);
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return compareBinary(a, b);
}

/** Byte-wise (UTF-8) order, as std::string comparison. */
export function compareBinary(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 code unit order equals UTF-8 byte order unless a surrogate pair is involved.
  if (!/[\uD800-\uDFFF]/.test(a) && !/[\uD800-\uDFFF]/.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The child of a document or array named `field`, or MISSING. */
export function getChild(container: unknown, field: string): unknown {
  if (Array.isArray(container)) {
    const idx = parseArrayIndex(field);
    return idx !== null && idx < container.length ? container[idx] : MISSING;
  }
  if (isDocument(container)) return Object.prototype.hasOwnProperty.call(container, field) ? container[field] : MISSING;
  return MISSING;
}

/** The value at a path that is known to exist. */
export function valueAt(root: Document, steps: readonly PathStep[]): unknown {
  let cur: unknown = root;
  for (const s of steps) cur = getChild(cur, s.name);
  return cur;
}

/** Replaces the value at an existing path. */
export function replaceAt(root: Document, steps: readonly PathStep[], value: unknown): void {
  const parent = valueAt(root, steps.slice(0, -1));
  const last = steps[steps.length - 1]!;
  if (Array.isArray(parent)) parent[parseArrayIndex(last.name)!] = value;
  else setField(parent as Document, last.name, value);
}

/** Removes the field at an existing path whose parent is a document. */
export function removeAt(root: Document, steps: readonly PathStep[]): void {
  const parent = valueAt(root, steps.slice(0, -1)) as Document;
  delete parent[steps[steps.length - 1]!.name];
}

/** The name mongod prints for the element at `steps` (its last component; the root has none). */
export function lastName(steps: readonly PathStep[]): string {
  return steps.length === 0 ? '' : steps[steps.length - 1]!.name;
}

/**
 * Creates `toCreate` under the existing element at `taken` (pathsupport::createPathAt), with `value` at the end,
 * padding an array with nulls when the first new component is an index past its end. Throws PathNotViable (28)
 * "Cannot create field 'b' in element {a: 1}" when the existing element cannot hold the new component.
 */
export function createPathAt(root: Document, taken: readonly PathStep[], toCreate: readonly string[], value: unknown): void {
  const parent = valueAt(root, taken);
  let nested = value;
  for (let i = toCreate.length - 1; i >= 1; i--) {
    const obj: Document = {};
    setField(obj, toCreate[i]!, nested);
    nested = obj;
  }
  const first = toCreate[0]!;
  if (isDocument(parent)) {
    setField(parent, first, nested);
    return;
  }
  if (Array.isArray(parent)) {
    const idx = parseArrayIndex(first);
    if (idx !== null) {
      if (idx - parent.length > MAX_PADDING) {
        throw mongoError('BadValue', `can't backfill more than ${MAX_PADDING} elements`);
      }
      while (parent.length < idx) parent.push(null);
      parent[idx] = nested;
      return;
    }
  }
  throw mongoError('PathNotViable', `Cannot create field '${first}' in element {${elementToString(lastName(taken), parent)}}`);
}

/**
 * UpdateLeafNode::checkViability: for operators that never create paths ($pop, $pull, ...), a missing path is a
 * no-op unless the existing prefix ends in a value that could not hold it, which is PathNotViable (28).
 */
export function checkViability(root: Document, taken: readonly PathStep[], toCreate: readonly string[]): void {
  const element = valueAt(root, taken);
  if (isDocument(element)) return;
  if (Array.isArray(element) && parseArrayIndex(toCreate[0]!) !== null) return;
  throw mongoError(
    'PathNotViable',
    `Cannot use the part (${toCreate[0]}) of (${dotted(taken)}.${dotted(toCreate)}) to traverse the element ` +
      `({${elementToString(lastName(taken), element)}})`,
  );
}
