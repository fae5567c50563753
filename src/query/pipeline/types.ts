import type { Collation, Document } from '../../bson/index.js';
import type { Clock, ParseContext } from '../expressions/index.js';
import type { Chunks, StreamControl } from './stream.js';
import type { SortKeys } from '../sort.js';

export type { Collation, Document };

/** Options for compiling a pipeline. */
export interface PipelineOptions {
  /** Collation for $match, $sort, $group keys and expression comparisons; null or absent is binary. */
  readonly collation?: Collation | null;
  /**
   * When given, only these stage names may appear; any other known stage is refused with `disallowedCode`
   * (default 20 IllegalOperation) and `disallowedMessage`. Unknown names are still 40324.
   */
  readonly allowedStages?: ReadonlySet<string>;
  /**
   * The message for a disallowed stage: a function of the stage name, or a template where `{stage}` is replaced
   * by it. Default: "{stage} is not permitted in a $changeStream pipeline", mongod's wording for change streams.
   */
  readonly disallowedMessage?: string | ((stage: string) => string);
  /** The error code for a disallowed stage; default 20 (IllegalOperation). */
  readonly disallowedCode?: number;
  /** Variables the stages' expressions may read as `$$name` (an aggregate's `let`). */
  readonly variables?: Document;
}

/** What a stage sees while it runs: variable values and the clock fixing `$$NOW` for the run. */
export interface Runtime {
  readonly vars: Readonly<Record<string, unknown>>;
  readonly clock: Clock;
}

/** A stage that maps each document to zero or more documents independently ($match, $project, $unwind...). */
export interface DocumentStage {
  readonly kind: 'document';
  readonly name: string;
  /** Its outputs for one input: an array, or (for an expansion that may be huge, `$unwind`) an iterable read lazily. */
  apply(doc: Document, runtime: Runtime): Document[] | Iterable<Document>;
}

/** A stage that needs the whole input ($sort, $group, $limit...). */
export interface BatchStage {
  readonly kind: 'batch';
  readonly name: string;
  run(docs: Document[], runtime: Runtime): Document[];
  /** What the streaming runner (stream.ts) needs to run the stage without holding its whole input. */
  readonly limitCount?: number;
  readonly skipCount?: number;
  readonly sortKeys?: SortKeys;
  readonly countField?: string;
  /** A streaming form for a stage that holds state of its own ($group): input chunks in, output chunks out. */
  stream?(input: Chunks, runtime: Runtime, control: StreamControl): Chunks;
}

export type CompiledStage = DocumentStage | BatchStage;

/** Compile-time context of one stage. */
export interface StageContext {
  readonly collation: Collation | null;
  /** Expression parse context with the pipeline's variables declared. */
  readonly expressions: ParseContext;
  /** The pipeline's variable values (for stages that evaluate at compile time or hand them to a matcher). */
  readonly variables: Readonly<Record<string, unknown>>;
}

/** Parses one stage's specification; `name` is the stage name as written (`$set` or `$addFields`). */
export type StageParser = (spec: unknown, ctx: StageContext, name: string) => CompiledStage;
