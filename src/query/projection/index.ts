import { type Collation, type Document } from '../../bson/index.js';
import { compileFilter } from '../filter/index.js';
import { applyProjection } from './apply.js';
import { parseProjection } from './projection_ast.js';

/**
 * find() projections (https://www.mongodb.com/docs/manual/reference/method/db.collection.find/#projection):
 * inclusion and exclusion (dotted paths through arrays and embedded documents, `_id` included unless excluded),
 * computed fields (aggregation expressions and literals), `$slice`, `$elemMatch` and the positional `a.$`.
 */

export interface ProjectionOptions {
  /** The find filter; required for a positional projection (`a.$`), which re-matches it to find the element. */
  filter?: Document | null;
  collation?: Collation | null;
}

export interface CompiledProjection {
  readonly type: 'inclusion' | 'exclusion';
  /** The projected copy of `doc` (the input is not modified). */
  apply(doc: Document): Document;
}

/**
 * Validates and compiles a projection. Throws MongoServerError with mongod's codes: 31253/31254 for mixing
 * inclusion and exclusion ("Cannot do exclusion on field x in inclusion projection"), 31249/31250 path
 * collisions, 31252/31310 expressions in an exclusion projection, 31271-31277/31287/31308/51050 positional misuse,
 * 31255/31256/31274/31275 $elemMatch misuse, 31257-31259/31272/31273 bad $slice, 31325 unknown expression,
 * 51270 empty sub-projection, 17308/40218 $meta (no $meta values are supported), and the expression module's
 * errors for computed fields.
 */
export function compileProjection(spec: Document, options: ProjectionOptions = {}): CompiledProjection {
  const parsed = parseProjection(spec, options);
  const query = parsed.positionalPath && options.filter ? compileFilter(options.filter, { collation: options.collation ?? null }) : null;
  return {
    type: parsed.type,
    apply(doc) {
      return applyProjection(parsed, doc, () => {
        if (!query) return undefined;
        const details: { elemMatchKey?: string } = {};
        query.matches(doc, details);
        return details.elemMatchKey;
      });
    },
  };
}
