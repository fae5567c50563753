import { collectChunks, compilePipeline, replayChunks, type StreamControl } from '../../../../src/query/pipeline/index.js';
import type { PipelineOptions } from '../../../../src/query/pipeline/index.js';

type Doc = Record<string, unknown>;

const control: StreamControl = { yieldIfDue: async () => {}, errorContext: 'PlanExecutor error during aggregation' };

/**
 * A pipeline's output both ways a stage runs: over an array (`run`) and as a stream fed in chunks of `chunk`
 * documents (what queries use), so a test can check that the two agree.
 */
export async function runBothWays(stages: unknown[], docs: Doc[], options: PipelineOptions = {}, chunk = 3): Promise<{ batch: Doc[]; streamed: Doc[] }> {
  const pipeline = compilePipeline(stages, options);
  const batch = pipeline.run(docs);
  const chunks: Doc[][] = [];
  for (let i = 0; i < docs.length; i += chunk) chunks.push(docs.slice(i, i + chunk));
  const streamed = await collectChunks(compilePipeline(stages, options).stream(replayChunks(chunks), control));
  return { batch, streamed };
}

/** The streamed output only, for errors raised while a stage runs. */
export async function runStreamed(stages: unknown[], docs: Doc[]): Promise<Doc[]> {
  return collectChunks(compilePipeline(stages).stream(replayChunks([docs]), control));
}
