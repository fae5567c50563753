import { isDocument, type Collation, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { createParseContext, makeScope } from '../expressions/index.js';
import { compileFilter } from '../filter/index.js';
import { hasTextPredicate } from '../text/index.js';
import { applyProjection } from './executor.js';
import { findProjectionPolicies, parseProjection } from './projection_ast.js';

/**
 * Projections, one engine for find and for the aggregation stages ($project, $addFields/$set, $unset): the parser
 * in projection_ast.ts with a policy per caller, the executor in executor.ts. find's projection
 * (https://www.mongodb.com/docs/manual/reference/method/db.collection.find/#projection) is compiled here.
 */

export {
  addFieldsProjectionPolicies, aggregateProjectionPolicies, exclusionProjection, findProjectionPolicies, parseProjection,
  type Projection, type ProjectionPolicies, type ProjectionType,
} from './projection_ast.js';
export { applyProjection } from './executor.js';

export interface ProjectionOptions {
  /** The find filter; required for a positional projection (`a.$`), which re-matches it to find the element. */
  filter?: Document | null;
  collation?: Collation | null;
  /** The documents carry text scores (the filter has `$text`); by default, whether the filter has `$text`. */
  textScore?: boolean;
}

export interface CompiledProjection {
  readonly type: 'inclusion' | 'exclusion';
  /** The projected copy of `doc` (the input is not modified). */
  apply(doc: Document): Document;
}

/** Validates and compiles a find() projection; errors are parseProjection's, with mongod's codes. */
export function compileProjection(spec: Document, options: ProjectionOptions = {}): CompiledProjection {
  if (!isDocument(spec)) throw mongoError('TypeMismatch', 'Expected field projection to be of type object');
  const collation = options.collation ?? null;
  const textScore = options.textScore ?? hasTextPredicate(options.filter);
  const projection = parseProjection(spec, findProjectionPolicies, { expressions: createParseContext({ collation }), filter: options.filter, textScore });
  const query = projection.positionalPath && options.filter ? compileFilter(options.filter, { collation }) : null;
  return {
    // find's projections have no additions: only $addFields' policy makes them.
    type: projection.type as 'inclusion' | 'exclusion',
    apply(doc) {
      return applyProjection(projection, doc, makeScope(doc), () => {
        if (!query) return undefined;
        const details: { elemMatchKey?: string } = {};
        query.matches(doc, details);
        return details.elemMatchKey;
      });
    },
  };
}
