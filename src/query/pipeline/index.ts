/**
 * Aggregation pipelines: compile the stages once (validating as mongod does at aggregate time), then run them
 * over a batch (`compilePipeline`) or one document at a time (`compileDocumentPipeline`, for change streams).
 * One file per stage, registered in registry.ts.
 */
export { compilePipeline, compileDocumentPipeline, type CompiledPipeline, type DocumentPipeline } from './compile.js';
export { applyUpdatePipeline } from './update_pipeline.js';
export { isKnownStage, stageNames } from './registry.js';
export type { PipelineOptions } from './types.js';
export {
  BLOCKING_STAGE_MEMORY_BYTES, CHUNK_DOCS, chunksOf, collectChunkList, collectChunks, isLastChunk, markLastChunk, replayChunks,
  sortedChunks, streamStages,
  type Chunks, type RunSpiller, type SpilledRun, type StreamControl,
} from './stream.js';
export type { CompiledStage, DocumentStage, BatchStage, StreamStage, ForeignNamespace, ForeignReader, Runtime } from './types.js';
