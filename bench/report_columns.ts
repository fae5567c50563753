/** The columns of each scenario's results table in BENCHMARKS.md. */
import { int, mib, ms, ratio } from './format.js';
import type { RunResult } from './result.js';

export interface Column {
  header: string;
  cell(run: RunResult, all: readonly RunResult[]): string;
}

const m = (run: RunResult, name: string): number | null => {
  const v = run.metrics?.[name];
  return typeof v === 'number' ? v : null;
};

/** This subject's figure divided by raw better-sqlite3's in the same scenario and run. */
function vsRaw(metric: string): Column {
  return {
    header: '× raw better-sqlite3',
    cell(run, all) {
      const raw = all.find((r) => r.scenario === run.scenario && r.subject === 'raw-sqlite' && r.ok);
      const a = m(run, metric);
      const b = raw ? m(raw, metric) : null;
      return a !== null && b ? ratio(a / b) : '–';
    },
  };
}

/** Each of `metrics` divided by the same figure of `peer` in the same scenario and run, as `a / b / c`. */
function vsPeerEach(header: string, metrics: readonly string[], peer: string): Column {
  return {
    header,
    cell(run, all) {
      const other = all.find((r) => r.scenario === run.scenario && r.subject === peer && r.ok);
      return metrics.map((metric) => {
        const a = m(run, metric);
        const b = other ? m(other, metric) : null;
        if (a === null || !b) return '–';
        // Two decimals would show a small ratio as 0.00×.
        return a / b < 0.1 ? `${Number((a / b).toPrecision(2))}×` : ratio(a / b);
      }).join(' / ');
    },
  };
}

const col = (header: string, cell: (run: RunResult) => string): Column => ({ header, cell });
const deliveredOf = (run: RunResult): string =>
  m(run, 'eventsExpected') === null ? 'no feed' : `${int(m(run, 'eventsDelivered'))} / ${int(m(run, 'eventsExpected'))}`;
const clientServerRss = col('peak RSS (bench process; server)', (r) =>
  typeof r.serverPeakRssKiB === 'number' ? `${mib(r.peakRssKiB)}; server ${mib(r.serverPeakRssKiB)}` : mib(r.peakRssKiB));
/** A latency percentile; null with events missing means the percentile falls among events that never arrived. */
const latencyCell = (metric: string) => (r: RunResult): string => {
  const v = m(r, metric);
  if (v !== null) return `${ms(v)} ms`;
  const expected = m(r, 'eventsExpected');
  return expected !== null && (m(r, 'eventsDelivered') ?? 0) < expected ? 'not delivered' : '–';
};
/** The metric prefixes of scenario 9's queries, in column order. */
const INDEXED_QUERIES = ['findOne', 'rangeSortLimit', 'countRange'] as const;
const latency = [col('p50', latencyCell('p50Ms')), col('p99', latencyCell('p99Ms')), col('max', latencyCell('maxMs'))];

/** Every round's headline figure when the scenario ran in rounds (the table shows the median round). */
const eachRound = (r: RunResult): string => (r.rounds && r.rounds.length > 1 ? r.rounds.map((x) => int(x)).join(', ') : '–');
const rounds = col('each round', eachRound);
/** The longest the bench process's event loop went without running timers (perf_hooks event-loop delay). */
const stall = col('longest event-loop stall', (r) => `${ms(m(r, 'maxEventLoopStallMs'))} ms`);
const load = col('load avg', (r) => (typeof r.loadAverage === 'number' ? r.loadAverage.toFixed(1) : '–'));

