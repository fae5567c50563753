import { isDocument, type Document } from '../../bson/index.js';
import { missingFieldError, MongoServerError, unknownFieldError } from '../../errors/index.js';
import { formatValue, typeName, type Evaluator } from '../expressions/index.js';
import { scopeFor } from './scope.js';
import type { CompiledStage, StageContext, StageParser } from './types.js';

/**
 * $replaceRoot ({newRoot: <expr>}) and $replaceWith (<expr>)
 * (https://www.mongodb.com/docs/manual/reference/operator/aggregation/replaceRoot/): the expression's value, which
 * must be a document (error 40228 otherwise), becomes the whole document.
 */
function replacementStage(name: string, ev: Evaluator, what: string): CompiledStage {
  return {
    kind: 'document',
    name,
    apply(doc, runtime): Document[] {
      const v = ev(scopeFor(doc, runtime));
      if (!isDocument(v)) {
        throw new MongoServerError(
          40228,
          `${what} must evaluate to an object, but resulting value was: ${formatValue(v)}. Type of resulting value: '${typeName(v)}'. Input document: ${formatValue(doc)}`,
        );
      }
      return [v];
    },
  };
}

export const parseReplaceRoot: StageParser = (spec, ctx: StageContext) => {
  if (!isDocument(spec)) {
    throw new MongoServerError(40229, `expected an object as specification for $replaceRoot stage, got ${typeName(spec)}`);
  }
  let newRoot: unknown;
  let found = false;
  for (const key of Object.keys(spec)) {
    if (key !== 'newRoot') throw unknownFieldError(`$replaceRoot.${key}`);
    newRoot = spec[key];
    found = true;
  }
  if (!found) throw missingFieldError('$replaceRoot.newRoot');
  return replacementStage('$replaceRoot', ctx.expressions.parse(newRoot), "'newRoot' expression");
};

export const parseReplaceWith: StageParser = (spec, ctx: StageContext) =>
  replacementStage('$replaceWith', ctx.expressions.parse(spec), "'replacement document'");
