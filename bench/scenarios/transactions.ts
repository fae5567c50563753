/**
 * Scenario 6: transactions. Three-document transactions per second against the same inserts done one by one, and the
 * rate of plain single-document writes with no transaction open against the same writes while 100 transactions stay
 * open (each having written one document of its own): an open transaction must not slow everyone else down.
 */
import { perSecond } from '../stats.js';
import { openMongo } from '../subjects/open.js';
import type { CollectionLike, SessionLike } from '../subjects/types.js';
import { seededRandom } from '../util/random.js';
import type { Scenario } from './types.js';

const OPEN_TRANSACTIONS = 100;

async function plainWrites(coll: CollectionLike, count: number, docs: number, random: (below: number) => number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await coll.updateOne({ _id: random(docs) }, { $inc: { n: 1 } });
  return perSecond(count, performance.now() - start);
}

export const transactions: Scenario = {
  name: 'transactions',
  title: '6. Transactions',
  subjects: ['eddydb-memory', 'eddydb-file', 'eddydb-wire', 'eddydb-pg', 'eddydb-pg-wire'],
  headline: 'txnPerSec',
  fullRunRounds: 3,
  async run(subject, quick) {
    const txnCount = quick ? 300 : 2_000;
    const writes = quick ? 2_000 : 10_000;
    const docs = 1_000;
    const mongo = await openMongo(subject);
    try {
      const coll = mongo.collection('txn');
      const plain = mongo.collection('plain');
      // 1. Three inserts per transaction, against the same inserts without one.
      const session = mongo.startSession();
      let start = performance.now();
      for (let t = 0; t < txnCount; t++) {
        session.startTransaction();
        for (let k = 0; k < 3; k++) await coll.insertOne({ _id: t * 3 + k, t, k }, { session });
        await session.commitTransaction();
      }
      const txnMs = performance.now() - start;
      await session.endSession();
      start = performance.now();
      for (let i = 0; i < txnCount * 3; i++) await plain.insertOne({ _id: i, t: Math.floor(i / 3), k: i % 3 });
      const plainMs = performance.now() - start;

      // 2. Plain updates with no transaction open, then with 100 open ones.
      const hot = mongo.collection('hot');
      for (let i = 0; i < docs; i++) await hot.insertOne({ _id: i, n: 0 });
      const random = seededRandom();
      await plainWrites(hot, Math.floor(writes / 2), docs, random);
      const before = await plainWrites(hot, writes, docs, random);
      const open: SessionLike[] = [];
      const parked = mongo.collection('parked');
      for (let i = 0; i < OPEN_TRANSACTIONS; i++) {
        const s = mongo.startSession();
        s.startTransaction();
        await parked.insertOne({ _id: i }, { session: s });
        open.push(s);
      }
      const withOpen = await plainWrites(hot, writes, docs, random);
      for (const s of open) {
        await s.abortTransaction();
        await s.endSession();
      }
      // Measured before and after, so that warming up or slowing down over time does not pass for their effect.
      const after = await plainWrites(hot, writes, docs, random);
      const withoutOpen = (before + after) / 2;
      return {
        work: { transactions: txnCount, docsPerTransaction: 3, plainWrites: writes, openTransactions: OPEN_TRANSACTIONS, hotDocs: docs },
        metrics: {
          txnPerSec: perSecond(txnCount, txnMs),
          txnDocsPerSec: perSecond(txnCount * 3, txnMs),
          plainDocsPerSec: perSecond(txnCount * 3, plainMs),
          writesPerSecNoOpenTxns: Math.round(withoutOpen),
          writesPerSecWithOpenTxns: withOpen,
          openTxnsRatio: withoutOpen > 0 ? Math.round((withOpen / withoutOpen) * 1000) / 1000 : null,
        },
        serverPeakRssKiB: mongo.serverPeakRssKiB(),
      };
    } finally {
      await mongo.close();
    }
  },
};