export const COLUMNS: Record<string, Column[]> = {
  single_inserts: [
    col('writes/s', (r) => int(m(r, 'writesPerSec'))),
    rounds,
    vsRaw('writesPerSec'),
    col('events delivered', deliveredOf),
    ...latency,
    clientServerRss,
    load,
  ],
  insert_many: [
    col('docs/s', (r) => int(m(r, 'docsPerSec'))),
    rounds,
    vsRaw('docsPerSec'),
    col('per batch p50', (r) => `${ms(m(r, 'batchP50Ms'))} ms`),
    col('per batch p99', (r) => `${ms(m(r, 'batchP99Ms'))} ms`),
    clientServerRss,
    load,
  ],
  fan_out: [
    col('streams', (r) => int(r.work?.streams as number)),
    col('writes/s asked / achieved', (r) => `${int(r.work?.targetWritesPerSec as number)} / ${int(m(r, 'achievedWritesPerSec'))}`),
    col('achieved, each round', eachRound),
    col('events delivered', deliveredOf),
    ...latency,
    col('streams opened in', (r) => `${ms(m(r, 'openStreamsMs'))} ms`),
    stall,
    clientServerRss,
    load,
  ],
  catch_up: [
    col('entries', (r) => int(r.work?.entries as number)),
    col('events/s (batchSize 10,000)', (r) => int(m(r, 'eventsPerSec'))),
    col('events/s (default batch)', (r) => int(m(r, 'eventsPerSecDefaultBatch'))),
    vsRaw('eventsPerSec'),
    clientServerRss,
    load,
  ],
  transactions: [
    col('3-doc transactions/s', (r) => int(m(r, 'txnPerSec'))),
    rounds,
    col('docs/s in transactions / one by one', (r) => `${int(m(r, 'txnDocsPerSec'))} / ${int(m(r, 'plainDocsPerSec'))}`),
    col('plain writes/s: none open / 100 open', (r) => `${int(m(r, 'writesPerSecNoOpenTxns'))} / ${int(m(r, 'writesPerSecWithOpenTxns'))}`),
    col('with 100 open ÷ none', (r) => (m(r, 'openTxnsRatio') === null ? '–' : ratio(m(r, 'openTxnsRatio')!))),
    clientServerRss,
    load,
  ],
  queries: [
    col('find().limit(1)', (r) => `${ms(m(r, 'limitOneMs'))} ms`),
    col('first batch of find({})', (r) => `${ms(m(r, 'firstBatchMs'))} ms`),
    col('find({}).toArray() docs/s', (r) => int(m(r, 'toArrayDocsPerSec'))),
    col('sort of all (server side)', (r) => `${ms(m(r, 'sortAllMs'))} ms`),
    col('point reads during the sort p50 / p99', (r) => `${ms(m(r, 'pointReadDuringSortP50Ms'))} / ${ms(m(r, 'pointReadDuringSortP99Ms'))} ms`),
    clientServerRss,
    load,
  ],
  indexed_queries: [
    col('findOne by k ops/s', (r) => int(m(r, 'findOnePerSec'))),
    col('range + sort + limit(10) ops/s', (r) => int(m(r, 'rangeSortLimitPerSec'))),
    col('count of 0.1% ops/s', (r) => int(m(r, 'countRangePerSec'))),
    vsPeerEach('× raw better-sqlite3 (findOne / range / count)', INDEXED_QUERIES.map((q) => `${q}PerSec`), 'raw-sqlite-indexed'),
    col('forced COLLSCAN, mean (findOne / range / count)', (r) =>
      m(r, 'findOneCollscanMs') === null ? '–' : `${INDEXED_QUERIES.map((q) => ms(m(r, `${q}CollscanMs`))).join(' / ')} ms`),
    col('COLLSCAN time ÷ indexed time (findOne / range / count)', (r) =>
      m(r, 'findOneCollscanRatio') === null ? '–' : INDEXED_QUERIES.map((q) => `${int(m(r, `${q}CollscanRatio`))}×`).join(' / ')),
    clientServerRss,
    load,
  ],
  large_documents: [
    col('inserts/s next to 8 × 8 MiB', (r) => int(m(r, 'insertsPerSec'))),
    col('inserts/s alone', (r) => int(m(r, 'insertsPerSecAlone'))),
    col('next to ÷ alone', (r) => (m(r, 'withLargeRatio') === null ? '–' : ratio(m(r, 'withLargeRatio')!))),
    col('drop', (r) => `${ms(m(r, 'dropMs'))} ms`),
    load,
  ],
  auth: [
    col('connect + ping/s: none / SCRAM-SHA-256 / SCRAM-SHA-1', (r) =>
      `${int(m(r, 'connectNoAuthPerSec'))} / ${int(m(r, 'connectScram256PerSec'))} / ${int(m(r, 'connectScram1PerSec'))}`),
    col('SCRAM-SHA-256 ÷ none', (r) => (m(r, 'scram256SetupRatio') === null ? '–' : ratio(m(r, 'scram256SetupRatio')!))),
    col('4 at a time: none / SCRAM-SHA-256', (r) => `${int(m(r, 'connectNoAuthParallelPerSec'))} / ${int(m(r, 'connectScram256ParallelPerSec'))}`),
    col('inserts/s: --auth as root / no auth', (r) => `${int(m(r, 'insertsPerSecAuth'))} / ${int(m(r, 'insertsPerSecNoAuth'))}`),
    col('--auth ÷ no auth', (r) => (m(r, 'authInsertRatio') === null ? '–' : ratio(m(r, 'authInsertRatio')!))),
    col('authorization enforced', (r) => (r.work?.authorizationEnforced === true ? 'yes' : r.work?.authorizationEnforced === false ? 'no' : '–')),
    rounds,
    clientServerRss,
    load,
  ],
  lookup: [
    col('joined orders/s', (r) => int(m(r, 'joinedOrdersPerSec'))),
    col('whole join', (r) => `${ms(m(r, 'joinMs'))} ms`),
    vsPeerEach('× raw better-sqlite3', ['joinedOrdersPerSec'], 'raw-sqlite-indexed'),
    col('per order without the index', (r) => (m(r, 'collscanPerOrderMs') === null ? '–' : `${ms(m(r, 'collscanPerOrderMs'))} ms`)),
    col('without ÷ with, per order', (r) => (m(r, 'collscanRatio') === null ? '–' : `${int(m(r, 'collscanRatio'))}×`)),
    clientServerRss,
    load,
  ],
  geo_near: [
    col('$geoNear queries/s', (r) => int(m(r, 'queriesPerSec'))),
    col('per query (100 nearest)', (r) => `${ms(m(r, 'queryMs'))} ms`),
    vsPeerEach('× raw better-sqlite3', ['queriesPerSec'], 'raw-sqlite-indexed'),
    col('load 100,000 points', (r) => `${ms(m(r, 'loadMs'))} ms`),
    clientServerRss,
    load,
  ],
  mixed: [
    col('writes/s', (r) => int(m(r, 'writesPerSec'))),
    rounds,
    col('events delivered', deliveredOf),
    col('events/s', (r) => int(m(r, 'eventsPerSec'))),
    ...latency,
    col('drain after writers stop', (r) => `${ms(m(r, 'drainMs'))} ms`),
    stall,
    clientServerRss,
    load,
  ],
};
