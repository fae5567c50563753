/** What each scenario did, in words, from the work its runs recorded. */
import { int } from './format.js';
import type { RunResult } from './result.js';

type Describe = (work: (subject: string, key: string) => number | string | boolean | undefined) => string;

export const DESCRIPTIONS: Record<string, Describe> = {
  single_inserts: (w) =>
    `${int(w('eddydb-file', 'inserts') as number)} sequential awaited inserts of a small document per subject (after ` +
    `${int(w('eddydb-file', 'warmupInserts') as number)} warm-up inserts), while one watcher consumes the change feed ` +
    '(eddydb: `coll.watch()` and an `await stream.next()` loop; PouchDB: live `changes` with `include_docs`; RxDB: ' +
    '`collection.$`). Latency runs from just before the insert call to the moment the watcher has the event, in one ' +
    'process. Raw better-sqlite3 has no feed: each insert is one transaction writing the document and a change-log ' +
    'row, with the pragmas eddydb uses, and no watcher, so it is the write cost alone. A full run makes three rounds ' +
    'over the subjects, in turn; each row is the round with the median writes/s.',
  insert_many: (w) =>
    `${int(w('eddydb-file', 'batches') as number)} batches of ${int(w('eddydb-file', 'batchSize') as number)} documents ` +
    `(${int(w('eddydb-file', 'docs') as number)} in all, after ${int(w('eddydb-file', 'warmupBatches') as number)} warm-up ` +
    'batches), no watcher. eddydb: `insertMany`; raw better-sqlite3: one transaction per batch writing 1,000 documents ' +
    'and 1,000 change-log rows; PouchDB: `bulkDocs`; RxDB: `bulkInsert`. A full run makes three rounds over the ' +
    'subjects, in turn; each row is the round with the median docs/s.',
  fan_out: (w) =>
    `Embedded: ${int(w('eddydb-file', 'streams') as number)} streams, each \`coll.watch([{ $match: { 'documentKey._id': i } }])\` ` +
    `on its own document, while one writer updates random documents (\`updateOne\` with \`$inc\`, each awaited, ` +
    'one event-loop turn per write so timers such as a waiting getMore\'s maxAwaitTimeMS run) paced at ' +
    `${int(w('eddydb-file', 'targetWritesPerSec') as number)} writes/s for ${int((w('eddydb-file', 'durationMs') as number) / 1000)} s. ` +
    `Over the wire: ${int(w('eddydb-wire', 'streams') as number)} driver streams over ${int(w('eddydb-wire', 'clients') as number)} ` +
    `MongoClients (${int(w('eddydb-wire', 'streamsPerClient') as number)} streams each, so every waiting getMore has its own ` +
    `connection), the writer on its own client, paced at ${int(w('eddydb-wire', 'targetWritesPerSec') as number)} writes/s ` +
    `with at most ${int(w('eddydb-wire', 'writesInFlightAtMost') as number)} writes in flight so one round trip does not cap the rate. ` +
    'The writer catches up on the writes it owes by the clock; the achieved rate is reported and must be within 5% of the pace. ' +
    'Every stream finishes one wait round before the first write. Latency runs from just before each update call to ' +
    'the moment the one stream watching that document has its event. A full run makes three rounds over the ' +
    'subjects, in turn; each row is the round with the median achieved write rate.',
  catch_up: (w) =>
    `A resume token is taken, then ${int(w('eddydb-file', 'entries') as number)} documents are inserted in batches of ` +
    `${int(w('eddydb-file', 'prefillBatch') as number)} into a file store; the store is closed and reopened (over the wire: ` +
    'served by a new `eddydb serve` process) and one stream resumes after the token and reads every event, checking ' +
    'each is the next insert. The prefill is not timed. The headline uses `batchSize: 10000`, the setting to use for ' +
    'a catch-up; the default batch size is shown for comparison. Raw better-sqlite3 reads its change-log rows in ' +
    'order and decodes each BSON body: the limit of this storage, for context. The bench process of the wire run also ' +
    'did the prefill, in-process, so its peak memory is not the driver\'s.',
  mixed: (w) =>
    `${int(w('eddydb-file', 'docs') as number)} documents preloaded; ${int(w('eddydb-file', 'streams') as number)} ` +
    "collection-wide streams with `fullDocument: 'updateLookup'`; " +
    `${int(w('eddydb-file', 'writers') as number)} writer loops each doing \`updateOne\` with \`$inc\` on random ` +
    `documents as fast as they can for ${int((w('eddydb-file', 'durationMs') as number) / 1000)} s, each giving the event ` +
    'loop one turn per write as a request-driven writer would. Every write is due at ' +
    'every stream; after the writers stop the bench waits for the streams to catch up (up to 30 s, longer if deliveries ' +
    'hold the event loop). The event-loop stall is the longest the bench process went without running a timer: ' +
    'in-process, writes and deliveries share one thread. A full run makes three rounds; each row is the round with ' +
    'the median writes/s. No target: recorded for comparison across runs.',
};

