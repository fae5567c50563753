/**
 * Why a server could not start, with mongod's codeName and the exit code mongod uses for it (100 for a
 * DBException such as DBPathInUse, 48 for a listener that cannot bind).
 */
export class ServerStartupError extends Error {
  constructor(
    readonly codeName: string,
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServerStartupError';
  }
}
