import { bsonTypeOf, isDocument, type Document } from '../bson/index.js';
import { compileFilter, type MatchOptions } from '../query/filter/index.js';
import { jsonSchemaValidationError, parseJsonSchema } from '../query/schema/index.js';

/**
 * The `errInfo.details` of a DocumentValidationFailure: which part of a query-operator validator the document did
 * not satisfy, in the shape mongod's doc_validation_error produces (`operatorName`, `specifiedAs`, `reason`,
 * `consideredValue`, `clausesNotSatisfied`). https://www.mongodb.com/docs/manual/core/schema-validation/view-validation-rules/
 * It covers the common operators; anything else is reported as `expression did not match`. A `$jsonSchema` is
 * explained by walking its match tree as mongod does (query/schema/doc_validation_error.ts).
 */

/** mongod's wording per leaf operator, for a document that fails it. */
const REASONS: Readonly<Record<string, string>> = {
  $eq: 'comparison failed',
  $ne: 'comparison failed',
  $gt: 'comparison failed',
  $gte: 'comparison failed',
  $lt: 'comparison failed',
  $lte: 'comparison failed',
  $type: 'type did not match',
  $in: 'no matching value found in array',
  $nin: 'matching value found in array',
  $regex: 'regular expression did not match',
  $size: 'array length was not equal to given size',
  $all: 'array did not contain all specified values',
  $elemMatch: 'array did not satisfy the child predicate',
  $mod: '$mod did not evaluate to expected remainder',
  $bitsAllSet: 'bitwise operator failed to match',
  $bitsAllClear: 'bitwise operator failed to match',
  $bitsAnySet: 'bitwise operator failed to match',
  $bitsAnyClear: 'bitwise operator failed to match',
};

/** Operators a missing field can fail for a reason other than being missing. */
const MISSING_IS_NOT_THE_REASON = new Set(['$exists', '$ne', '$nin', '$not', '$type']);

/** The value at a dotted path, without expanding arrays (what mongod reports as consideredValue). */
function valueAt(doc: Document, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(part)) current = current[Number(part)];
    else if (isDocument(current)) current = Object.prototype.hasOwnProperty.call(current, part) ? current[part] : undefined;
    else return undefined;
  }
  return current;
}

function leafDetails(path: string, op: string, arg: unknown, specifiedAs: Document, doc: Document): Document {
  const value = valueAt(doc, path);
  const details: Document = { operatorName: op, specifiedAs };
  if (value === undefined && !MISSING_IS_NOT_THE_REASON.has(op)) {
    details.reason = 'field was missing';
    return details;
  }
  if (op === '$exists') {
    details.reason = arg === false || arg === 0 ? 'path does exist' : 'path does not exist';
  } else {
    details.reason = REASONS[op] ?? 'expression did not match';
  }
  if (value !== undefined) {
    details.consideredValue = value;
    if (op === '$type') details.consideredType = bsonTypeOf(value);
  }
  return details;
}

/** The failing members of `clauses`, each explained, with their positions. */
function failingClauses(clauses: Document[], doc: Document, options: MatchOptions, wantMatching = false): Document[] {
  const out: Document[] = [];
  clauses.forEach((clause, index) => {
    if (compileFilter(clause, options).matches(doc) !== wantMatching) return;
    if (!wantMatching) {
      out.push({ index, details: explainFilter(clause, doc, options) });
      return;
    }
    // Under $nor a clause fails by matching. A schema says so as mongod does, with its title and description beside
    // the index; other clauses are reported without the detail.
    const keys = Object.keys(clause);
    if (keys.length === 1 && keys[0] === '$jsonSchema' && isDocument(clause.$jsonSchema)) {
      const root = parseJsonSchema(clause.$jsonSchema, { allowEncryptKeywords: true });
      out.push({ index, ...root.annotation.schemaAnnotations, details: jsonSchemaValidationError(root, doc, true) });
      return;
    }
    out.push({ index, details: { specifiedAs: clause, reason: 'expression matched' } });
  });
  return out;
}

function explainField(path: string, value: unknown, doc: Document, options: MatchOptions): Document {
  const isOperators = isDocument(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => k.startsWith('$'));
  if (!isOperators) return leafDetails(path, '$eq', value, { [path]: value }, doc);
  const ops = Object.entries(value as Document).filter(([op]) => op !== '$options');
  const explainOp = ([op, arg]: [string, unknown]): Document => {
    const spec: Document = { [op]: arg };
    if (op === '$regex' && (value as Document).$options !== undefined) spec.$options = (value as Document).$options;
    return leafDetails(path, op, arg, { [path]: spec }, doc);
  };
  if (ops.length === 1) return explainOp(ops[0]!);
  const failing: Document[] = [];
  ops.forEach((entry, index) => {
    const clause: Document = { [path]: { [entry[0]]: entry[1] } };
    if (!compileFilter(clause, options).matches(doc)) failing.push({ index, details: explainOp(entry) });
  });
  return { operatorName: '$and', clausesNotSatisfied: failing };
}

function explainTopLevel(key: string, value: unknown, doc: Document, options: MatchOptions): Document {
  switch (key) {
    case '$and':
      return { operatorName: '$and', clausesNotSatisfied: failingClauses(value as Document[], doc, options) };
    case '$or':
      return { operatorName: '$or', clausesNotSatisfied: failingClauses(value as Document[], doc, options) };
    case '$nor':
      // The clauses of a failing $nor are the ones that matched.
      return { operatorName: '$nor', clausesSatisfied: failingClauses(value as Document[], doc, options, true) };
    case '$jsonSchema':
      return jsonSchemaValidationError(parseJsonSchema(value as Document, { allowEncryptKeywords: true }), doc);
    case '$expr':
      return {
        operatorName: '$expr', specifiedAs: { $expr: value }, reason: 'expression did not match',
        expressionResult: false,
      };
    default:
      if (key.startsWith('$')) return { operatorName: key, specifiedAs: { [key]: value }, reason: 'expression did not match' };
      return explainField(key, value, doc, options);
  }
}

/**
 * Explains why `doc` does not match `filter` (which the caller has checked). Several top-level fields are an
 * implicit `$and`, reported with the clauses that failed; one is reported directly.
 */
export function explainFilter(filter: Document, doc: Document, options: MatchOptions): Document {
  const clauses = Object.entries(filter).filter(([k]) => k !== '$comment');
  if (clauses.length === 1) return explainTopLevel(clauses[0]![0], clauses[0]![1], doc, options);
  const failing: Document[] = [];
  clauses.forEach(([key, value], index) => {
    if (!compileFilter({ [key]: value }, options).matches(doc)) failing.push({ index, details: explainTopLevel(key, value, doc, options) });
  });
  return { operatorName: '$and', clausesNotSatisfied: failing };
}