DESCRIPTIONS.transactions = (w) =>
  `${int(w('eddydb-file', 'transactions') as number)} transactions of three \`insertOne\` each (\`startTransaction\`, the ` +
  'inserts with `{ session }`, `commitTransaction`, one after the other), against the same inserts done one by one. ' +
  `Then ${int(w('eddydb-file', 'plainWrites') as number)} awaited \`updateOne\` with \`$inc\` on random documents of ` +
  `${int(w('eddydb-file', 'hotDocs') as number)} with no transaction open (the mean of a run before and one after), and ` +
  `while ${int(w('eddydb-file', 'openTransactions') as number)} transactions stay open, each having inserted one document. ` +
  'A full run makes three rounds; each row is the round with the median transactions/s.';

DESCRIPTIONS.auth = (w) =>
  `(a) ${int(w('eddydb-wire', 'connects') as number)} times: a new MongoClient (pool of one), \`connect\`, \`ping\`, \`close\`, ` +
  'against a server with --auth: without credentials, as a root user with SCRAM-SHA-256 ' +
  `(${int(w('eddydb-wire', 'iterationsSha256') as number)} iterations) and with SCRAM-SHA-1 ` +
  `(${int(w('eddydb-wire', 'iterationsSha1') as number)} iterations), one after the other, then ` +
  `${int(w('eddydb-wire', 'parallel') as number)} loops at a time. The driver derives the salted password once and keeps it, ` +
  'as in an application, so the figures are the round trips (speculative authentication in the handshake, then one ' +
  `\`saslContinue\`) and the server's work. (b) ${int(w('eddydb-wire', 'inserts') as number)} sequential awaited ` +
  '`insertOne` per server through one driver connection each: as the root user on the server with --auth, and without ' +
  'credentials on a server without (both folders made alike: a user written, then a restart). The two take turns in ' +
  `chunks of ${int(w('eddydb-wire', 'chunk') as number)} (A B B A ...), after ${int(w('eddydb-wire', 'warmupInserts') as number)} ` +
  'warm-up inserts each, so a burst of other work hits both alike; each side\'s time is summed. "Authorization ' +
  'enforced" says whether the build refused a find without credentials (Unauthorized, 13): only then does (b) include ' +
  'the privilege checks. A full run makes three rounds; each row is the round with the median ratio.';

export function describe(scenario: string, runs: readonly RunResult[]): string {
  const text = DESCRIPTIONS[scenario];
  if (!text) return '';
  return text((subject, key) => {
    const run = runs.find((r) => r.scenario === scenario && r.subject === subject && r.work) ?? runs.find((r) => r.scenario === scenario && r.work);
    return run?.work?.[key];
  });
}

DESCRIPTIONS.large_documents = (w) =>
  `${int(w('eddydb-file', 'inserts') as number)} awaited \`insertOne\` of a small document (numeric \`_id\`) into a ` +
  `collection holding ${int(w('eddydb-file', 'largeDocs') as number)} documents of ` +
  `${int((w('eddydb-file', 'largeBytes') as number) / 1024 / 1024)} MiB (string \`_id\`s, so next to every insert in ` +
  'key order); `drop` of that collection; then the same inserts into a collection with nothing large. No watcher.';

