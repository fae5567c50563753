import { bsonTypeOf, toBigInt } from '../bson/types.js';
import { mongoError, MongoServerError, wrongTypeError } from '../errors/index.js';
import { CloseConnectionRequested } from './support/close_connection.js';
import { ChangeStreamCursor } from '../changestream/change_stream_cursor.js';
import type { CommandDefinition } from './support/context.js';
import { nonNegative } from './support/args.js';
import { cursorCountArg } from './support/args.js';
import { cursorReply } from './support/reply.js';

export const getMore: CommandDefinition = {
  name: 'getMore',
  async run(cmd, ctx) {
    const raw = cmd.getMore;
    const type = bsonTypeOf(raw);
    if (type !== 'long' && type !== 'int') {
      throw wrongTypeError('getMore.getMore', type, 'long');
    }
    if (typeof cmd.collection !== 'string') {
      throw wrongTypeError('getMore.collection', bsonTypeOf(cmd.collection), 'string');
    }
    const id = toBigInt(raw)!;
    const batchSize = cursorCountArg(cmd, 'getMore', 'batchSize') ?? 0;
    const maxTimeMS = nonNegative(cmd, 'getMore', 'maxTimeMS');
    const registry = ctx.engine.cursors;
    const cursor = registry.peek(id);
    if (!cursor) throw mongoError('CursorNotFound', `cursor id ${id} not found`);
    const ns = `${ctx.db}.${cmd.collection}`;
    if (cursor.ns !== ns) {
      throw mongoError('Unauthorized', `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`);
    }
    // mongod checks this while pinning the cursor, and leaves the cursor alive.
    const awaits = cursor.kind === 'changeStream' || cursor.awaitData === true;
    if (maxTimeMS !== undefined && !awaits) {
      throw mongoError('BadValue', 'cannot set maxTimeMS on getMore command for a non-awaitData cursor');
    }
    const checkedOut = registry.checkOut(id)!;
    if (checkedOut.busy) {
      throw mongoError('OperationFailed', `Cursor id ${id} is already in use`);
    }
    let exhausted = false;
    try {
      if (ctx.server.options.enableTestCommands && cursor instanceof ChangeStreamCursor) {
        const data = ctx.server.failPoints.trigger('failGetMoreAfterCursorCheckout', () => true);
        if (data) {
          if (data.closeConnection === true) throw new CloseConnectionRequested();
          throw new MongoServerError(Number(data.errorCode ?? 1), "Failpoint 'failGetMoreAfterCursorCheckout' triggered");
        }
      }
      const batch = await cursor.next(batchSize, awaits ? maxTimeMS : undefined, checkedOut.signal, ctx.op);
      exhausted = batch.exhausted;
      registry.checkIn(id, exhausted);
      if (!exhausted && ctx.exhaust) ctx.exhaust.runAgain = true;
      return cursorReply(cursor.ns, exhausted ? 0n : id, batch.docs, 'nextBatch', batch.postBatchResumeToken);
    } catch (err) {
      // mongod discards a cursor whose getMore failed; the client must open a new one (drivers resume).
      registry.kill(id);
      throw err;
    }
  },
};
