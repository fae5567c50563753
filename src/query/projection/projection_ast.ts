import { bsonTypeOf, isDocument, isNumeric, toNumber, type Collation, type Document } from '../../bson/index.js';
import { elementToString } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { compileExpression, isExpressionName, validateFieldPath } from '../expressions/index.js';
import { compileFilter } from '../filter/index.js';
import { parseFindSlice, type FindSlice } from './slice.js';

/**
 * The parsed form of a find() projection (mongod's projection_ast and projection_parser): a tree of paths whose
 * leaves include or exclude a field, compute it from an expression, or apply a find-only operator ($slice,
 * $elemMatch, the positional `$`).
 */

export type ProjectionLeaf =
  | { readonly kind: 'include' }
  | { readonly kind: 'exclude' }
  | { readonly kind: 'expression'; readonly evaluate: (root: Document) => unknown }
  | { readonly kind: 'slice'; readonly slice: FindSlice }
  | { readonly kind: 'elemMatch'; readonly matcher: ReturnType<typeof compileFilter> }
  | { readonly kind: 'positional' };

export class PathNode {
  readonly kind = 'path' as const;
  /** Children in the order the projection named them. */
  readonly children = new Map<string, ProjectionNode>();
}

export type ProjectionNode = PathNode | ProjectionLeaf;

export interface ParsedProjection {
  readonly root: PathNode;
  readonly type: 'inclusion' | 'exclusion';
  /** The dotted path (without `.$`) of a positional projection. */
  readonly positionalPath: string[] | null;
}

export interface ParseOptions {
  /** The query, needed by a positional projection (`a.$`). */
  readonly filter?: Document | null;
  readonly collation?: Collation | null;
}

function addNodeAtPath(root: PathNode, path: readonly string[], node: ProjectionNode): void {
  let cur = root;
  for (let i = 0; i < path.length; i++) {
    const name = path[i]!;
    const child = cur.children.get(name);
    if (i === path.length - 1) {
      if (child) throw new MongoServerError(31250, `Path collision at ${path.join('.')}`);
      cur.children.set(name, node);
      return;
    }
    if (!child) {
      const next = new PathNode();
      cur.children.set(name, next);
      cur = next;
    } else if (child instanceof PathNode) {
      cur = child;
    } else {
      throw new MongoServerError(31249, `Path collision at ${path.join('.')} remaining portion ${path.slice(i + 1).join('.')}`);
    }
  }
}

/** Where the first positional `$` is: `.$.` inside the path, `.$` at its end, or the whole path `$`. */
function findFirstPositional(path: string): [number, number] | null {
  const inner = path.indexOf('.$.');
  if (inner !== -1) return [inner, inner + 3];
  if (path.endsWith('.$')) return [path.length - 2, path.length];
  if (path === '$') return [0, path.length];
  return null;
}

/** Does the query constrain a path starting with `field` (through $and/$or/$nor)? */
function queryMentions(filter: Document, field: string): boolean {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' || key === '$or' || key === '$nor') {
      if (Array.isArray(value) && value.some((sub) => isDocument(sub) && queryMentions(sub, field))) return true;
    } else if (!key.startsWith('$') && key.split('.')[0] === field) {
      return true;
    }
  }
  return false;
}

const META_NAMES = new Set([
  'textScore', 'randVal', 'searchScore', 'searchHighlights', 'sortKey', 'recordId', 'indexKey', 'geoNearDistance',
  'geoNearPoint', 'searchScoreDetails', 'vectorSearchScore', 'score', 'scoreDetails', 'searchSequenceToken',
]);

class Parser {
  idSpecified = false;
  idIncludedEntirely = false;
  hasPositional = false;
  hasElemMatch = false;
  hasFindSlice = false;
  positionalPath: string[] | null = null;
  type: 'inclusion' | 'exclusion' | null = null;

  constructor(private readonly options: ParseOptions) {}

