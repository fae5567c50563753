/**
 * Update semantics (https://www.mongodb.com/docs/manual/reference/operator/update/): operator updates, replacement
 * documents and pipeline-style updates, with mongod's field order, no-op detection and errors.
 */
export { compileUpdate, type ApplyOptions, type CompiledUpdate, type CompileUpdateOptions, type UpdateApplyResult } from './compile_update.js';
export type { UpdateLogEntry } from './update_node.js';
export type { PathStep } from './path_support.js';
export { identical } from './identical.js';
export { MODIFIERS } from './registry.js';
