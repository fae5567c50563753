import { getField, isDocument, mapDocuments, setField, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { approximateSize, MAX_EXPRESSION_VALUE_BYTES, valueTooLarge, type Scope } from '../expressions/index.js';
import type { CompiledFilter } from '../filter/index.js';
import { PathNode, type Projection } from './projection_ast.js';
import { applyFindSlice } from './slice.js';

/**
 * Runs a parsed projection on one document as mongod's projection executor does: first the inclusion or exclusion
 * pass (fields keep the input's order, through arrays and embedded documents), then computed fields in the order
 * the projection named them (an existing field is replaced in place), then find's `$slice`s and positional `$`.
 *
 * The input is never modified: every document and array along a projected path is new, and values the projection
 * leaves alone are shared with the input.
 */

/** Projects `doc`. `positionalIndex` gives the array index the query matched, for find's `a.$`. */
export function applyProjection(projection: Projection, doc: Document, scope: Scope, positionalIndex?: () => string | undefined): Document {
  let out: Document;
  switch (projection.type) {
    case 'inclusion':
      out = includeDocument(projection.root, doc);
      break;
    case 'exclusion':
      out = excludeDocument(projection.root, doc);
      break;
    case 'addition':
      out = copyDocument(doc);
      break;
  }
  // An exclusion's only computed fields are find's $elemMatch.
  if (projection.root.computed) applyComputed(projection.root, out, scope, doc, { bytes: 0 });
  for (const [path, slice] of projection.slices) applyFindSlice(out, path, slice);
  if (projection.positionalPath) applyPositional(out, projection.positionalPath, positionalIndex?.());
  return out;
}

function copyDocument(doc: Document): Document {
  const out: Document = {};
  for (const key of Object.keys(doc)) setField(out, key, doc[key]);
  return out;
}

// ---- inclusion ----

function includeDocument(node: PathNode, doc: Document): Document {
  const out: Document = {};
  for (const key of Object.keys(doc)) {
    const child = node.children.get(key);
    if (!child) continue;
    if (child instanceof PathNode) {
      const v = includeValue(child, doc[key]);
      if (v !== undefined) setField(out, key, v);
    } else if (child.kind === 'include' || child.kind === 'slice' || child.kind === 'positional') {
      setField(out, key, doc[key]);
    }
  }
  return out;
}

/** undefined for a scalar under a sub-projection (`{'a.b': 1}` over `{a: 2}`): an inclusion drops it. */
function includeValue(node: PathNode, value: unknown): unknown {
  return mapDocuments(value, (doc) => includeDocument(node, doc), () => undefined);
}

// ---- exclusion ----

function excludeDocument(node: PathNode, doc: Document): Document {
  const out: Document = {};
  for (const key of Object.keys(doc)) {
    const child = node.children.get(key);
    if (!child) setField(out, key, doc[key]);
    else if (child instanceof PathNode) setField(out, key, excludeValue(child, doc[key]));
    else if (child.kind !== 'exclude') setField(out, key, doc[key]);
  }
  return out;
}

function excludeValue(node: PathNode, value: unknown): unknown {
  if (isDocument(value)) return excludeDocument(node, value);
  if (Array.isArray(value)) return value.map((element) => excludeValue(node, element));
  return value;
}

// ---- computed fields ----

/**
 * What the computed fields of one document add up to. Each value is held by reference, so a projection naming
 * `$$ROOT` twice doubles the document; the total is refused past the limit, as one expression's value is.
 */
interface ComputedBytes {
  bytes: number;
}

function applyComputed(node: PathNode, out: Document, scope: Scope, root: Document, computed: ComputedBytes): void {
  for (const [key, child] of node.children) {
    if (child instanceof PathNode) {
      if (child.computed) setField(out, key, computedOnValue(child, getField(out, key), scope, root, computed));
    } else if (child.kind === 'expression') {
      const v = child.evaluate(scope);
      if (v === undefined) {
        delete out[key];
        continue;
      }
      computed.bytes += approximateSize(v);
      if (computed.bytes > MAX_EXPRESSION_VALUE_BYTES) throw valueTooLarge('computed fields', computed.bytes, MAX_EXPRESSION_VALUE_BYTES);
      setField(out, key, v);
    } else if (child.kind === 'elemMatch') {
      applyElemMatch(out, key, child.matcher, root);
    }
  }
}

/** Computed fields below `value`; a missing or scalar value is replaced by a document of the computed fields. */
function computedOnValue(node: PathNode, value: unknown, scope: Scope, root: Document, computed: ComputedBytes): unknown {
  if (isDocument(value)) {
    const copy = copyDocument(value);
    applyComputed(node, copy, scope, root, computed);
    return copy;
  }
  if (Array.isArray(value)) return value.map((element) => computedOnValue(node, element, scope, root, computed));
  const fresh: Document = {};
  applyComputed(node, fresh, scope, root, computed);
  return fresh;
}

// ---- find's operators ----

/** `{a: {$elemMatch: ...}}`: the first element of `root.a` that matches, as a one-element array, else no field. */
function applyElemMatch(out: Document, key: string, matcher: CompiledFilter, root: Document): void {
  const details: { elemMatchKey?: string } = {};
  const array = getField(root, key);
  if (Array.isArray(array) && matcher.matches(root, details) && details.elemMatchKey !== undefined) {
    setField(out, key, [array[Number(details.elemMatchKey)]]);
  } else {
    delete out[key];
  }
}

function applyPositional(out: Document, path: readonly string[], matchedIndex: string | undefined): void {
  let cur: unknown = out;
  for (let i = 0; i < path.length; i++) {
    const name = path[i]!;
    if (!isDocument(cur) || !Object.prototype.hasOwnProperty.call(cur, name)) return;
    if (i === path.length - 1) {
      const value = cur[name];
      if (!Array.isArray(value)) return;
      const idx = matchedIndex === undefined ? NaN : Number(matchedIndex);
      if (!(idx >= 0 && idx < value.length)) {
        throw new MongoServerError(51246, "positional operator '.$' couldn't find a matching element in the array");
      }
      setField(cur, name, [value[idx]]);
      return;
    }
    cur = cur[name];
  }
}
