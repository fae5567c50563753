import { accumulatorExpressionOperators } from './accumulators.js';
import { nExpressionOperators } from './accumulators_n.js';
import { arithmeticOperators } from './arithmetic.js';
import { arrayOperators } from './array.js';
import { bitwiseOperators } from './bitwise.js';
import { booleanOperators } from './boolean.js';
import { comparisonOperators } from './comparison.js';
import { conditionalOperators } from './conditional.js';
import { dataSizeOperators } from './data_size.js';
import { dateOperators } from './date.js';
import { dateArithmeticOperators } from './date_arithmetic.js';
import { javascriptOperators } from './javascript.js';
import { metaOperators } from './meta.js';
import { objectOperators } from './object.js';
import { percentileExpressionOperators } from './percentile.js';
import { regexOperators } from './regex.js';
import { setOperators } from './set.js';
import { sortArrayOperators } from './sort_array.js';
import { stringOperators } from './string.js';
import { timestampOperators } from './timestamp.js';
import { hashedKeyOperators } from './to_hashed_index_key.js';
import { uuidOperators } from './to_uuid.js';
import { trigonometryOperators } from './trigonometry.js';
import { typeOperators } from './type.js';
import type { OperatorParser, OperatorTable } from './types.js';
import { variableOperators } from './variables.js';

/**
 * The one table of expression operators, merged from the family files and sorted by name. A name in two families
 * is a programming error and fails at load time.
 */
const families: readonly OperatorTable[] = [
  accumulatorExpressionOperators, arithmeticOperators, arrayOperators, bitwiseOperators, booleanOperators,
  comparisonOperators, conditionalOperators, dataSizeOperators, dateArithmeticOperators, dateOperators, hashedKeyOperators,
  javascriptOperators, metaOperators, nExpressionOperators, objectOperators, percentileExpressionOperators, regexOperators,
  setOperators, sortArrayOperators, stringOperators, timestampOperators, trigonometryOperators, typeOperators,
  uuidOperators, variableOperators,
];

function buildRegistry(): ReadonlyMap<string, OperatorParser> {
  const entries: [string, OperatorParser][] = [];
  const seen = new Set<string>();
  for (const family of families) {
    for (const [name, parser] of Object.entries(family)) {
      if (seen.has(name)) throw new Error(`expression operator ${name} registered twice`);
      seen.add(name);
      entries.push([name, parser]);
    }
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(entries);
}

const registry = buildRegistry();

/** The parser for an operator name such as `$add`, or undefined when mongod would say 168 InvalidPipelineOperator. */
export function lookupOperator(name: string): OperatorParser | undefined {
  return registry.get(name);
}

/** True when `name` is a known expression operator (used by $project to tell expressions from sub-projections). */
export function isExpressionName(name: string): boolean {
  return registry.has(name);
}

/** Every registered operator name, sorted. */
export function expressionOperatorNames(): string[] {
  return [...registry.keys()];
}
