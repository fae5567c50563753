import { UUID } from '../bson/index.js';
import type { Document } from '../bson/types.js';

/**
 * A logical session, as `client.startSession()` returns it. Commands run with it carry its `lsid`; cursors opened
 * in it end with it. One engine with serialised storage makes every read causally consistent with the session's
 * earlier writes, so no extra waiting is needed.
 */
export class ClientSession {
  readonly id: { id: UUID };
  private ended = false;

  constructor(private readonly onEnd: (lsid: Document) => Promise<void>) {
    this.id = { id: new UUID() };
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  async endSession(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.onEnd(this.id);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.endSession();
  }
}
