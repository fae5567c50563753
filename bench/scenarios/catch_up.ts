/**
 * Scenario 4: resume a stream from a token taken before a large prefill and time reading every event. The store
 * is reopened after the prefill, so the events come from storage as they would after an application restart;
 * prefill time is not part of the figure.
 */
import { makeDocs } from '../docs.js';
import { openRawSqlite } from '../peers/raw_sqlite.js';
import { perSecond } from '../stats.js';
import { isWire, needsPostgres, type SubjectName } from '../subjects/names.js';
import { openMongo } from '../subjects/open.js';
import type { CollectionLike, Doc } from '../subjects/types.js';
import { makeTempDir } from '../util/tmp.js';
import type { Scenario, ScenarioResult } from './types.js';

const BATCH = 1_000;

/**
 * Fills a fresh eddydb folder (or, for the PostgreSQL subjects, this process's PostgreSQL database, which every
 * later open reaches again) with `total` inserts and returns the resume token of a change made just before.
 */
async function prefill(subject: SubjectName, folder: string, total: number): Promise<Doc> {
  const db = await openMongo(needsPostgres(subject) ? 'eddydb-pg' : 'eddydb-file', { folder });
  try {
    const coll = db.collection('catch_up');
    const marker = coll.watch();
    await coll.insertOne({ _id: 'start', n: -1 });
    const token = (await marker.next())._id as Doc;
    await marker.close();
    for (let i = 0; i < total; i += BATCH) await coll.insertMany(makeDocs(i, BATCH) as unknown as Doc[]);
    return token;
  } finally {
    await db.close();
  }
}

/** Reads `total` events after `token`; checks they are the prefill's inserts in order. */
async function readAll(coll: CollectionLike, token: Doc, total: number, batchSize: number | undefined): Promise<number> {
  const stream = coll.watch([], batchSize === undefined ? { resumeAfter: token } : { resumeAfter: token, batchSize });
  try {
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const event = await stream.next();
      if (((event.fullDocument as Doc).n as number) !== i) throw new Error(`event ${i} carries n=${String((event.fullDocument as Doc).n)}`);
    }
    return performance.now() - start;
  } finally {
    await stream.close();
  }
}

async function rawSqliteCatchUp(total: number): Promise<ScenarioResult> {
  const raw = openRawSqlite();
  try {
    const from = raw.lastSeq();
    for (let i = 0; i < total; i += BATCH) await raw.insertMany(makeDocs(i, BATCH));
    const start = performance.now();
    const read = raw.readChangesAfter(from);
    const ms = performance.now() - start;
    if (read !== total) throw new Error(`read ${read} change-log rows of ${total}`);
    return { work: { entries: total }, metrics: { eventsPerSec: perSecond(total, ms) } };
  } finally {
    await raw.close();
  }
}

export const catchUp: Scenario = {
  name: 'catch_up',
  title: '4. Catch-up: resume a stream far back',
  subjects: ['eddydb-file', 'eddydb-wire', 'eddydb-pg', 'eddydb-pg-wire', 'raw-sqlite'],
  headline: 'eventsPerSec',
  async run(subject, quick) {
    const total = quick ? 100_000 : 1_000_000;
    if (subject === 'raw-sqlite') return rawSqliteCatchUp(total);
    const folder = makeTempDir('catch-up');
    const prefillStart = performance.now();
    const token = await prefill(subject, folder, total);
    const prefillMs = Math.round(performance.now() - prefillStart);
    const metrics: ScenarioResult['metrics'] = {};
    // The wire reads once with the driver; embedded also reads with the default batch size, for comparison.
    const sizes: (number | undefined)[] = isWire(subject) ? [10_000] : [10_000, undefined];
    let serverPeakRssKiB: number | null = null;
    for (const batchSize of sizes) {
      const db = await openMongo(subject, { folder });
      try {
        const ms = await readAll(db.collection('catch_up'), token, total, batchSize);
        metrics[batchSize === undefined ? 'eventsPerSecDefaultBatch' : 'eventsPerSec'] = perSecond(total, ms);
        serverPeakRssKiB = db.serverPeakRssKiB();
      } finally {
        await db.close();
      }
    }
    return {
      work: { entries: total, prefillBatch: BATCH, batchSize: 10_000, prefillMs },
      metrics,
      serverPeakRssKiB: isWire(subject) ? serverPeakRssKiB : undefined,
    };
  },
};
