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
  /** How deep this pipeline is nested in others ($lookup, $unionWith); 0 or absent for a command's own. */
  readonly depth?: number;
  /** The error for a stage this (sub-)pipeline may not hold (`$out` inside `$lookup`), or undefined when it may. */
  readonly refuseStage?: (name: string) => Error | undefined;
}

/** What a stage sees while it runs: variable values and the clock fixing `$$NOW` for the run. */
export interface Runtime {
  readonly vars: Readonly<Record<string, unknown>>;
  readonly clock: Clock;
  /** Reads other collections of the aggregate's database, for the stages that join them ($lookup, $unionWith...). */
  readonly foreign?: ForeignReader;
}

/**
 * What the engine lends a running pipeline to read another collection or view of the same database, in the same
 * storage read (or transaction) as the rest of the aggregate. Stages stay free of I/O: they say what to read, the
 * engine plans and reads it.
 */
export interface ForeignReader {
  /**
   * The documents of `coll` matching `filter` (under the aggregate's collation), as a stream: a collection read by
   * the planner (so an index bounds an equality on an indexed field), a view's pipeline output filtered, nothing
   * for a missing collection.
   */
  find(ns: ForeignNamespace, filter: Document, control: StreamControl): Chunks;
}

/** A collection or view a stage reads: of the aggregate's database, or `local.oplog.rs` where mongod allows it. */
export interface ForeignNamespace {
  /** null: the aggregate's database. */
  readonly db: string | null;
  readonly coll: string;
}

/**
 * A stage that consumes its input as a stream and may read other collections while it runs ($lookup, $unionWith,
 * $graphLookup, $facet): it has no synchronous form.
 */
export interface StreamStage {
  readonly kind: 'stream';
  readonly name: string;
  stream(input: Chunks, runtime: Runtime, control: StreamControl): Chunks;
  /** Takes in a following `$unwind` of the field it produces, so the joined documents stream one by one. */
  absorbUnwind?(unwind: UnwindSpec): StreamStage | null;
}

/** A parsed `$unwind`, for a stage that absorbs it. */
export interface UnwindSpec {
  readonly path: readonly string[];
  readonly index: readonly string[] | null;
  readonly preserve: boolean;
}

/** A stage that maps each document to zero or more documents independently ($match, $project, $unwind...). */
export interface DocumentStage {
  readonly kind: 'document';
  readonly name: string;
  /** Its outputs for one input: an array, or (for an expansion that may be huge, `$unwind`) an iterable read lazily. */
  apply(doc: Document, runtime: Runtime): Document[] | Iterable<Document>;
  /** `$unwind`'s parsed specification, for a stage before it that can take it in. */
  readonly unwind?: UnwindSpec;
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

export type CompiledStage = DocumentStage | BatchStage | StreamStage;

/** Compile-time context of one stage. */
export interface StageContext {
  readonly collation: Collation | null;
  /** Expression parse context with the pipeline's variables declared. */
  readonly expressions: ParseContext;
  /** The pipeline's variable values (for stages that evaluate at compile time or hand them to a matcher). */
  readonly variables: Readonly<Record<string, unknown>>;
  /** How deep this pipeline is nested in others (0 for a command's own). */
  readonly depth: number;
  /** The stage's input documents carry text scores (they come from a first `$match` with `$text`). */
  readonly textScore?: boolean;
}

/** Parses one stage's specification; `name` is the stage name as written (`$set` or `$addFields`). */
export type StageParser = (spec: unknown, ctx: StageContext, name: string) => CompiledStage;
