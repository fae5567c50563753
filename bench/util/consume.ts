import type { ChangeStreamLike, Doc } from '../subjects/types.js';

/**
 * Reads a stream in the background as an application would (`await stream.next()` in a loop), handing each event
 * over with the moment it arrived, until the stream fails or is closed.
 */
export function consumeEvents(stream: ChangeStreamLike, onEvent: (event: Doc, arrivedAt: number) => void, onEnd: () => void): void {
  void (async () => {
    for (;;) {
      let event: Doc;
      try {
        event = await stream.next();
      } catch {
        onEnd();
        return;
      }
      onEvent(event, performance.now());
    }
  })();
}