  parseElement(name: string, value: unknown, parentPath: string[] | null, parent: PathNode): void {
    const positional = findFirstPositional(name);
    if (isDocument(value)) {
      if (positional) throw new MongoServerError(31271, 'positional projection cannot be used with an expression or sub object');
      this.parseSubObject(name, value, parentPath, parent);
    } else if (typeof value === 'boolean' || isNumeric(value)) {
      const truthy = typeof value === 'boolean' ? value : toNumber(value) !== 0;
      if (truthy) this.parseInclusion(name, parentPath, parent, positional);
      else this.parseExclusion(name, parent);
    } else {
      if (positional) throw new MongoServerError(31308, 'positional projection cannot be used with a literal');
      this.parseLiteral(name, value, parent);
    }
  }

  private parseInclusion(name: string, parentPath: string[] | null, parent: PathNode, positional: [number, number] | null): void {
    const topLevelId = name === '_id' && parentPath === null;
    if (!positional) {
      addNodeAtPath(parent, validateFieldPath(name), { kind: 'include' });
      if (topLevelId) this.idIncludedEntirely = true;
    } else {
      if (this.hasPositional) throw new MongoServerError(31276, 'Cannot specify more than one positional projection per query.');
      if (this.hasElemMatch) throw new MongoServerError(31256, 'Cannot specify positional operator and $elemMatch.');
      const matchField = parentPath ? parentPath[0]! : name.split('.')[0]!;
      const filter = this.options.filter;
      if (!filter) throw new MongoServerError(51050, 'Projections with a positional operator require a matcher');
      if (!queryMentions(filter, matchField)) {
        throw new MongoServerError(31277, `Positional projection '${name}' does not match the query document.`);
      }
      if (name.endsWith('.$.')) throw new MongoServerError(31270, "Path cannot end with '.$.'");
      const rest = name.slice(positional[1]);
      if (findFirstPositional(rest) !== null || rest === '$') {
        throw new MongoServerError(31287, `Cannot use positional operator twice: ${name}`);
      }
      const path = validateFieldPath(name.slice(0, positional[0]));
      addNodeAtPath(parent, path, { kind: 'positional' });
      this.positionalPath = [...(parentPath ?? []), ...path];
      this.hasPositional = true;
    }
    if (!topLevelId) {
      if (this.type === 'exclusion') {
        throw new MongoServerError(31253, `Cannot do inclusion on field ${name} in exclusion projection`);
      }
      this.type = 'inclusion';
    }
  }

  private parseExclusion(name: string, parent: PathNode): void {
    addNodeAtPath(parent, validateFieldPath(name), { kind: 'exclude' });
    const topLevelId = name === '_id' && parent.kind === 'path' && this.isRoot(parent);
    if (!topLevelId) {
      if (this.type === 'inclusion') {
        throw new MongoServerError(31254, `Cannot do exclusion on field ${name} in inclusion projection`);
      }
      this.type = 'exclusion';
    }
  }

  root = new PathNode();

  private isRoot(node: PathNode): boolean {
    return node === this.root;
  }

  private parseLiteral(name: string, value: unknown, parent: PathNode): void {
    const evaluate = compileExpression(value, { collation: this.options.collation ?? null });
    addNodeAtPath(parent, validateFieldPath(name), { kind: 'expression', evaluate: (root) => evaluate(root) });
    if (this.type === 'exclusion') {
      throw new MongoServerError(31310, `Cannot use an expression ${elementToString(name, value)} in an exclusion projection`);
    }
    this.type = 'inclusion';
  }

  private parseSubObject(name: string, obj: Document, parentPath: string[] | null, parent: PathNode): void {
    const path = validateFieldPath(name);
    const keys = Object.keys(obj);
    if (keys.length === 1 && keys[0]!.startsWith('$')) {
      if (this.parseSubObjectAsExpression(path, keys[0]!, obj[keys[0]!], parentPath, parent)) return;
      throw new MongoServerError(31325, `Unknown expression ${keys[0]}`);
    }
    if (keys.length === 0) {
      throw new MongoServerError(51270, `An empty sub-projection is not a valid value. Found empty object at path ${name}`);
    }
    const node = new PathNode();
    addNodeAtPath(parent, path, node);
    const full = [...(parentPath ?? []), ...path];
    for (const key of keys) this.parseElement(key, obj[key], full, node);
  }

