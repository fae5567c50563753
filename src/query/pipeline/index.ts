/**
 * Aggregation pipelines: compile the stages once (validating as mongod does at aggregate time), then run them
 * over a batch (`compilePipeline`) or one document at a time (`compileDocumentPipeline`, for change streams).
 * One file per stage, registered in registry.ts.
 */
export { compilePipeline, compileDocumentPipeline, type CompiledPipeline, type DocumentPipeline } from './compile.js';
export { applyUpdatePipeline } from './update_pipeline.js';
export { isKnownStage, stageNames } from './registry.js';
export type { PipelineOptions } from './types.js';
