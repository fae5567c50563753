import { isDocument, valuesEqual, type Collation, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { compileFilter } from '../filter/index.js';
import { ModifierNode, NOOP, type ModifyResult } from './modifier_node.js';
import type { ApplyContext } from './update_node.js';

/** Decides whether one array element is removed. */
export type ElementMatcher = (element: unknown, collation: Collation | null) => boolean;

/**
 * The array-culling operators ($pull, $pullAll; mongod's ArrayCullingNode): remove every element the matcher
 * accepts. The whole array is logged when anything was removed.
 */
export class ArrayCullingNode extends ModifierNode {
  constructor(readonly operatorName: string, private readonly matcher: ElementMatcher) {
    super();
  }

  protected override allowCreation(): boolean {
    return false;
  }

  protected updateExisting(ctx: ApplyContext, current: unknown): ModifyResult {
    if (!Array.isArray(current)) throw mongoError('BadValue', 'Cannot apply $pull to a non-array value');
    const kept = current.filter((e) => !this.matcher(e, ctx.collation));
    return kept.length === current.length ? NOOP : { kind: 'update', value: kept };
  }
}

/** Query operators that may start a condition on the element itself ($pull: {a: {$gte: 5}}). */
const PATH_ACCEPTING_OPERATORS = new Set([
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$all', '$size', '$exists', '$type', '$mod', '$regex',
  '$options', '$elemMatch', '$not', '$bitsAllSet', '$bitsAllClear', '$bitsAnySet', '$bitsAnyClear', '$geoWithin',
  '$geoIntersects', '$near', '$nearSphere', '$within', '$jsonSchema', '$_internalSchemaType',
]);

/** Wrapped matching evaluates the condition against `{[WRAP]: element}`, as mongod wraps with an empty name. */
const WRAP = 'e';

/**
 * $pull (https://www.mongodb.com/docs/manual/reference/operator/update/pull/), with mongod's three readings of the
 * value: a document whose first field is not a query operator is a query on document elements ({a: 1} removes
 * every element document with a = 1; non-documents never match); a document of operators or a regex is a condition
 * on the element itself; anything else removes elements equal to it (collation applies).
 */
export function parsePull(_field: string, value: unknown, collation: Collation | null): ArrayCullingNode {
  if (isDocument(value)) {
    const first = Object.keys(value)[0];
    if (first === undefined || !PATH_ACCEPTING_OPERATORS.has(first)) {
      const filter = compileFilter(value, { collation, allowJsonSchema: false });
      return new ArrayCullingNode('$pull', (e) => isDocument(e) && filter.matches(e));
    }
    const filter = compileFilter({ [WRAP]: value } as Document, { collation, allowJsonSchema: false });
    return new ArrayCullingNode('$pull', (e) => filter.matches({ [WRAP]: e }));
  }
  if (value instanceof RegExp || (value as { _bsontype?: unknown } | null)?._bsontype === 'BSONRegExp') {
    const filter = compileFilter({ [WRAP]: value } as Document, { collation, allowJsonSchema: false });
    return new ArrayCullingNode('$pull', (e) => filter.matches({ [WRAP]: e }));
  }
  return new ArrayCullingNode('$pull', (e, c) => valuesEqual(e, value, c));
}
