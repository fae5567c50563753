import { elementToString, isDocument, isNumeric, setField, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { coerceToBool, isExpressionName, validateFieldPath, type Evaluator, type ParseContext, type Scope } from '../expressions/index.js';

/**
 * Aggregation projections, shared by $project (inclusion or exclusion, with computed fields), $addFields/$set
 * (computed fields only) and $unset (exclusion). Parsing follows mongod's projection_ast parser (errors 31249,
 * 31250, 31252, 31253, 31254, 31310, 31324, 31325, 31394, 51270, 51272); applying follows its projection executor:
 * inclusions keep the input's field order and recurse into arrays, computed fields come after in spec order (an
 * existing field is replaced in place), and a computed field under a non-document value replaces that value with
 * a document of the computed fields (`{'ns.viewOn': 'x'}` gives `ns: {viewOn: 'x'}`).
 *
 * Outputs are new objects along every changed path; unchanged sub-values are shared with the input.
 */

type Leaf = { readonly kind: 'include' } | { readonly kind: 'exclude' } | { readonly kind: 'expr'; readonly ev: Evaluator };

interface Node {
  readonly kind: 'node';
  readonly children: Map<string, Child>;
  /** True when the subtree holds a computed field. */
  computed: boolean;
}

type Child = Leaf | Node;

export type ProjectionType = 'inclusion' | 'exclusion' | 'addition';

/** A parsed projection, ready to apply to many documents. */
export interface Projection {
  readonly type: ProjectionType;
  readonly root: Node;
}

const INCLUDE: Leaf = { kind: 'include' };
const EXCLUDE: Leaf = { kind: 'exclude' };

function newNode(): Node {
  return { kind: 'node', children: new Map(), computed: false };
}

function addNodeAtPath(root: Node, parts: readonly string[], child: Child): void {
  let node = root;
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i]!;
    const existing = node.children.get(name);
    if (i === parts.length - 1) {
      if (existing) throw new MongoServerError(31250, `Path collision at ${parts.join('.')}`);
      node.children.set(name, child);
      return;
    }
    if (!existing) {
      const inner = newNode();
      node.children.set(name, inner);
      node = inner;
    } else if (existing.kind !== 'node') {
      throw new MongoServerError(31249, `Path collision at ${parts.join('.')} remaining portion ${parts.slice(1).join('.')}`);
    } else {
      node = existing;
    }
  }
}

function findInnerNode(root: Node, parts: readonly string[]): Node | null {
  let node: Node = root;
  for (const name of parts) {
    const child = node.children.get(name);
    if (!child || child.kind !== 'node') return null;
    node = child;
  }
  return node;
}

function markComputed(node: Node): boolean {
  let computed = false;
  for (const child of node.children.values()) {
    if (child.kind === 'expr') computed = true;
    else if (child.kind === 'node' && markComputed(child)) computed = true;
  }
  node.computed = computed;
  return computed;
}

class Parser {
  type: 'inclusion' | 'exclusion' | undefined;
  idIncluded = false;
  idExcluded = false;
  readonly root = newNode();

  constructor(
    private readonly mode: 'project' | 'addFields',
    private readonly ctx: ParseContext,
  ) {}

  element(key: string, value: unknown, parent: Node, isRoot: boolean): void {
    if (key.endsWith('.$')) throw new MongoServerError(31324, 'Cannot use positional projection in aggregation projection');
    if (key.includes('.$.')) {
      throw new MongoServerError(
        31394,
        "As of 4.4, it's illegal to specify positional operator in the middle of a path.Positional projection may only be used at the end, for example: a.b.$. If the query previously used a form like a.b.$.d, remove the parts following the '$' and the results will be equivalent.",
      );
    }
    if (isDocument(value) && !(this.mode === 'addFields' && Object.keys(value).length === 0)) {
      this.subObject(key, value, parent);
    } else if (this.mode === 'project' && (typeof value === 'boolean' || isNumeric(value))) {
      if (coerceToBool(value)) this.inclusion(key, parent, isRoot);
      else this.exclusion(key, parent, isRoot);
    } else {
      this.literal(key, value, parent);
    }
  }

  private subObject(key: string, obj: Document, parent: Node): void {
    const keys = Object.keys(obj);
    if (keys.length === 0) {
      throw new MongoServerError(51270, 'An empty sub-projection is not a valid value. Found empty object at path');
    }
    const path = validateFieldPath(key);
    if (keys.length === 1 && keys[0]!.startsWith('$')) {
      if (!isExpressionName(keys[0]!)) throw new MongoServerError(31325, `Unknown expression ${keys[0]}`);
      if (this.mode === 'project') {
        if (this.type === 'exclusion') {
          throw new MongoServerError(31252, 'Cannot use expression other than $meta in exclusion projection');
        }
        this.type = 'inclusion';
      }
      addNodeAtPath(parent, path, { kind: 'expr', ev: this.ctx.parse(obj) });
      return;
    }
    let node = findInnerNode(parent, path);
    if (!node) {
      node = newNode();
      addNodeAtPath(parent, path, node);
    }
    for (const k of keys) this.element(k, obj[k], node, false);
  }

  private inclusion(key: string, parent: Node, isRoot: boolean): void {
    addNodeAtPath(parent, validateFieldPath(key), INCLUDE);
    if (isRoot && key === '_id') {
      this.idIncluded = true;
      return;
    }
    if (this.type === 'exclusion') throw new MongoServerError(31253, `Cannot do inclusion on field ${key} in exclusion projection`);
    this.type = 'inclusion';
  }

