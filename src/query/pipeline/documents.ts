import { isDocument, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { formatValue, typeName } from '../expressions/index.js';
import type { StageParser } from './types.js';

/**
 * $documents (https://www.mongodb.com/docs/manual/reference/operator/aggregation/documents/): the documents of an
 * expression evaluated once, without an input document, replace the input. mongod rewrites it as a one-document
 * queue, a $project of the expression, an $unwind and a $replaceRoot, so a non-array value is one document,
 * null or missing is none, and every element must be a document (40228, $replaceRoot's error).
 *
 * Only the first stage of a database-level aggregate may be $documents; the caller checks the position.
 */
export const parseDocuments: StageParser = (spec, ctx) => {
  const ev = ctx.expressions.parse(spec);
  return {
    kind: 'batch',
    name: '$documents',
    run(_docs, runtime): Document[] {
      const root: Document = {};
      const value = ev({ root, current: root, vars: runtime.vars, clock: runtime.clock });
      if (value === undefined || value === null) return [];
      const items = Array.isArray(value) ? value : [value];
      return items.map((item) => {
        if (!isDocument(item)) {
          throw new MongoServerError(
            40228,
            `'newRoot' expression must evaluate to an object, but resulting value was: ${formatValue(item)}. Type of resulting value: '${typeName(item)}'.`,
          );
        }
        return item;
      });
    },
  };
};
