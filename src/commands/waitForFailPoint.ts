import { bsonTypeOf, isNumeric } from '../bson/types.js';
import { missingFieldError, mongoError, wrongTypeError } from '../errors/index.js';
import type { CommandDefinition } from './support/context.js';
import { KNOWN_FAIL_POINTS } from './support/fail_points.js';

/** How often the command looks at the fail point's count. */
const POLL_MS = 5;

/**
 * Test-only (enableTestCommands): waits until fail point `waitForFailPoint` has fired `timesEntered` times since the
 * server started, so a test knows an operation reached it. `maxTimeMS` is required, as mongod requires it.
 */
export const waitForFailPoint: CommandDefinition = {
  name: 'waitForFailPoint',
  adminOnly: true,
  testOnly: true,
  async run(cmd, ctx) {
    const name = cmd.waitForFailPoint;
    if (typeof name !== 'string') throw wrongTypeError('waitForFailPoint', bsonTypeOf(name), 'string');
    if (cmd.timesEntered === undefined) throw missingFieldError('waitForFailPoint.timesEntered');
    if (!isNumeric(cmd.timesEntered)) throw wrongTypeError('waitForFailPoint.timesEntered', bsonTypeOf(cmd.timesEntered), 'long');
    if (cmd.maxTimeMS === undefined) throw missingFieldError('waitForFailPoint.maxTimeMS');
    if (!KNOWN_FAIL_POINTS.has(name)) throw mongoError('FailPointSetFailed', `${name} not found`);
    const wanted = Number(cmd.timesEntered);
    while (ctx.server.failPoints.timesEntered(name) < wanted) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      ctx.op.check();
    }
    return {};
  },
};
