import type { StreamControl } from '../query/pipeline/index.js';
import type { Engine } from './engine.js';
import { backgroundOperation, type Operation } from './operation.js';
import { defaultTempDir, SpillFile } from './spill_file.js';

/**
 * The operation a stream runs for now: the command that opened it, then each getMore that pulls from it, so the
 * kill and time limit checked at its yield points are those of the command running it.
 */
export interface OperationSlot {
  op: Operation;
}

export interface StreamOptions {
  /**
   * The command's `allowDiskUse`. Absent, blocking stages may spill, as mongod's `allowDiskUseByDefault` (true
   * since MongoDB 6.0); `false` makes them fail with 292 past their memory limit.
   */
  allowDiskUse?: boolean;
  /** mongod's prefix for errors raised while the plan runs. */
  errorContext: string;
}

/** A stream's control as the engine makes it for a command: it also knows the slot of the operation running it. */
interface OperationControl extends StreamControl {
  slot?: OperationSlot;
}

export function streamControl(engine: Engine, slot: OperationSlot, options: StreamOptions): StreamControl {
  const control: OperationControl = { yieldIfDue: () => slot.op.yieldIfDue(), errorContext: options.errorContext, slot };
  if (engine.options.blockingStageMemoryBytes !== undefined) control.memoryLimitBytes = engine.options.blockingStageMemoryBytes;
  if (options.allowDiskUse ?? engine.options.allowDiskUseByDefault ?? true) control.spiller = () => new SpillFile(engine.options.tempDir ?? defaultTempDir());
  return control;
}

export const FIND_ERROR_CONTEXT = 'Executor error during find command';
export const AGGREGATE_ERROR_CONTEXT = 'PlanExecutor error during aggregation';

/** For the engine's own reads (a lookup of one document, `$out`'s input): never killed, spills where needed. */
export function internalControl(): StreamControl {
  const op = backgroundOperation('internal read');
  return { yieldIfDue: () => op.yieldIfDue(), errorContext: AGGREGATE_ERROR_CONTEXT, spiller: () => new SpillFile(defaultTempDir()) };
}

/** The operation running a stream now (the command, then each getMore), when a command's control drives it. */
export function operationOf(control: StreamControl): Operation | undefined {
  return (control as OperationControl).slot?.op;
}
