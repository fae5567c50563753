import { isDocument, toNumber, type Document } from '../../bson/index.js';
import { ErrorCodes } from '../../errors/index.js';

/**
 * The writeConcernError mongod answers for a write concern a one-member replica set cannot satisfy: more members
 * than it has (UnsatisfiableWriteConcern, 100) or a tag set it does not define (UnknownReplWriteConcern, 79). The
 * write itself is done, as on mongod; only the acknowledgement it asked for cannot be given.
 */
export function unsatisfiableWriteConcern(writeConcern: unknown): Document | null {
  if (!isDocument(writeConcern) || writeConcern.w === undefined) return null;
  const w = writeConcern.w;
  if (typeof w === 'string') {
    if (w === 'majority') return null;
    return { code: ErrorCodes.UnknownReplWriteConcern, codeName: 'UnknownReplWriteConcern', errmsg: `No write concern mode named '${w}' found in replica set configuration` };
  }
  return toNumber(w) > 1 ? { code: ErrorCodes.UnsatisfiableWriteConcern, codeName: 'UnsatisfiableWriteConcern', errmsg: 'Not enough data-bearing nodes' } : null;
}

/** True when the command's write concern asks for a journaled (durable) acknowledgement: `j: true`. */
export function journaled(cmd: Document): boolean {
  return isDocument(cmd.writeConcern) && cmd.writeConcern.j === true;
}
