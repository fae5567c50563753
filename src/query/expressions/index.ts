/**
 * Aggregation expressions: compile once (validating as mongod does at parse time), evaluate per document.
 * See compile.ts for the entry points and registry.ts for the operator table.
 */
export { compileExpression, evaluateExpression, createParseContext, type CompiledExpression, type ExpressionOptions } from './compile.js';
export { isExpressionName, expressionOperatorNames } from './registry.js';
export {
  BUILTIN_VARIABLES, makeScope, readPath, validateFieldName, validateFieldPath, validateVariableNameForWrite,
} from './field_path.js';
export { accumulatorFactories, type Accumulator, type AccumulatorFactory } from './accumulators.js';
export {
  accumulatorNTooLarge, nAccumulatorParsers, sortedWindow, upperBound, validateN,
  type InitializedAccumulator, type InitializedAccumulatorParser, type RemovableAccumulator,
} from './accumulators_n.js';
export { percentileAccumulatorParsers } from './percentile.js';
export { javascriptAccumulatorParsers } from './javascript.js';
export { coerceToBool, formatValue, typeName } from './values.js';
export { ValueGroups } from './value_groups.js';
export {
  approximateSize, BUF_BUILDER_MAX_SIZE, internalQueryMaxAddToSetBytes, internalQueryMaxMapFilterReduceBytes,
  internalQueryMaxPercentileAccumulatorBytes, internalQueryMaxPushBytes, internalQueryMaxRangeBytes,
  internalQueryTopNAccumulatorBytes, MAX_EXPRESSION_VALUE_BYTES, valueTooLarge,
} from './memory_limits.js';
export type { Clock, Evaluator, ParseContext, Scope } from './types.js';
