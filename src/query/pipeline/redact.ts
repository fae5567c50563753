import { mapDocuments, setField, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { formatValue, type Scope } from '../expressions/index.js';
import type { Runtime, StageParser } from './types.js';

/**
 * $redact (https://www.mongodb.com/docs/manual/reference/operator/aggregation/redact/): the expression is evaluated
 * at each document level with $$CURRENT at that level and must return $$KEEP (keep as is), $$PRUNE (drop) or
 * $$DESCEND (keep the fields, redacting embedded documents, also inside arrays); anything else is error 17053.
 */
const LEVEL_VARS = { DESCEND: 'descend', PRUNE: 'prune', KEEP: 'keep' } as const;

export const parseRedact: StageParser = (spec, ctx) => {
  const ev = ctx.expressions.withVariables(Object.keys(LEVEL_VARS)).parse(spec);

  function redactObject(doc: Document, scope: Scope): Document | undefined {
    const result = ev({ ...scope, current: doc });
    if (result === 'keep') return doc;
    if (result === 'prune') return undefined;
    if (result !== 'descend') {
      throw new MongoServerError(
        17053,
        `$redact's expression should not return anything aside from the variables $$KEEP, $$DESCEND, and $$PRUNE, but returned ${formatValue(result)}`,
      );
    }
    const out: Document = {};
    for (const key of Object.keys(doc)) {
      const v = redactValue(doc[key], scope);
      if (v !== undefined) setField(out, key, v);
    }
    return out;
  }

  function redactValue(v: unknown, scope: Scope): unknown {
    return mapDocuments(v, (doc) => redactObject(doc, scope), (scalar) => scalar);
  }

  return {
    kind: 'document',
    name: '$redact',
    apply(doc: Document, runtime: Runtime): Document[] {
      const scope: Scope = { root: doc, current: doc, vars: { ...runtime.vars, ...LEVEL_VARS }, clock: runtime.clock };
      const out = redactObject(doc, scope);
      return out === undefined ? [] : [out];
    },
  };
};
