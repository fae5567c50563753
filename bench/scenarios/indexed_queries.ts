/**
 * Scenario 9: indexed queries on a large collection. A million documents with a unique secondary index on `k`;
 * three queries an application runs through an index: `findOne` by `k`, a range on `k` sorted by `k` with
 * `limit(10)`, and a count of a range holding 0.1% of the collection. Each runs with random keys for a fixed time,
 * then a few times forced to a collection scan with `hint({$natural: 1})`, so the index's gain is measured, not
 * assumed. Raw better-sqlite3 does the same lookups through its own index, as the limit of this storage.
 */
import { openRawIndexedSqlite } from '../peers/raw_sqlite_indexed.js';
import { perSecond } from '../stats.js';
import { openMongo } from '../subjects/open.js';
import type { CollectionLike, Doc } from '../subjects/types.js';
import { seededRandom } from '../util/random.js';
import type { Scenario, ScenarioResult } from './types.js';

const LOAD_BATCH = 10_000;
const RANGE_LIMIT = 10;
/** The counted range holds this fraction of the collection. */
const COUNT_FRACTION = 0.001;
/** A forced collection scan reads up to every document: a few runs give its time. */
const COLLSCAN_RUNS = 3;
const NATURAL = { $natural: 1 };

/** The unique key of the i-th document: a permutation of 0..docs-1 (7919 is a prime dividing neither size). */
function keyOf(i: number, docs: number): number {
  return (i * 7919) % docs;
}

function docAt(i: number, docs: number): Doc {
  return { _id: i, k: keyOf(i, docs), g: i % 1000, s: 'payload' };
}

/** The three queries against one store; `natural` forces a collection scan where the store has a choice. */
interface Lookups {
  findOne(k: number, natural: boolean): Promise<Doc | null>;
  firstFrom(from: number, natural: boolean): Promise<Doc[]>;
  countBetween(from: number, to: number, natural: boolean): Promise<number>;
}

function collectionLookups(coll: CollectionLike): Lookups {
  const hint = (natural: boolean) => (natural ? { hint: NATURAL } : {});
  return {
    findOne: (k, natural) => coll.findOne({ k }, hint(natural)),
    firstFrom: (from, natural) => coll.find({ k: { $gte: from } }, { sort: { k: 1 }, limit: RANGE_LIMIT, ...hint(natural) }).toArray(),
    countBetween: (from, to, natural) => coll.countDocuments({ k: { $gte: from, $lt: to } }, hint(natural)),
  };
}

/** The stages of a find's winning plan, outermost first (`LIMIT > FETCH > IXSCAN k_1`), as evidence of the plan. */
async function planOf(coll: CollectionLike, filter: Doc, options: Parameters<CollectionLike['find']>[1]): Promise<string> {
  const explained = await coll.find(filter, options).explain('queryPlanner');
  const stages: string[] = [];
  let stage = (explained.queryPlanner as Doc | undefined)?.winningPlan as Doc | undefined;
  while (stage) {
    stages.push(typeof stage.indexName === 'string' ? `${String(stage.stage)} ${stage.indexName}` : String(stage.stage));
    stage = stage.inputStage as Doc | undefined;
  }
  return stages.join(' > ');
}

/** Runs `op` back to back (each awaited) for `ms` milliseconds; returns operations per second. */
async function rate(ms: number, op: () => Promise<void>): Promise<{ perSec: number; ops: number }> {
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    await op();
    ops++;
    now = performance.now();
  }
  return { perSec: perSecond(ops, now - start), ops };
}

/** The mean time of `runs` awaited runs of `op`, in milliseconds. */
async function meanMs(runs: number, op: () => Promise<void>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < runs; i++) await op();
  return (performance.now() - start) / runs;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`wrong result: ${what}`);
}

/** The queries' checked operations, each drawing its keys from its own seeded sequence (the same for every subject). */
function operations(lookups: Lookups, docs: number, natural: boolean) {
  const width = Math.round(docs * COUNT_FRACTION);
  const drawOne = seededRandom(0x1234567);
  const drawRange = seededRandom(0x2345678);
  const drawCount = seededRandom(0x3456789);
  return {
    findOne: async () => {
      const k = drawOne(docs);
      const doc = await lookups.findOne(k, natural);
      check(doc?.k === k, `findOne({k: ${k}}) gave ${JSON.stringify(doc)}`);
    },
    range: async () => {
      const from = drawRange(docs - RANGE_LIMIT);
      const found = await lookups.firstFrom(from, natural);
      check(found.length === RANGE_LIMIT && found.every((d, i) => d.k === from + i), `the ${RANGE_LIMIT} first from k=${from}`);
    },
    count: async () => {
      const from = drawCount(docs - width);
      const n = await lookups.countBetween(from, from + width, natural);
      check(n === width, `count of [${from}, ${from + width}) gave ${n}, not ${width}`);
    },
  };
}

