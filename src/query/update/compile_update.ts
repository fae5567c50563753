import { Timestamp } from '../../bson/index.js';
import { bsonTypeOf, deepClone, isDocument, type Collation, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import type { MatchDetails } from '../filter/index.js';
import { parseArrayFilters, type ArrayFilterMatcher } from './array_filters.js';
import { documentToString, elementToString } from '../../bson/index.js';
import {
  isArrayFilterIdentifier, isPositionalElement, parseUpdatePath,
} from './path_support.js';
import { applyPipelineUpdate, validateUpdatePipeline } from './pipeline.js';
import { MODIFIERS, type ModifierParseContext } from './registry.js';
import { ConflictPlaceholderNode, parseRename } from './rename.js';
import { applyReplacement } from './replacement.js';
import { ArrayNode, ObjectNode, type ApplyContext, type UpdateLogEntry, type UpdateNode } from './update_node.js';

/** Options fixed when an update is compiled. */
export interface CompileUpdateOptions {
  /** The `arrayFilters` option, for `$[<identifier>]`. */
  arrayFilters?: readonly unknown[] | null;
  collation?: Collation | null;
  /** Default for {@link ApplyOptions.isUpsertInsert}. */
  isUpsertInsert?: boolean;
  /** The `let` constants of a pipeline-style update. */
  variables?: Document;
}

/** Per-document settings of {@link CompiledUpdate.apply}. */
export interface ApplyOptions {
  /** The update builds an upserted document: $setOnInsert applies. */
  isUpsertInsert?: boolean;
  /** $currentDate's date (default: now). */
  now?: Date;
  /** $currentDate's timestamp (default: now in seconds, increment 1); the engine passes the write's cluster time. */
  clusterTime?: Timestamp;
}

export interface UpdateApplyResult {
  /** The new document (the input is never modified). */
  doc: Document;
  /**
   * False when mongod would count no modification (nModified 0, no oplog entry, no change event): for operator
   * updates, every operator was a no-op (e.g. $set to an identical value; a $push with $sort always counts); for a
   * replacement or pipeline, the replacement (or pipeline output) as given is byte-identical to the original, so
   * one that only leaves out `_id` counts as a change, as in mongod.
   */
  modified: boolean;
  /** Operator updates only: the changes in mongod's log order, for oplog/update_description.ts. */
  log?: UpdateLogEntry[];
}

export interface CompiledUpdate {
  readonly kind: 'operators' | 'replacement' | 'pipeline';
  /** True when a path uses the positional `$`, so the caller must pass the query's elemMatchKey. */
  readonly positional: boolean;
  /**
   * Applies the update to one document. Throws MongoServerError with mongod's code and errmsg on failures that
   * depend on the document (PathNotViable, TypeMismatch, ImmutableField, the positional operator without a match,
   * ConflictingUpdateOperators from array filters matching one element twice, ...).
   */
  apply(doc: Document, matchDetails?: MatchDetails, options?: ApplyOptions): UpdateApplyResult;
}

/**
 * Parses an update: an operator document (`{$set: ...}`), a replacement document (no leading `$` field), or an
 * aggregation pipeline (an array). Throws MongoServerError for updates mongod rejects before touching a document:
 * FailedToParse (9) for an unknown modifier, a modifier that is not a document, arrayFilters with a pipeline or an
 * unused array filter; ConflictingUpdateOperators (40) for overlapping paths; BadValue (2) for bad positional
 * paths or a missing array filter; EmptyFieldName (56); and each operator's own argument errors.
 */
export function compileUpdate(update: Document | readonly Document[], options: CompileUpdateOptions = {}): CompiledUpdate {
  const collation = options.collation ?? null;
  const defaultInsert = options.isUpsertInsert ?? false;

  if (Array.isArray(update)) {
    if (options.arrayFilters && options.arrayFilters.length > 0) {
      throw mongoError('FailedToParse', 'arrayFilters may not be specified for pipeline-style updates');
    }
    const stages = validateUpdatePipeline(update);
    return {
      kind: 'pipeline',
      positional: false,
      apply(doc) {
        const out = applyPipelineUpdate(stages, doc, options.variables);
        return out === null ? { doc: deepClone(doc), modified: false } : { doc: out, modified: true };
      },
    };
  }
  if (!isDocument(update)) {
    throw mongoError('FailedToParse', 'Update argument must be either an object or an array');
  }

  const first = Object.keys(update)[0];
  if (first === undefined || !first.startsWith('$')) {
    const replacement = update as Document;
    return {
      kind: 'replacement',
      positional: false,
      apply(doc) {
        const out = applyReplacement(doc, replacement, false);
        return out === null ? { doc: deepClone(doc), modified: false } : { doc: out, modified: true };
      },
    };
  }

  const arrayFilters = parseArrayFilters(options.arrayFilters, collation);
  const root = new ObjectNode();
  const positional = parseOperators(update as Document, root, arrayFilters, { collation });

  return {
    kind: 'operators',
    positional,
    apply(doc, matchDetails, applyOptions = {}) {
      const now = applyOptions.now ?? new Date();
      const ctx: ApplyContext = {
        root: deepClone(doc),
        matchedField: matchDetails?.elemMatchKey,
        isUpsertInsert: applyOptions.isUpsertInsert ?? defaultInsert,
        collation,
        arrayFilters,
        now,
        timestamp: applyOptions.clusterTime ?? new Timestamp({ t: Math.floor(now.getTime() / 1000), i: 1 }),
        log: [],
      };
      const noop = root.apply(ctx, [], []);
      return { doc: ctx.root, modified: !noop, log: ctx.log ?? [] };
    },
  };
}

/** Builds the update tree from every `$op: {path: value}`; returns whether any path is positional. */
function parseOperators(
  update: Document,
  root: ObjectNode,
  arrayFilters: ReadonlyMap<string, ArrayFilterMatcher>,
  parseCtx: ModifierParseContext,
): boolean {
  const found = new Set<string>();
  let positional = false;
  for (const [op, spec] of Object.entries(update)) {
    if (op === '$v') throw mongoError('FailedToParse', 'The $v update field is only recognized internally');
    const parser = MODIFIERS.get(op);
    if (parser === undefined) {
      throw mongoError(
        'FailedToParse',
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    if (!isDocument(spec)) {
      throw mongoError(
        'FailedToParse',
        `Modifiers operate on fields but we found type ${bsonTypeOf(spec)} instead. For example: {$mod: {<field>: ...}} ` +
          `not {${elementToString(op, spec)}}`,
      );
    }
    for (const [field, value] of Object.entries(spec)) {
      if (parser === 'rename') {
        positional = mergePath(root, field, () => new ConflictPlaceholderNode(), arrayFilters, found) || positional;
        if (typeof value !== 'string') {
          throw mongoError('BadValue', `The 'to' field for $rename must be a string: ${elementToString(field, value)}`);
        }
        const from = field.split('.');
        positional = mergePath(root, value, (to) => parseRename(from, to, field, value), arrayFilters, found) || positional;
      } else {
        positional = mergePath(root, field, () => parser(field, value, parseCtx), arrayFilters, found) || positional;
      }
    }
  }
  for (const identifier of arrayFilters.keys()) {
    if (!found.has(identifier)) {
      throw mongoError(
        'FailedToParse',
        `The array filter for identifier '${identifier}' was not used in the update ${documentToString(update)}`,
      );
    }
  }
  return positional;
}

/**
 * Adds the leaf for `path` to the tree (UpdateObjectNode::parseAndMerge): checks the path, builds the leaf, creates
 * interior nodes (an array node above each `$[...]` component) and reports conflicts with paths already present.
 */
function mergePath(
  root: ObjectNode,
  path: string,
  makeLeaf: (parts: string[]) => UpdateNode,
  arrayFilters: ReadonlyMap<string, ArrayFilterMatcher>,
  found: Set<string>,
): boolean {
  const parts = parseUpdatePath(path);
  const positions = parts.flatMap((p, i) => (isPositionalElement(p) ? [i] : []));
  if (positions.length > 1) {
    throw mongoError('BadValue', `Too many positional (i.e. '$') elements found in path '${path}'`);
  }
  if (positions[0] === 0) {
    throw mongoError('BadValue', `Cannot have positional (i.e. '$') element in the first position in path '${path}'`);
  }
  const leaf = makeLeaf(parts);

  const childName = (i: number): string => {
    const part = parts[i]!;
    if (!isArrayFilterIdentifier(part)) return part;
    if (i === 0) {
      throw mongoError(
        'BadValue',
        `Cannot have array filter identifier (i.e. '$[<id>]') element in the first position in path '${path}'`,
      );
    }
    const identifier = part.slice(2, -1);
    if (identifier !== '') {
      if (!arrayFilters.has(identifier)) {
        throw mongoError('BadValue', `No array filter found for identifier '${identifier}' in path '${path}'`);
      }
      found.add(identifier);
    }
    return identifier;
  };

  let current: ObjectNode | ArrayNode = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const name = childName(i);
    const shouldBeArray = isArrayFilterIdentifier(parts[i + 1]!);
    let child: UpdateNode | undefined = current.getChild(name);
    if (child) {
      if (shouldBeArray ? !(child instanceof ArrayNode) : !(child instanceof ObjectNode)) {
        throw mongoError(
          'ConflictingUpdateOperators',
          `Updating the path '${path}' would create a conflict at '${parts.slice(0, i + 1).join('.')}'`,
        );
      }
    } else {
      child = shouldBeArray ? new ArrayNode() : new ObjectNode();
      current.setChild(name, child);
    }
    current = child as ObjectNode | ArrayNode;
  }
  const name = childName(parts.length - 1);
  if (current.getChild(name)) {
    throw mongoError('ConflictingUpdateOperators', `Updating the path '${path}' would create a conflict at '${path}'`);
  }
  current.setChild(name, leaf);
  return positions.length > 0;
}
