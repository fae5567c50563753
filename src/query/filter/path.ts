import { isDocument } from '../../bson/index.js';
import { MISSING } from './types.js';

/**
 * Receives one value a path yields, with the index of the outermost array that was traversed to reach it (for
 * the positional `$` operator); returns true to stop the walk (a match was found).
 */
export type PathVisitor = (value: unknown, arrayOffset: string | undefined) => boolean;

const allDigits = /^[0-9]+$/;
const arrayIndex = /^(?:0|[1-9][0-9]*)$/;

/**
 * The value of field `name` in a document, or MISSING. An array standing in for a document (an array element
 * matched by `$elemMatch` object form) has the fields "0", "1", ..., as BSON stores it.
 */
function componentValue(container: unknown, name: string): unknown {
  if (Array.isArray(container)) {
    if (!arrayIndex.test(name)) return MISSING;
    const i = Number(name);
    return i < container.length ? container[i] : MISSING;
  }
  if ((container as { _bsontype?: unknown })._bsontype === 'DBRef') return dbRefField(container, name);
  return Object.prototype.hasOwnProperty.call(container, name) ? (container as Record<string, unknown>)[name] : MISSING;
}

function dbRefField(ref: unknown, name: string): unknown {
  const r = ref as { collection: string; oid: unknown; db?: string; fields?: Record<string, unknown> };
  if (name === '$ref') return r.collection;
  if (name === '$id') return r.oid;
  if (name === '$db') return r.db === undefined ? MISSING : r.db;
  return r.fields && Object.prototype.hasOwnProperty.call(r.fields, name) ? r.fields[name] : MISSING;
}

/**
 * Walks dotted path `parts` (from `start`) through `root` the way mongod's BSONElementIterator does, calling
 * `visit` for every value the path yields; returns true as soon as `visit` does.
 *
 * - Documents are descended into; a scalar before the end of the path yields MISSING, as does an absent field.
 * - An array met before the end of the path is traversed: each element that is a document continues with the
 *   rest of the path; when the next component is all digits, the element at that index is also taken (the
 *   component indexes the array), whether it is a document, a nested array (traversed with the remaining path)
 *   or, when the index ends the path, any value. Elements that are arrays are not otherwise descended into.
 * - An array at the end of the path yields each element and then the array itself when `traverseLeafArrays`,
 *   else only the array ($size and $elemMatch look at the array as a whole).
 */
export function visitPath(
  root: unknown,
  parts: readonly string[],
  start: number,
  traverseLeafArrays: boolean,
  visit: PathVisitor,
): boolean {
  let current = root;
  let i = start;
  let value: unknown;
  for (;;) {
    value = componentValue(current, parts[i]!);
    if (value === MISSING || Array.isArray(value)) break;
    if (isDocument(value)) {
      i++;
      if (i === parts.length) break;
      current = value;
      continue;
    }
    // A scalar with path left over: mongod's getFieldDottedOrArray returns EOO.
    if (i + 1 < parts.length) value = MISSING;
    break;
  }
  if (!Array.isArray(value)) return visit(value, undefined);
  return visitArray(value, parts, i + 1, traverseLeafArrays, visit);
}

function visitArray(
  array: unknown[],
  parts: readonly string[],
  next: number,
  traverseLeafArrays: boolean,
  visit: PathVisitor,
): boolean {
  // mongod tests the rest of the path as a joined string, so a trailing empty component ('a.') counts as none.
  const hasMore = next < parts.length && !(next === parts.length - 1 && parts[next] === '');
  if (!hasMore) {
    if (!traverseLeafArrays) return visit(array, undefined);
    for (let k = 0; k < array.length; k++) {
      if (visit(array[k], String(k))) return true;
    }
    return visit(array, undefined);
  }
  const piece = parts[next]!;
  const pieceIsIndex = allDigits.test(piece);
  const pieceEndsPath = next === parts.length - 1;
  for (let k = 0; k < array.length; k++) {
    const element = array[k];
    const name = String(k);
    const offsetMatch = pieceIsIndex && piece === name;
    if (isDocument(element)) {
      // Values found inside carry this array's index: the outermost traversal wins.
      if (visitPath(element, parts, next, traverseLeafArrays, (v) => visit(v, name))) return true;
      if (!offsetMatch) continue;
      // Reached through an explicit index, so no array offset is reported for these.
      if (pieceEndsPath) {
        if (visit(element, undefined)) return true;
      } else if (visitPath(element, parts, next + 1, traverseLeafArrays, visit)) {
        return true;
      }
    } else if (offsetMatch) {
      if (pieceEndsPath) {
        if (visit(element, undefined)) return true;
      } else if (Array.isArray(element)) {
        if (visitArray(element, parts, next + 1, traverseLeafArrays, visit)) return true;
      }
    }
  }
  return false;
}
