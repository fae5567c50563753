import { isDocument, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import type { Evaluator } from '../expressions/index.js';
import { compileFilter } from '../filter/index.js';
import { scopeFor } from './scope.js';
import type { Runtime, StageContext, StageParser } from './types.js';

/**
 * $match (https://www.mongodb.com/docs/manual/reference/operator/aggregation/match/): the query filter language;
 * `$expr` evaluates aggregation expressions, compiled here up front so their errors come at aggregate time.
 */
export const parseMatch: StageParser = (spec, ctx) => {
  if (!isDocument(spec)) throw new MongoServerError(15959, 'the match filter must be an expression in an object');
  const compiled = new Map<unknown, Evaluator>();
  collectExprs(spec, ctx, compiled);
  let active: Runtime = { vars: ctx.variables, clock: {} };
  const filter = compileFilter(spec, {
    collation: ctx.collation,
    nearNotAllowed: {
      code: 5626500,
      message: '$geoNear, $near, and $nearSphere are not allowed in this context, as these operators require sorting geospatial data. If you do not need sort, consider using $geoWithin instead.',
    },
    evaluateExpr: (expr, doc) => {
      let ev = compiled.get(expr);
      if (!ev) {
        ev = ctx.expressions.parse(expr);
        compiled.set(expr, ev);
      }
      return ev(scopeFor(doc, active));
    },
  });
  return {
    kind: 'document',
    name: '$match',
    apply(doc: Document, runtime: Runtime): Document[] {
      active = runtime;
      return filter.matches(doc) ? [doc] : [];
    },
  };
};

/** Compiles every `$expr` reachable through $and/$or/$nor, keyed by the operand's identity. */
function collectExprs(filter: Document, ctx: StageContext, out: Map<unknown, Evaluator>): void {
  for (const key of Object.keys(filter)) {
    const value = filter[key];
    if (key === '$expr') {
      out.set(value, ctx.expressions.parse(value));
    } else if ((key === '$and' || key === '$or' || key === '$nor') && Array.isArray(value)) {
      for (const clause of value) if (isDocument(clause)) collectExprs(clause, ctx, out);
    }
  }
}
