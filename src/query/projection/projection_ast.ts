import { bsonTypeOf, elementToString, isDocument, isNumeric, type Document } from '../../bson/index.js';
import { MongoServerError, mongoError } from '../../errors/index.js';
import { coerceToBool, isExpressionName, validateFieldPath, type Evaluator, type ParseContext } from '../expressions/index.js';
import { compileFilter, type CompiledFilter } from '../filter/index.js';
import { parseFindSlice, type FindSlice } from './slice.js';
import { META_NAMES } from '../expressions/meta.js';

/**
 * The one projection parser, mongod's projection_ast/projection_parser: find's projection, $project, $addFields
 * (and $set) and $unset all parse into this tree, and {@link ProjectionPolicies} say which rules apply, as mongod's
 * ProjectionPolicies do. The tree's paths end in leaves that include or exclude a field, compute it from an
 * expression, or apply one of find's own operators ($slice, $elemMatch, the positional `$`).
 */

export type ProjectionLeaf =
  | { readonly kind: 'include' }
  | { readonly kind: 'exclude' }
  | { readonly kind: 'expression'; readonly evaluate: Evaluator }
  | { readonly kind: 'slice'; readonly slice: FindSlice }
  | { readonly kind: 'elemMatch'; readonly matcher: CompiledFilter }
  | { readonly kind: 'positional' };

export class PathNode {
  readonly kind = 'path' as const;
  /** Children in the order the projection named them: computed fields are added in this order. */
  readonly children = new Map<string, ProjectionNode>();
  /** True when the subtree holds a computed field (an expression or an $elemMatch), set once parsing is done. */
  computed = false;
}

export type ProjectionNode = PathNode | ProjectionLeaf;

/** Inclusion and exclusion keep or drop fields; an addition ($addFields) keeps every field and computes some. */
export type ProjectionType = 'inclusion' | 'exclusion' | 'addition';

export interface Projection {
  readonly type: ProjectionType;
  readonly root: PathNode;
  /** find's `$slice`s, by full path, applied after the other fields. */
  readonly slices: readonly (readonly [readonly string[], FindSlice])[];
  /** The dotted path (without `.$`) of find's positional projection. */
  readonly positionalPath: readonly string[] | null;
}

/** Which rules a projection follows: the caller's, as mongod's ProjectionPolicies. */
export interface ProjectionPolicies {
  /** The positional `$`, `$elemMatch` and the `{$slice: n}` form are find's alone. */
  readonly findOnlyFeatures: boolean;
  /** 'only' for $addFields: every value, 1 and true included, is an expression computing the field. */
  readonly computedFields: 'allow' | 'only';
  /** find takes `{}`; $project refuses it (51272). */
  readonly emptyProjectionAllowed: boolean;
}

export const findProjectionPolicies: ProjectionPolicies = { findOnlyFeatures: true, computedFields: 'allow', emptyProjectionAllowed: true };
export const aggregateProjectionPolicies: ProjectionPolicies = { findOnlyFeatures: false, computedFields: 'allow', emptyProjectionAllowed: false };
export const addFieldsProjectionPolicies: ProjectionPolicies = { findOnlyFeatures: false, computedFields: 'only', emptyProjectionAllowed: true };

export interface ProjectionParseOptions {
  /** Parses the expressions of computed fields; its collation also applies to `$elemMatch`. */
  readonly expressions: ParseContext;
  /** find's filter: a positional projection (`a.$`) requires one that names the array's field. */
  readonly filter?: Document | null;
  /**
   * False when the documents carry no text score (a find without `$text`): `{$meta: 'textScore'}` is then 40218.
   * A pipeline checks this for all its stages at once.
   */
  readonly textScore?: boolean;
}

const INCLUDE: ProjectionLeaf = { kind: 'include' };
const EXCLUDE: ProjectionLeaf = { kind: 'exclude' };
const POSITIONAL: ProjectionLeaf = { kind: 'positional' };


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
      // mongod reports the path without its first component, whatever the depth of the collision.
      throw new MongoServerError(31249, `Path collision at ${path.join('.')} remaining portion ${path.slice(1).join('.')}`);
    }
  }
}

