import { bsonTypeOf, isNumeric, toBigInt, toNumber } from '../bson/types.js';
import { mongoError, MongoServerError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';
import { ownerFilter } from './support/authorize.js';
import { notAuthorizedToExecute } from './support/command_privileges.js';

const INT32_MIN = -2147483648n;
const INT32_MAX = 2147483647n;

/**
 * The `op` field as mongod reads it (bsonExtractIntegerField, then a 32-bit check): an int, a long or a double
 * with a whole value.
 */
function parseOpId(op: unknown): bigint {
  if (op === undefined) throw mongoError('NoSuchKey', 'Missing expected field "op"');
  if (!isNumeric(op)) throw mongoError('TypeMismatch', `Expected field "op" to have numeric type, but found ${bsonTypeOf(op)}`);
  const whole = toBigInt(op);
  const n = toNumber(op);
  if (whole === null || (bsonTypeOf(op) !== 'long' && !Number.isSafeInteger(n) && Math.abs(n) >= 2 ** 63)) {
    throw mongoError('BadValue', `Expected field "op" to have a value exactly representable as a 64-bit integer, but found op: ${String(op)}`);
  }
  if (whole < INT32_MIN || whole > INT32_MAX) {
    throw new MongoServerError(26823, `invalid op : ${whole}. Op ID cannot be represented with 32 bits`);
  }
  return whole;
}

/**
 * killOp: interrupts the operation with that opid (as `$currentOp` lists it); it answers Interrupted (11601) at its
 * next check. mongod answers the same "attempting" reply whether or not the operation exists.
 */
export const killOp: CommandDefinition = {
  name: 'killOp',
  adminOnly: true,
  async run(cmd, ctx) {
    const opid = parseOpId(cmd.op);
    const op = ctx.server.operations.get(Number(opid));
    // With access control, a user without killop on the cluster may kill only its own operations.
    if (ctx.authz && !ctx.authz.isAuthorizedFor([{ resource: { cluster: true }, actions: ['killop'] }])) {
      if (!op || !ownerFilter(ctx, true)!.ownsUsers(op.info.effectiveUsers)) throw notAuthorizedToExecute('killOp', cmd, ctx.db);
    }
    op?.kill();
    return { info: 'attempting to kill op' };
  },
};
