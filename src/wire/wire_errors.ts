/** Errors of the wire layer itself (the command layer throws MongoServerError for replies). */

/**
 * Thrown by a CommandHandler to make the server close that client's socket without replying
 * (mongod's behaviour for failCommand `closeConnection`, or for a fatal protocol error).
 */
export class CloseConnectionSignal extends Error {
  constructor(message = 'connection closed by the command handler') {
    super(message);
    this.name = 'CloseConnectionSignal';
  }
}

/**
 * A message the connection cannot survive: bad framing, a bad checksum, an illegal flag, an unknown opcode or
 * compressor. mongod ends the session on these (its ConnectionFatalMessageParseError category), so do we.
 */
export class ConnectionFatalError extends Error {
  readonly code: number | undefined;
  constructor(message: string, code?: number) {
    super(message);
    this.name = 'ConnectionFatalError';
    this.code = code;
  }
}

/** True for a CloseConnectionSignal, also one from another copy of this module. */
export function isCloseConnectionSignal(err: unknown): boolean {
  return err instanceof CloseConnectionSignal || (err instanceof Error && err.name === 'CloseConnectionSignal');
}
