import { isDocument, type Document } from '../../bson/index.js';
import { mongoError } from '../../errors/index.js';
import { fromTimestamp, toTimestamp } from '../../oplog/cluster_clock.js';
import type { CommandContext } from './context.js';
import { isInTransaction } from './transaction.js';

/** The commands mongod runs with readConcern `snapshot` outside a transaction. */
const SNAPSHOT_COMMANDS: ReadonlySet<string> = new Set(['find', 'aggregate', 'distinct', 'getMore', 'killCursors']);

/** True for a snapshot read outside a transaction (inside one, the transaction is the snapshot). */
export function isSnapshotRead(cmd: Document): boolean {
  return isDocument(cmd.readConcern) && cmd.readConcern.level === 'snapshot' && !isInTransaction(cmd);
}

/**
 * Puts a snapshot read on a view of the engine at its read time (`readConcern.atClusterTime`, or now), and returns
 * that time for the reply's `atClusterTime`. Other commands are refused, as mongod refuses them.
 */
export async function enterSnapshotRead(name: string, cmd: Document, ctx: CommandContext): Promise<bigint> {
  if (!SNAPSHOT_COMMANDS.has(name)) {
    throw mongoError('InvalidOptions', `Command ${name} does not support readConcern level 'snapshot' outside a multi-document transaction`);
  }
  const readConcern = cmd.readConcern as Document;
  const at = readConcern.atClusterTime;
  if (at !== undefined && (at === null || typeof at !== 'object' || (at as { _bsontype?: string })._bsontype !== 'Timestamp')) {
    throw mongoError('TypeMismatch', "BSON field 'atClusterTime' is the wrong type, expected type 'timestamp'");
  }
  const { engine, ts } = await ctx.server.engine.transactions.snapshotRead(at === undefined ? undefined : fromTimestamp(at as Parameters<typeof fromTimestamp>[0]));
  ctx.engine = engine;
  return ts;
}

/** Adds `atClusterTime` where drivers read it: in the cursor of find and aggregate, at the top for distinct. */
export function withAtClusterTime(result: Document, ts: bigint): void {
  if (isDocument(result.cursor)) result.cursor.atClusterTime = toTimestamp(ts);
  else result.atClusterTime = toTimestamp(ts);
}
