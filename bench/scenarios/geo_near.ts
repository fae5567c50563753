/**
 * Scenario 12: `$geoNear` over 100,000 points. The points lie at random (a fixed seed) over the continental United
 * States, in a collection with a 2dsphere index; each query asks for the 100 nearest to one of four centres
 * (`$geoNear` then `$limit: 100`), checked against a brute-force haversine ranking of every point. Raw
 * better-sqlite3 answers the same question with SQLite's R*Tree and exact distances, as the limit of this storage.
 */
import { EARTH_RADIUS_METERS, haversine } from '../../test/helpers/manual_geo_fixtures.js';
import { prng } from '../../test/helpers/random.js';
import { openRawSqliteGeo } from '../peers/raw_sqlite_geo.js';
import { perSecond } from '../stats.js';
import { openMongo } from '../subjects/open.js';
import type { CollectionLike, Doc } from '../subjects/types.js';
import type { Scenario, ScenarioResult } from './types.js';

const POINTS = 100_000;
const NEAREST = 100;
const CENTRES: readonly [number, number][] = [[-73.99, 40.73], [-87.63, 41.88], [-104.99, 39.74], [-122.42, 37.77]];

function points(): Doc[] {
  const random = prng(2024);
  return Array.from({ length: POINTS }, (_, i) => ({ _id: i, name: `place ${i}`, loc: { type: 'Point', coordinates: [-125 + random() * 58, 25 + random() * 24] } }));
}

/** The great-circle distance in meters, as mongod computes it for a 2dsphere index. */
function meters(a: readonly number[], b: readonly number[]): number {
  return haversine(a, b) * EARTH_RADIUS_METERS;
}

/** Per centre, the distance of the NEAREST-th nearest point: a result is right when its distances end there. */
function expectedLast(docs: readonly Doc[]): number[] {
  return CENTRES.map((c) => {
    const d = docs.map((doc) => meters(c, (doc.loc as { coordinates: number[] }).coordinates)).sort((x, y) => x - y);
    return d[NEAREST - 1]!;
  });
}

function check(result: readonly Doc[], last: number): void {
  if (result.length !== NEAREST) throw new Error(`wrong result: ${result.length} documents, not ${NEAREST}`);
  for (let i = 1; i < result.length; i++) {
    if ((result[i]!.dist as number) < (result[i - 1]!.dist as number)) throw new Error('wrong result: not nearest first');
  }
  const end = result[result.length - 1]!.dist as number;
  if (Math.abs(end - last) > 1e-3) throw new Error(`wrong result: the ${NEAREST}th is at ${end} m, not ${last} m`);
}

/** The mean time of one query over `rounds` passes over the centres, in milliseconds, after one pass to warm up. */
async function meanQueryMs(rounds: number, last: number[], query: (c: readonly [number, number]) => Promise<Doc[]>): Promise<number> {
  for (let i = 0; i < CENTRES.length; i++) check(await query(CENTRES[i]!), last[i]!);
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (let i = 0; i < CENTRES.length; i++) check(await query(CENTRES[i]!), last[i]!);
  return (performance.now() - start) / (rounds * CENTRES.length);
}

function figures(queryMs: number, loadMs: number): ScenarioResult['metrics'] {
  return { queryMs: Math.round(queryMs * 100) / 100, queriesPerSec: perSecond(1, queryMs), loadMs: Math.round(loadMs) };
}

async function load(coll: CollectionLike, docs: Doc[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 5_000) await coll.insertMany(docs.slice(i, i + 5_000));
}

export const geoNear: Scenario = {
  name: 'geo_near',
  title: '12. $geoNear: the 100 nearest of 100,000 points (2dsphere index)',
  subjects: ['eddydb-memory', 'eddydb-file', 'eddydb-wire', 'raw-sqlite-indexed'],
  headline: 'queriesPerSec',
  async run(subject, quick) {
    const rounds = quick ? 3 : 20;
    const docs = points();
    const last = expectedLast(docs);
    if (subject === 'raw-sqlite-indexed') {
      const raw = openRawSqliteGeo();
      try {
        const started = performance.now();
        raw.load(docs);
        const loadMs = performance.now() - started;
        const queryMs = await meanQueryMs(rounds, last, async ([lng, lat]) => raw.nearest(lng, lat, NEAREST, 'dist'));
        return { work: { points: POINTS, nearest: NEAREST, centres: CENTRES.length, rounds }, metrics: figures(queryMs, loadMs) };
      } finally {
        raw.close();
      }
    }
    const mongo = await openMongo(subject);
    try {
      const coll = mongo.collection('places');
      await coll.createIndex({ loc: '2dsphere' });
      const started = performance.now();
      await load(coll, docs);
      const loadMs = performance.now() - started;
      const queryMs = await meanQueryMs(rounds, last, (c) =>
        coll.aggregate([{ $geoNear: { near: { type: 'Point', coordinates: c }, distanceField: 'dist' } }, { $limit: NEAREST }], { batchSize: NEAREST }).toArray());
      return { work: { points: POINTS, nearest: NEAREST, centres: CENTRES.length, rounds }, metrics: figures(queryMs, loadMs), serverPeakRssKiB: mongo.serverPeakRssKiB() };
    } finally {
      await mongo.close();
    }
  },
};