type Metrics = ScenarioResult['metrics'];

/** Each query's rate through the index, then (when `collscan`) its time forced to a collection scan. */
async function measure(lookups: Lookups, docs: number, quick: boolean, collscan: boolean): Promise<{ metrics: Metrics; work: ScenarioResult['work'] }> {
  const warmMs = quick ? 200 : 500;
  const runMs = quick ? 1_000 : 3_000;
  const indexed = operations(lookups, docs, false);
  const metrics: Metrics = {};
  const work: ScenarioResult['work'] = { measureMsPerQuery: runMs };
  const names = { findOne: 'findOne', range: 'rangeSortLimit', count: 'countRange' } as const;
  for (const [query, name] of Object.entries(names) as [keyof typeof names, string][]) {
    await rate(warmMs, indexed[query]);
    const { perSec, ops } = await rate(runMs, indexed[query]);
    metrics[`${name}PerSec`] = perSec;
    work[`${name}Ops`] = ops;
  }
  if (collscan) {
    const scanned = operations(lookups, docs, true);
    for (const [query, name] of Object.entries(names) as [keyof typeof names, string][]) {
      const ms = await meanMs(COLLSCAN_RUNS, scanned[query]);
      const indexedMs = 1000 / (metrics[`${name}PerSec`] as number);
      metrics[`${name}CollscanMs`] = Math.round(ms * 10) / 10;
      metrics[`${name}CollscanRatio`] = Math.round((ms / indexedMs) * 10) / 10;
    }
    work.collscanRuns = COLLSCAN_RUNS;
  }
  return { metrics, work };
}

async function runRaw(docs: number, quick: boolean): Promise<ScenarioResult> {
  const raw = openRawIndexedSqlite();
  try {
    const loadStart = performance.now();
    for (let i = 0; i < docs; i += LOAD_BATCH) {
      raw.insertMany(Array.from({ length: Math.min(LOAD_BATCH, docs - i) }, (_, j) => docAt(i + j, docs)));
    }
    const loadMs = Math.round(performance.now() - loadStart);
    const lookups: Lookups = {
      findOne: async (k) => raw.findOne(k),
      firstFrom: async (from) => raw.firstFrom(from, RANGE_LIMIT),
      countBetween: async (from, to) => raw.countBetween(from, to),
    };
    const { metrics, work } = await measure(lookups, docs, quick, false);
    return { work: { documents: docs, loadMs, ...work }, metrics };
  } finally {
    raw.close();
  }
}

export const indexedQueries: Scenario = {
  name: 'indexed_queries',
  title: '9. Indexed queries on a large collection',
  subjects: ['eddydb-memory', 'eddydb-file', 'eddydb-wire', 'raw-sqlite-indexed'],
  headline: 'findOnePerSec',
  async run(subject, quick) {
    const docs = quick ? 100_000 : 1_000_000;
    if (subject === 'raw-sqlite-indexed') return runRaw(docs, quick);
    const mongo = await openMongo(subject);
    try {
      const coll = mongo.collection('indexed');
      // The index exists before the documents, so every insert maintains it, as in an application's collection.
      await coll.createIndex({ k: 1 }, { unique: true });
      const loadStart = performance.now();
      for (let i = 0; i < docs; i += LOAD_BATCH) {
        await coll.insertMany(Array.from({ length: Math.min(LOAD_BATCH, docs - i) }, (_, j) => docAt(i + j, docs)));
      }
      const loadMs = Math.round(performance.now() - loadStart);
      const plans = {
        findOnePlan: await planOf(coll, { k: 1 }, { limit: 1 }),
        rangeSortLimitPlan: await planOf(coll, { k: { $gte: 1 } }, { sort: { k: 1 }, limit: RANGE_LIMIT }),
        collscanPlan: await planOf(coll, { k: 1 }, { limit: 1, hint: NATURAL }),
      };
      const { metrics, work } = await measure(collectionLookups(coll), docs, quick, true);
      return { work: { documents: docs, loadMs, ...plans, ...work }, metrics, serverPeakRssKiB: mongo.serverPeakRssKiB() };
    } finally {
      await mongo.close();
    }
  },
};
