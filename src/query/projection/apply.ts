import { deepClone, isDocument, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { applyFindSlice } from './slice.js';
import { hasField, setPathValue } from './paths.js';
import { PathNode, type ParsedProjection, type ProjectionNode } from './projection_ast.js';

/**
 * Runs a parsed projection on one document the way mongod's projection executor does: first the inclusion or
 * exclusion pass (fields keep the input document's order), then computed fields in the order the projection named
 * them, then the find-only steps ($slice, positional `$`).
 */

const MISSING = Symbol('missing');

function hasComputed(node: ProjectionNode): boolean {
  if (node instanceof PathNode) return [...node.children.values()].some(hasComputed);
  return node.kind === 'expression' || node.kind === 'elemMatch';
}

// ---- inclusion ----

function includeDocument(node: PathNode, doc: Document): Document {
  const out: Document = {};
  for (const key of Object.keys(doc)) {
    const child = node.children.get(key);
    if (!child) continue;
    if (child instanceof PathNode) {
      const v = includeValue(child, doc[key]);
      if (v !== MISSING) setPathValue(out, key, v);
    } else if (child.kind === 'include' || child.kind === 'slice' || child.kind === 'positional') {
      setPathValue(out, key, deepClone(doc[key]));
    }
  }
  return out;
}

function includeValue(node: PathNode, value: unknown): unknown {
  if (isDocument(value)) return includeDocument(node, value);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const e of value) {
      const v = includeValue(node, e);
      if (v !== MISSING) out.push(v);
    }
    return out;
  }
  // {'a.b': 1} over {a: 2}: nothing to include.
  return MISSING;
}

function applyExpressions(node: PathNode, out: Document, root: Document): void {
  for (const [key, child] of node.children) {
    if (child instanceof PathNode) {
      if (!hasComputed(child)) continue;
      setPathValue(out, key, expressionsOnValue(child, hasField(out, key) ? out[key] : MISSING, root));
    } else if (child.kind === 'expression') {
      const v = child.evaluate(root);
      if (v === undefined) delete out[key];
      else setPathValue(out, key, v);
    } else if (child.kind === 'elemMatch') {
      applyElemMatch(out, key, child.matcher, root);
    }
  }
}

function expressionsOnValue(node: PathNode, value: unknown, root: Document): unknown {
  if (isDocument(value)) {
    applyExpressions(node, value, root);
    return value;
  }
  if (Array.isArray(value)) return value.map((e) => expressionsOnValue(node, e, root));
  // {'a.b': {$literal: 1}} over {a: 1} or a missing `a`: a new document of the computed fields.
  const out: Document = {};
  applyExpressions(node, out, root);
  return out;
}

// ---- exclusion ----

function excludeDocument(node: PathNode, doc: Document): Document {
  const out: Document = {};
  for (const key of Object.keys(doc)) {
    const child = node.children.get(key);
    if (!child) {
      setPathValue(out, key, deepClone(doc[key]));
    } else if (child instanceof PathNode) {
      setPathValue(out, key, excludeValue(child, doc[key]));
    } else if (child.kind !== 'exclude') {
      setPathValue(out, key, deepClone(doc[key]));
    }
  }
  return out;
}

function excludeValue(node: PathNode, value: unknown): unknown {
  if (isDocument(value)) return excludeDocument(node, value);
  if (Array.isArray(value)) return value.map((e) => excludeValue(node, e));
  return deepClone(value);
}

function applyElemMatchesInPlace(node: PathNode, out: Document, root: Document): void {
  for (const [key, child] of node.children) {
    if (!(child instanceof PathNode) && child.kind === 'elemMatch') applyElemMatch(out, key, child.matcher, root);
  }
}

// ---- find-only steps ----

function applyElemMatch(out: Document, key: string, matcher: { matches(doc: Document, details?: { elemMatchKey?: string }): boolean }, root: Document): void {
  const details: { elemMatchKey?: string } = {};
  const array = root[key];
  if (Array.isArray(array) && matcher.matches(root, details) && details.elemMatchKey !== undefined) {
    setPathValue(out, key, [deepClone(array[Number(details.elemMatchKey)])]);
  } else {
    delete out[key];
  }
}

function collectSlices(node: PathNode, prefix: string[], out: [string[], import('./slice.js').FindSlice][]): void {
  for (const [key, child] of node.children) {
    if (child instanceof PathNode) collectSlices(child, [...prefix, key], out);
    else if (child.kind === 'slice') out.push([[...prefix, key], child.slice]);
  }
}

function applyPositional(out: Document, path: readonly string[], matchedIndex: string | undefined): void {
  let cur: unknown = out;
  for (let i = 0; i < path.length; i++) {
    if (!isDocument(cur) || !hasField(cur, path[i]!)) return;
    if (i === path.length - 1) {
      const value = cur[path[i]!];
      if (!Array.isArray(value)) return;
      const idx = matchedIndex === undefined ? NaN : Number(matchedIndex);
      if (!(idx >= 0 && idx < value.length)) {
        throw new MongoServerError(51246, "positional operator '.$' couldn't find a matching element in the array");
      }
      setPathValue(cur, path[i]!, [value[idx]]);
      return;
    }
    cur = cur[path[i]!];
  }
}

/** Projects `doc` (never modified) with `parsed`; `positionalIndex` is the query's elemMatchKey for `a.$`. */
export function applyProjection(parsed: ParsedProjection, doc: Document, positionalIndex: () => string | undefined): Document {
  let out: Document;
  if (parsed.type === 'inclusion') {
    out = includeDocument(parsed.root, doc);
    applyExpressions(parsed.root, out, doc);
  } else {
    out = excludeDocument(parsed.root, doc);
    applyElemMatchesInPlace(parsed.root, out, doc);
  }
  const slices: [string[], import('./slice.js').FindSlice][] = [];
  collectSlices(parsed.root, [], slices);
  for (const [path, slice] of slices) applyFindSlice(out, path, slice);
  if (parsed.positionalPath) applyPositional(out, parsed.positionalPath, positionalIndex());
  return out;
}