/** The inner node at `path`, so that `{a: {b: 1}, 'a.c': 1}`-like specs share one node; null when absent. */
function findInnerNode(root: PathNode, path: readonly string[]): PathNode | null {
  let node = root;
  for (const name of path) {
    const child = node.children.get(name);
    if (!(child instanceof PathNode)) return null;
    node = child;
  }
  return node;
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

function markComputed(node: PathNode): boolean {
  let computed = false;
  for (const child of node.children.values()) {
    if (child instanceof PathNode ? markComputed(child) : child.kind === 'expression' || child.kind === 'elemMatch') computed = true;
  }
  node.computed = computed;
  return computed;
}

class Parser {
  /** Set by the first field that decides it; $addFields is an addition from the start. */
  type: ProjectionType | null;
  idIncludedEntirely = false;
  hasPositional = false;
  hasElemMatch = false;
  hasFindSlice = false;
  positionalPath: string[] | null = null;
  readonly slices: [string[], FindSlice][] = [];
  readonly root = new PathNode();

  constructor(
    private readonly policies: ProjectionPolicies,
    private readonly options: ProjectionParseOptions,
  ) {
    this.type = policies.computedFields === 'only' ? 'addition' : null;
  }

  parseElement(name: string, value: unknown, parentPath: string[] | null, parent: PathNode): void {
    const positional = name.endsWith('.$');
    if (positional && !this.policies.findOnlyFeatures) {
      throw new MongoServerError(31324, 'Cannot use positional projection in aggregation projection');
    }
    if (name.includes('.$.')) {
      throw new MongoServerError(
        31394,
        "As of 4.4, it's illegal to specify positional operator in the middle of a path.Positional projection may only be used at the end, for example: a.b.$. If the query previously used a form like a.b.$.d, remove the parts following the '$' and the results will be equivalent.",
      );
    }
    if (isDocument(value)) {
      // $addFields sets a field to an empty object literally.
      if (this.type === 'addition' && Object.keys(value).length === 0) {
        this.parseLiteral(name, value, parent);
        return;
      }
      if (positional) throw new MongoServerError(31271, 'positional projection cannot be used with an expression or sub object');
      this.parseSubObject(name, value, parentPath, parent);
    } else if (this.policies.computedFields !== 'only' && (typeof value === 'boolean' || isNumeric(value))) {
      if (coerceToBool(value)) {
        this.parseInclusion(name, parentPath, parent, positional);
      } else {
        if (positional) throw new MongoServerError(31395, 'positional projection cannot be used with exclusion');
        this.parseExclusion(name, parent);
      }
    } else {
      if (positional) throw new MongoServerError(31308, 'positional projection cannot be used with a literal');
      this.parseLiteral(name, value, parent);
    }
  }

  private parseInclusion(name: string, parentPath: string[] | null, parent: PathNode, positional: boolean): void {
    const topLevelId = name === '_id' && parent === this.root;
    if (!positional) {
      addNodeAtPath(parent, validateFieldPath(name), INCLUDE);
      if (topLevelId) this.idIncludedEntirely = true;
    } else {
      if (this.hasPositional) throw new MongoServerError(31276, 'Cannot specify more than one positional projection per query.');
      if (this.hasElemMatch) throw new MongoServerError(31256, 'Cannot specify positional operator and $elemMatch.');
      const filter = this.options.filter;
      if (!filter) throw new MongoServerError(51050, 'Projections with a positional operator require a matcher');
      if (name === '.$') throw new MongoServerError(5392900, `Projection on field ${name} is invalid`);
      const matchField = parentPath ? parentPath[0]! : name.split('.')[0]!;
      if (!queryMentions(filter, matchField)) {
        throw new MongoServerError(31277, `Positional projection '${name}' does not match the query document.`);
      }
      const path = validateFieldPath(name.slice(0, -2));
      addNodeAtPath(parent, path, POSITIONAL);
      this.positionalPath = [...(parentPath ?? []), ...path];
      this.hasPositional = true;
    }
    if (!topLevelId) {
      if (this.type !== null && this.type !== 'inclusion') {
        throw new MongoServerError(31253, `Cannot do inclusion on field ${name} in exclusion projection`);
      }
      this.type = 'inclusion';
    }
  }

  private parseExclusion(name: string, parent: PathNode): void {
    addNodeAtPath(parent, validateFieldPath(name), EXCLUDE);
    if (name === '_id' && parent === this.root) return;
    if (this.type !== null && this.type !== 'exclusion') {
      throw new MongoServerError(31254, `Cannot do exclusion on field ${name} in inclusion projection`);
    }
    this.type = 'exclusion';
  }

  private parseLiteral(name: string, value: unknown, parent: PathNode): void {
    const evaluate = this.options.expressions.parse(value);
    addNodeAtPath(parent, validateFieldPath(name), { kind: 'expression', evaluate });
    if (this.type === 'addition') return;
    if (this.type === 'exclusion') {
      throw new MongoServerError(31310, `Cannot use an expression ${elementToString(name, value)} in an exclusion projection`);
    }
    this.type = 'inclusion';
  }

  private parseSubObject(name: string, obj: Document, parentPath: string[] | null, parent: PathNode): void {
    const keys = Object.keys(obj);
    if (keys.length === 0) {
      throw new MongoServerError(51270, 'An empty sub-projection is not a valid value. Found empty object at path');
    }
    const path = validateFieldPath(name);
    if (keys.length === 1 && keys[0]!.startsWith('$')) {
      if (this.parseSubObjectAsExpression(path, keys[0]!, obj[keys[0]!], parentPath, parent)) return;
      throw new MongoServerError(31325, `Unknown expression ${keys[0]}`);
    }
    let node = findInnerNode(parent, path);
    if (!node) {
      node = new PathNode();
      addNodeAtPath(parent, path, node);
    }
    const fullPath = [...(parentPath ?? []), ...path];
    for (const key of keys) this.parseElement(key, obj[key], fullPath, node);
  }

  /** False when `{op: arg}` is no expression at all (the caller reports 31325). */
  private parseSubObjectAsExpression(path: string[], op: string, arg: unknown, parentPath: string[] | null, parent: PathNode): boolean {
    if (this.policies.findOnlyFeatures) {
      if (op === '$slice') {
        this.parseFindSliceOrExpression(path, arg, parentPath, parent);
        return true;
      }
      if (op === '$elemMatch') {
        this.parseElemMatch(path, arg, parentPath, parent);
        return true;
      }
    } else if (op === '$elemMatch') {
      throw mongoError('InvalidPipelineOperator', 'Cannot use $elemMatch in this context');
    }
    return this.parseGenericExpression(path, op, arg, parent);
  }

  /** find's `{$slice: n}` and `{$slice: [skip, limit]}`; anything else may be the $slice expression. */
  private parseFindSliceOrExpression(path: string[], arg: unknown, parentPath: string[] | null, parent: PathNode): void {
    let slice: FindSlice;
    try {
      slice = parseFindSlice(arg);
    } catch (findError) {
      try {
        this.parseGenericExpression(path, '$slice', arg, parent);
        return;
      } catch {
        throw findError;
      }
    }
    addNodeAtPath(parent, path, { kind: 'slice', slice });
    this.slices.push([[...(parentPath ?? []), ...path], slice]);
    this.hasFindSlice = true;
  }

  private parseElemMatch(path: string[], arg: unknown, parentPath: string[] | null, parent: PathNode): void {
    if (!isDocument(arg)) {
      throw new MongoServerError(31274, `elemMatch: Invalid argument, object required, but got ${bsonTypeOf(arg)}`);
    }
    if (this.hasPositional) throw new MongoServerError(31255, 'Cannot specify positional operator and $elemMatch.');
    if (path.length !== 1 || parentPath !== null) {
      throw new MongoServerError(31275, 'Cannot use $elemMatch projection on a nested field.');
    }
    const matcher = compileFilter({ [path[0]!]: { $elemMatch: arg } }, { collation: this.options.expressions.collation, allowJsonSchema: false });
    addNodeAtPath(parent, path, { kind: 'elemMatch', matcher });
    this.hasElemMatch = true;
  }

  private parseGenericExpression(path: string[], op: string, arg: unknown, parent: PathNode): boolean {
    const isMeta = op === '$meta';
    if (!isMeta && !isExpressionName(op)) return false;
    if (this.type === 'exclusion' && !isMeta) {
      throw new MongoServerError(31252, 'Cannot use expression other than $meta in exclusion projection');
    }
    if (isMeta) parseMeta(arg, this.options.textScore !== false);
    // `$meta` decides neither way, as in mongod: `{score: {$meta: 'textScore'}}` alone keeps every field.
    else if (this.type === null) this.type = 'inclusion';
    const evaluate = this.options.expressions.parse({ [op]: arg });
    addNodeAtPath(parent, path, { kind: 'expression', evaluate });
    return true;
  }
}

/**
 * `{$meta: name}`: a name mongod does not know is 17308; a text score needs documents that have one (40218); of
 * the metadata mongod keeps, eddydb keeps only the text score.
 */
function parseMeta(arg: unknown, textScore: boolean): void {
  const name = typeof arg === 'string' ? arg : '';
  if (!META_NAMES.has(name)) throw new MongoServerError(17308, `Unsupported argument to $meta: ${String(arg)}`);
  if (name === 'textScore') {
    if (!textScore) throw new MongoServerError(40218, 'query requires text score metadata, but it is not available');
    return;
  }
  throw mongoError('NotImplemented', `$meta: '${name}' is not supported in projections by eddydb`);
}

/**
 * Parses a projection with mongod's rules and errors: 31249/31250 path collisions, 31252/31310 expressions in an
 * exclusion, 31253/31254 inclusion and exclusion mixed, 31325 unknown expression, 51270 empty sub-projection,
 * 51272 empty $project; find's positional `$` (51050, 31271, 31276, 31277, 31308, 31395, 5392900; 31324 outside
 * find; 31394 in the middle of a path), `$elemMatch` (31255, 31256, 31274, 31275; 168 outside find) and `$slice`
 * (31257-31259, 31272, 31273); `$meta` 17308/40218; and the expression module's errors for computed fields.
 */
export function parseProjection(spec: Document, policies: ProjectionPolicies, options: ProjectionParseOptions): Projection {
  const names = Object.keys(spec);
  if (!policies.emptyProjectionAllowed && names.length === 0) {
    throw new MongoServerError(51272, 'projection specification must have at least one field');
  }
  const p = new Parser(policies, options);
  for (const name of names) p.parseElement(name, spec[name], null, p.root);
  let type = p.type;
  if (type === null) {
    // No field decided it: find keeps mongod's rules for projections of only _id, $slice and $elemMatch.
    if (p.idIncludedEntirely) type = 'inclusion';
    else if (p.hasFindSlice) type = 'exclusion';
    else if (p.hasElemMatch) type = 'inclusion';
    else type = 'exclusion';
  }
  const idSpecified = names.some((name) => name === '_id' || name.startsWith('_id.'));
  if (!idSpecified && type === 'inclusion') p.root.children.set('_id', INCLUDE);
  if (type === 'exclusion' && p.idIncludedEntirely) p.root.children.delete('_id');
  markComputed(p.root);
  return { type, root: p.root, slices: p.slices, positionalPath: p.positionalPath };
}

/** $unset's projection: each path excluded (collisions are 31249/31250, as in mongod). */
export function exclusionProjection(paths: readonly string[]): Projection {
  const root = new PathNode();
  for (const path of paths) addNodeAtPath(root, validateFieldPath(path), EXCLUDE);
  return { type: 'exclusion', root, slices: [], positionalPath: null };
}
