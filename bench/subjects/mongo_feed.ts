/**
 * eddydb (embedded or wire) as a FeedSubject: inserts into one collection, and a watcher that is a plain
 * `await stream.next()` loop, as an application would write it.
 */
import type { BenchDoc } from '../docs.js';
import type { ChangeStreamLike, Doc, FeedSubject, MongoSubject } from './types.js';

export function mongoFeed(subject: MongoSubject, collectionName: string): FeedSubject {
  const coll = subject.collection(collectionName);
  let stream: ChangeStreamLike | null = null;
  let closing = false;
  return {
    insertOne: async (doc: BenchDoc) => {
      await coll.insertOne(doc as unknown as Doc);
    },
    insertMany: async (docs: BenchDoc[]) => {
      await coll.insertMany(docs as unknown as Doc[]);
    },
    async watch(onInsert) {
      const opened = (subject.watchCollection?.(collectionName) ?? coll).watch([], { maxAwaitTimeMS: 1000 });
      stream = opened;
      // One wait round first: the driver only sends its aggregate on the first read, and the stream must be
      // positioned before the first measured write.
      const first = await opened.tryNext();
      if (first) onInsert((first.fullDocument as Doc).n as number);
      void (async () => {
        for (;;) {
          let event: Doc;
          try {
            event = await opened.next();
          } catch (err) {
            if (!closing) process.stderr.write(`watcher failed: ${String(err)}\n`);
            return;
          }
          if (event.operationType === 'insert') onInsert((event.fullDocument as Doc).n as number);
        }
      })();
    },
    serverPeakRssKiB: () => subject.serverPeakRssKiB(),
    async close() {
      closing = true;
      await stream?.close().catch(() => undefined);
      await subject.close();
    },
  };
}
