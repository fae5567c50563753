/**
 * Thrown when a fail point says to drop the connection: the wire server closes the socket without replying, and
 * the embedded client raises a network error, so drivers see what they would see from mongod.
 */
export class CloseConnectionRequested extends Error {
  constructor() {
    super('connection closed by failCommand');
    this.name = 'CloseConnectionRequested';
  }
}