DESCRIPTIONS.queries = (w) =>
  `A collection of ${int(w('eddydb-file', 'documents') as number)} small documents, no secondary index: ` +
  '`find({r: {$gte: 0}}).limit(1)`, the first batch of `find({})`, and `find({}).toArray()`. Then a sort of the whole ' +
  'collection that returns one document (`skip` all but the last, so the time is the server\'s), while another ' +
  'connection reads one document by `_id` in a loop; its latencies are the point-read columns.';

DESCRIPTIONS.lookup = (w) =>
  `${int(w('eddydb-file', 'orders') as number)} orders and ${int(w('eddydb-file', 'customers') as number)} customers; each order ` +
  'names its customer by `custId`, and the customers have a unique index on `custId`; eddydb joins each chunk of ' +
  'orders with one `$in` read of the customers through that index. ' +
  '`aggregate([{$lookup: {from: \'customers\', localField: \'custId\', foreignField: \'custId\', as: \'customer\'}}])` read whole ' +
  `(\`toArray\`) ${int(w('eddydb-file', 'runs') as number)} times after a warm-up, each result checked (one customer per order); ` +
  'its mean is the join time. Before the index exists the join of the first ' +
  `${int(w('eddydb-file', 'collscanOrders') as number)} orders runs once, each chunk of orders scanning the customers (the "without the index" column). ` +
  'Raw better-sqlite3 keeps each document\'s BSON beside `custId`, the customers\' in a ' +
  'column with a unique SQLite index, and runs one prepared `LEFT JOIN ... ORDER BY` decoding both documents of every row.';

DESCRIPTIONS.geo_near = (w) =>
  `${int(w('eddydb-file', 'points') as number)} GeoJSON points at random over the continental United States, in a collection ` +
  'with a 2dsphere index (created before the inserts; the load column is the inserts). ' +
  '`aggregate([{$geoNear: {near: <point>, distanceField: \'dist\'}}, {$limit: 100}])` from each of ' +
  `${int(w('eddydb-file', 'centres') as number)} centres, ${int(w('eddydb-file', 'rounds') as number)} rounds after a warm-up, ` +
  'each result checked against a brute-force haversine ranking (the 100th distance to the millimetre); its mean is the query time. ' +
  'Raw better-sqlite3 keeps each document\'s BSON in a table and its position in SQLite\'s R*Tree module, reads the points in a ' +
  'growing box around the centre, measures them (haversine) and returns the nearest 100 decoded, once 100 lie within the box\'s circle.';

DESCRIPTIONS.indexed_queries = (w) =>
  `A collection of ${int(w('eddydb-file', 'documents') as number)} small documents with a unique index on \`k\` ` +
  '(created before the inserts; `k` is a permutation of the `_id`s). Three queries, each awaited back to back for ' +
  `${int((w('eddydb-file', 'measureMsPerQuery') as number) / 1000)} s after a warm-up, with keys from a seeded random ` +
  'sequence (the same for every subject), each result checked: `findOne({k})`; `find({k: {$gte: x}}).sort({k: 1}).limit(10)`; ' +
  '`countDocuments({k: {$gte: x, $lt: x + n}})` with n 0.1% of the collection (embedded: the `count` command; the driver ' +
  'sends an `aggregate` of `$match` and `$group`). Then each query forced to a collection scan with `hint({$natural: 1})`, ' +
  `${int(w('eddydb-file', 'collscanRuns') as number)} times (its mean time is the COLLSCAN column; a findOne scan stops at its ` +
  'document). Raw better-sqlite3 keeps each document\'s BSON beside `k` in a column with a unique SQLite index and runs ' +
  'the same lookups with prepared statements (`WHERE k = ?`, `WHERE k >= ? ORDER BY k LIMIT 10`, `count(*)` over the ' +
  'range), decoding the BSON it returns, with the pragmas eddydb\'s file store uses. The plans eddydb chose are in ' +
  '`work` of the results file (explain\'s winning plan).';