  private exclusion(key: string, parent: Node, isRoot: boolean): void {
    addNodeAtPath(parent, validateFieldPath(key), EXCLUDE);
    if (isRoot && key === '_id') {
      this.idExcluded = true;
      return;
    }
    if (this.type === 'inclusion') throw new MongoServerError(31254, `Cannot do exclusion on field ${key} in inclusion projection`);
    this.type = 'exclusion';
  }

  private literal(key: string, value: unknown, parent: Node): void {
    const path = validateFieldPath(key);
    const ev = this.ctx.parse(value);
    addNodeAtPath(parent, path, { kind: 'expr', ev });
    if (this.mode === 'project') {
      if (this.type === 'exclusion') {
        throw new MongoServerError(31310, `Cannot use an expression ${elementToString(key, value)} in an exclusion projection`);
      }
      this.type = 'inclusion';
    }
  }
}

/**
 * Parses a $project (`mode` 'project') or $addFields (`mode` 'addFields') specification. Errors carry mongod's
 * codes; the stage adds its "Invalid $project :: caused by ::" context.
 */
export function parseProjection(spec: Document, mode: 'project' | 'addFields', ctx: ParseContext): Projection {
  const keys = Object.keys(spec);
  if (mode === 'project' && keys.length === 0) {
    throw new MongoServerError(51272, 'projection specification must have at least one field');
  }
  const parser = new Parser(mode, ctx);
  for (const key of keys) parser.element(key, spec[key], parser.root, true);
  const root = parser.root;
  let type: ProjectionType;
  if (mode === 'addFields') {
    type = 'addition';
  } else {
    // With only _id mentioned, {_id: 1} is an inclusion and {_id: 0} an exclusion.
    type = parser.type ?? (parser.idIncluded ? 'inclusion' : 'exclusion');
    const idSpecified = keys.some((k) => k === '_id' || k.startsWith('_id.'));
    if (!idSpecified && type === 'inclusion') root.children.set('_id', INCLUDE);
    if (type === 'exclusion' && parser.idIncluded) root.children.delete('_id');
  }
  markComputed(root);
  return { type, root };
}

/** The exclusion projection of $unset: each path removed (collisions are 31249/31250, as in mongod). */
export function exclusionOf(paths: readonly string[]): Projection {
  const root = newNode();
  for (const p of paths) addNodeAtPath(root, validateFieldPath(p), EXCLUDE);
  return { type: 'exclusion', root };
}

/** Applies a parsed projection to one document; `scope` supplies $$ROOT/$$CURRENT and variables. */
export function applyProjection(p: Projection, doc: Document, scope: Scope): Document {
  switch (p.type) {
    case 'exclusion':
      return excludeDocument(p.root, doc);
    case 'inclusion': {
      const out = includeDocument(p.root, doc);
      if (p.root.computed) applyExpressions(p.root, out, scope);
      return out;
    }
    case 'addition': {
      const out = copyDocument(doc);
      applyExpressions(p.root, out, scope);
      return out;
    }
  }
}

function copyDocument(doc: Document): Document {
  const out: Document = {};
  for (const key of Object.keys(doc)) setField(out, key, doc[key]);
  return out;
}

function includeDocument(node: Node, doc: Document): Document {
  const out: Document = {};
  for (const key of Object.keys(doc)) {
    const child = node.children.get(key);
    if (!child) continue;
    if (child.kind === 'include') {
      setField(out, key, doc[key]);
    } else if (child.kind === 'node') {
      const v = includeValue(child, doc[key]);
      if (v !== undefined) setField(out, key, v);
    }
  }
  return out;
}

function includeValue(node: Node, v: unknown): unknown {
  if (isDocument(v)) return includeDocument(node, v);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const el of v) {
      const projected = includeValue(node, el);
      if (projected !== undefined) out.push(projected);
    }
    return out;
  }
  // A scalar under a sub-projection is dropped by an inclusion.
  return undefined;
}

function excludeDocument(node: Node, doc: Document): Document {
  const out: Document = {};
  for (const key of Object.keys(doc)) {
    const child = node.children.get(key);
    if (!child) setField(out, key, doc[key]);
    else if (child.kind === 'node') setField(out, key, excludeValue(child, doc[key]));
  }
  return out;
}

function excludeValue(node: Node, v: unknown): unknown {
  if (isDocument(v)) return excludeDocument(node, v);
  if (Array.isArray(v)) return v.map((el) => excludeValue(node, el));
  return v;
}

function applyExpressions(node: Node, out: Document, scope: Scope): void {
  for (const [key, child] of node.children) {
    if (child.kind === 'expr') {
      const v = child.ev(scope);
      if (v === undefined) delete out[key];
      else setField(out, key, v);
    } else if (child.kind === 'node' && child.computed) {
      const existing = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
      setField(out, key, expressionsOnValue(child, existing, scope));
    }
  }
}

function expressionsOnValue(node: Node, v: unknown, scope: Scope): unknown {
  if (isDocument(v)) {
    const copy = copyDocument(v);
    applyExpressions(node, copy, scope);
    return copy;
  }
  if (Array.isArray(v)) return v.map((el) => expressionsOnValue(node, el, scope));
  // A missing or scalar value is replaced by a document of the computed fields.
  const fresh: Document = {};
  applyExpressions(node, fresh, scope);
  return fresh;
}

/** Runs `parse` and prefixes any error with mongod's stage context ("Invalid $project :: caused by :: ..."). */
export function withStageContext<T>(stage: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof MongoServerError) {
      throw new MongoServerError(err.code, `Invalid ${stage} :: caused by :: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