  private parseSubObjectAsExpression(path: string[], op: string, arg: unknown, parentPath: string[] | null, parent: PathNode): boolean {
    if (op === '$slice') {
      let slice: FindSlice;
      try {
        slice = parseFindSlice(arg);
      } catch (findError) {
        // Not the find syntax: maybe the aggregation $slice expression ({$slice: ['$a', 2]}).
        try {
          this.addExpression(path, { $slice: arg }, parent);
          return true;
        } catch {
          throw findError;
        }
      }
      addNodeAtPath(parent, path, { kind: 'slice', slice });
      this.hasFindSlice = true;
      return true;
    }
    if (op === '$elemMatch') {
      if (!isDocument(arg)) {
        throw new MongoServerError(31274, `elemMatch: Invalid argument, object required, but got ${bsonTypeOf(arg)}`);
      }
      if (this.hasPositional) throw new MongoServerError(31255, 'Cannot specify positional operator and $elemMatch.');
      if (path.length !== 1 || parentPath !== null) {
        throw new MongoServerError(31275, 'Cannot use $elemMatch projection on a nested field.');
      }
      const matcher = compileFilter({ [path[0]!]: { $elemMatch: arg } }, { collation: this.options.collation ?? null });
      addNodeAtPath(parent, path, { kind: 'elemMatch', matcher });
      this.hasElemMatch = true;
      return true;
    }
    if (op === '$meta') {
      const name = typeof arg === 'string' ? arg : '';
      if (!META_NAMES.has(name)) throw new MongoServerError(17308, `Unsupported argument to $meta: ${String(arg)}`);
      if (name === 'textScore') {
        throw new MongoServerError(40218, 'query requires text score metadata, but it is not available');
      }
      throw mongoError('NotImplemented', `$meta: '${name}' is not supported in projections by eddydb`);
    }
    if (!isExpressionName(op)) return false;
    if (this.type === 'exclusion') {
      throw new MongoServerError(31252, 'Cannot use expression other than $meta in exclusion projection');
    }
    this.addExpression(path, { [op]: arg }, parent);
    return true;
  }

  private addExpression(path: string[], expr: Document, parent: PathNode): void {
    const evaluate = compileExpression(expr, { collation: this.options.collation ?? null });
    addNodeAtPath(parent, path, { kind: 'expression', evaluate: (root) => evaluate(root) });
    this.type = 'inclusion';
  }
}

/** Parses a find() projection with mongod's rules and errors (31249-31325, 51050, 51270, 17308, 40218). */
export function parseProjection(spec: Document, options: ParseOptions = {}): ParsedProjection {
  if (!isDocument(spec)) {
    throw mongoError('TypeMismatch', "Expected field projection to be of type object");
  }
  const p = new Parser(options);
  const root = p.root;
  for (const [name, value] of Object.entries(spec)) {
    p.idSpecified ||= name === '_id' || name.startsWith('_id.');
    p.parseElement(name, value, null, root);
  }
  let type = p.type;
  if (type === null) {
    if (p.idIncludedEntirely) type = 'inclusion';
    else if (p.hasFindSlice) type = 'exclusion';
    else if (p.hasElemMatch) type = 'inclusion';
    else type = 'exclusion';
  }
  if (!p.idSpecified && type === 'inclusion') {
    // _id is included unless the projection says otherwise; it goes where _id is in the document.
    root.children.set('_id', { kind: 'include' });
  }
  if (type === 'exclusion' && p.idIncludedEntirely) root.children.delete('_id');
  return { root, type, positionalPath: p.positionalPath };
}
