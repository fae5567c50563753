/**
 * The commit-ordered clock of docs/scale-out.md (section 3.5) on a real PostgreSQL, against the two requirements of
 * section 3.1 it was chosen for:
 *
 * - R1: a transaction whose COMMIT returned before another's BEGIN was sent has lower times than that other one;
 * - R2: once a reader has passed a time, no entry below it becomes visible later, so "everything up to the highest
 *   time I have seen" is a complete watermark.
 *
 * Eight writers on their own connections commit, roll back, and fail transactions of one or several entries, sending
 * the final `append_changes` and COMMIT in separate round trips, in one query string, or pipelined, while readers
 * tail the change table as a server's tail would. Order and content only: nothing here depends on how fast it runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { changeLogSql } from '../../../src/storage/postgres/schema.js';
import { requireOptional } from '../../helpers/optional.js';
import { createTestDatabase, POSTGRES_HOW_TO_GET, postgresMissing, type TestDatabase } from '../../helpers/postgres.js';
import { prng } from '../../helpers/random.js';

const SUITE = 'the commit-ordered clock on PostgreSQL';

const WRITERS = 8;
/** Writers with these indexes use node-postgres' pipeline mode: the whole transaction goes out at once. */
const PIPELINED = new Set([6, 7]);
const TRANSACTIONS_PER_WRITER = 300;
const SEED = 0x5ca1e;

/** What a writer does with one transaction. */
type Outcome = 'commit' | 'rollback' | 'error';
/** How `append_changes` and the final COMMIT or ROLLBACK reach the server. */
type Sending = 'separate' | 'one string' | 'pipelined';

interface Transaction {
  writer: number;
  outcome: Outcome;
  sending: Sending;
  /** Entry payloads, unique over the run: `w<writer>t<n>e<i>`. */
  entries: string[];
  /** process.hrtime.bigint() just before BEGIN was handed to the client. */
  began: bigint;
  /** process.hrtime.bigint() once the last reply (COMMIT, ROLLBACK) arrived. */
  returned: bigint;
  /** What append_changes returned (biased), when it ran. */
  first?: bigint;
  /** The database's wall-clock second, read inside the transaction before append_changes. */
  second?: number;
  /** True only when COMMIT answered with the command tag COMMIT. */
  committed: boolean;
}

interface Row {
  ts: bigint;
  entry: string;
}

/** A reader's log against the final one, failing with the first difference rather than thousands of rows. */
function assertSameLog(delivered: Row[], final: Row[]): void {
  const at = final.findIndex((row, i) => delivered[i]?.ts !== row.ts || delivered[i]?.entry !== row.entry);
  if (at >= 0) {
    const got = delivered[at];
    assert.fail(`a reader's log differs from the final one at row ${at}: ${got ? row(got) : 'nothing'} instead of ${row(final[at]!)}`);
  }
  assert.equal(delivered.length, final.length, 'a reader delivered nothing beyond the final log');
}

function row(r: Row): string {
  return `${r.ts} ${r.entry}`;
}

/** The seconds field of a biased cluster time. */
function secondsOf(biased: bigint): number {
  return Number((biased >> 32n) + 2147483648n);
}

function toRows(result: pg.QueryResult): Row[] {
  return result.rows.map((r: { ts: string; entry: Buffer }) => ({ ts: BigInt(r.ts), entry: r.entry.toString('utf8') }));
}

function arrayLiteral(entries: string[]): string {
  return `ARRAY[${entries.map((e) => `'\\x${Buffer.from(e).toString('hex')}'`).join(', ')}]::bytea[]`;
}

const SECOND_SQL = 'SELECT floor(extract(epoch FROM clock_timestamp()))::bigint AS s';

async function runTransaction(client: pg.Client, t: Transaction): Promise<void> {
  const buffers = t.entries.map((e) => Buffer.from(e));
  const append = (): Promise<pg.QueryResult> => client.query('SELECT eddydb.append_changes($1) AS first', [buffers]);
  t.began = process.hrtime.bigint();
  if (t.sending === 'pipelined') {
    // Sent back to back without waiting: the clock lock is held only for the server's own work.
    const replies = [client.query('BEGIN'), client.query(SECOND_SQL), append()];
    if (t.outcome === 'error') replies.push(client.query('SELECT 1/0'));
    replies.push(client.query(t.outcome === 'commit' ? 'COMMIT' : 'ROLLBACK'));
    const settled = await Promise.allSettled(replies);
    t.returned = process.hrtime.bigint();
    const value = (i: number): pg.QueryResult => {
      const s = settled[i]!;
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    };
    t.second = Number(value(1).rows[0].s);
    t.first = BigInt(value(2).rows[0].first);
    if (t.outcome === 'error') assert.equal(settled[3]!.status, 'rejected');
    t.committed = value(settled.length - 1).command === 'COMMIT';
    return;
  }
  await client.query('BEGIN');
  t.second = Number((await client.query(SECOND_SQL)).rows[0].s);
  if (t.sending === 'one string') {
    // The form the design prescribes without pipelining: the function and the end of the transaction in one message.
    const text = `SELECT eddydb.append_changes(${arrayLiteral(t.entries)}) AS first; ${t.outcome === 'error' ? 'SELECT 1/0' : t.outcome === 'commit' ? 'COMMIT' : 'ROLLBACK'}`;
    if (t.outcome === 'error') {
      await assert.rejects(client.query(text), /division by zero/);
      await client.query('ROLLBACK');
      t.returned = process.hrtime.bigint();
      return;
    }
    const results = (await client.query(text)) as unknown as pg.QueryResult[];
    t.returned = process.hrtime.bigint();
    t.first = BigInt(results[0]!.rows[0].first);
    t.committed = results[1]!.command === 'COMMIT';
    return;
  }
  t.first = BigInt((await append()).rows[0].first);
  if (t.outcome === 'error') {
    await assert.rejects(client.query('SELECT 1/0'), /division by zero/);
    await client.query('ROLLBACK');
  } else {
    const end = await client.query(t.outcome === 'commit' ? 'COMMIT' : 'ROLLBACK');
    t.committed = end.command === 'COMMIT';
  }
  t.returned = process.hrtime.bigint();
}

function planWriter(writer: number): Transaction[] {
  const random = prng(SEED + writer);
  const plan: Transaction[] = [];
  for (let n = 0; n < TRANSACTIONS_PER_WRITER; n++) {
    const r = random();
    const outcome: Outcome = r < 0.8 ? 'commit' : r < 0.92 ? 'rollback' : 'error';
    const count = random() < 0.6 ? 1 : 2 + Math.floor(random() * 4);
    const sending: Sending = PIPELINED.has(writer) ? 'pipelined' : random() < 0.5 ? 'separate' : 'one string';
    const entries = Array.from({ length: count }, (_, i) => `w${writer}t${n}e${i}`);
    plan.push({ writer, outcome, sending, entries, began: 0n, returned: 0n, committed: false });
  }
  return plan;
}

/**
 * A tail as a server would run it: keeps the highest time it has delivered and reads only above it. `byMax` first
 * asks for max(ts) and then reads up to it, the other shape of the same watermark. Every few reads it also counts the
 * rows at or below its watermark: under R2 that is always exactly what it delivered.
 */
class Reader {
  readonly delivered: Row[] = [];
  watermark = -(2n ** 63n);
  belowChecks = 0;
  private polls = 0;

  constructor(
    private readonly client: pg.Client,
    private readonly byMax: boolean,
  ) {}

  /** One poll; returns how many rows it delivered. */
  async poll(): Promise<number> {
    let rows: Row[];
    if (this.byMax) {
      const max = (await this.client.query('SELECT max(ts) AS m FROM eddydb.changes')).rows[0].m as string | null;
      if (max === null || BigInt(max) <= this.watermark) return 0;
      rows = toRows(await this.client.query('SELECT ts, entry FROM eddydb.changes WHERE ts > $1 AND ts <= $2 ORDER BY ts', [String(this.watermark), max]));
      // A later snapshot sees at least what the one that answered max(ts) saw.
      assert.equal(rows.at(-1)?.ts, BigInt(max), 'the row holding max(ts) is visible to the next statement');
    } else {
      rows = toRows(await this.client.query('SELECT ts, entry FROM eddydb.changes WHERE ts > $1 ORDER BY ts LIMIT 200', [String(this.watermark)]));
    }
    for (const row of rows) {
      assert.ok(row.ts > this.watermark, `a row at ${row.ts} arrived at or below the watermark ${this.watermark}`);
      this.delivered.push(row);
      this.watermark = row.ts;
    }
    if (rows.length > 0 && ++this.polls % 4 === 0) await this.checkBelow();
    return rows.length;
  }

  async checkBelow(): Promise<void> {
    const count = Number((await this.client.query('SELECT count(*) AS c FROM eddydb.changes WHERE ts <= $1', [String(this.watermark)])).rows[0].c);
    assert.equal(count, this.delivered.length, `rows at or below the watermark ${this.watermark} appeared after it was passed`);
    this.belowChecks++;
  }
}

if (requireOptional(SUITE, postgresMissing(), POSTGRES_HOW_TO_GET)) describe(SUITE, () => {
  let db: TestDatabase | undefined;
  const clients: pg.Client[] = [];

  async function connect(pipeline = false): Promise<pg.Client> {
    const client = new pg.Client(db!.config({ pipeline }));
    clients.push(client);
    await client.connect();
    return client;
  }

  before(async () => {
    db = await createTestDatabase();
    const setup = await connect();
    // The engine's own clock SQL (the sequence, the change table and append_changes), alone in an empty database.
    await setup.query(changeLogSql('eddydb'));
  });

  after(async () => {
    await Promise.allSettled(clients.map((c) => c.end()));
    await db?.drop();
  });

  test('times follow commit order, readers never see a late arrival, and the log holds exactly the committed entries', async () => {
    const writerClients = await Promise.all(Array.from({ length: WRITERS }, (_, w) => connect(PIPELINED.has(w))));
    const readers = [new Reader(await connect(), false), new Reader(await connect(), false), new Reader(await connect(), true)];
    const plans = Array.from({ length: WRITERS }, (_, w) => planWriter(w));

    let writing = true;
    let failed = false;
    const reading = Promise.allSettled(
      readers.map(async (reader) => {
        while (writing) {
          // Yield between empty polls so the writers' replies are handled; the loop never sleeps on a clock.
          if ((await reader.poll()) === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      }),
    );
    const writes = await Promise.allSettled(
      plans.map(async (plan, w) => {
        for (const t of plan) {
          if (failed) return;
          await runTransaction(writerClients[w]!, t).catch((err: unknown) => {
            failed = true;
            throw err;
          });
        }
      }),
    );
    writing = false;
    for (const outcome of [...writes, ...(await reading)]) if (outcome.status === 'rejected') throw outcome.reason;

    const all = plans.flat();
    const final = toRows(await clients[0]!.query('SELECT ts, entry FROM eddydb.changes ORDER BY ts'));
    const last = final.at(-1)!.ts;
    // Each reader catches up with the end, then must hold exactly the final log: nothing it skipped, nothing twice.
    for (const reader of readers) {
      while (reader.watermark < last) await reader.poll();
      await reader.checkBelow();
      assertSameLog(reader.delivered, final);
    }

    // Content: the committed transactions' entries, each once; none of a rolled-back or failed one.
    const committed = all.filter((t) => t.committed);
    assert.ok(committed.every((t) => t.outcome === 'commit'), 'only transactions meant to commit committed');
    assert.equal(committed.length, all.filter((t) => t.outcome === 'commit').length, 'every transaction meant to commit did');
    const entries = final.map((r) => r.entry);
    assert.equal(new Set(entries).size, entries.length, 'no entry twice');
    assert.deepEqual([...entries].sort(), committed.flatMap((t) => t.entries).sort(), 'the log holds exactly the committed entries');

    // Each committed transaction owns consecutive times from the one append_changes returned, in entry order, and
    // that time is not below the database's wall-clock second read earlier in the same transaction.
    const byTs = new Map(final.map((r) => [r.ts, r.entry]));
    for (const t of committed) {
      t.entries.forEach((e, i) => assert.equal(byTs.get(t.first! + BigInt(i)), e, `${e} at its transaction's time + ${i}`));
      assert.ok(secondsOf(t.first!) >= t.second!, `${t.entries[0]}: time ${secondsOf(t.first!)} s below the wall clock ${t.second} s`);
    }
    // A time handed to a transaction that then rolled back is never handed out again.
    for (const t of all.filter((t) => !t.committed && t.first !== undefined)) {
      t.entries.forEach((_, i) => assert.equal(byTs.get(t.first! + BigInt(i)), undefined, `rolled-back time of ${t.entries[i]} reused`));
    }

    // R1: sort by when COMMIT returned; every transaction that began after a prefix of those returned must have its
    // first time above the highest time in that prefix.
    const span = (t: Transaction): [bigint, bigint] => [t.first!, t.first! + BigInt(t.entries.length - 1)];
    const byReturn = [...committed].sort((a, b) => (a.returned < b.returned ? -1 : a.returned > b.returned ? 1 : 0));
    const highestSoFar: bigint[] = [];
    const highestFrom: Transaction[] = [];
    byReturn.forEach((t, i) => {
      const prior = i === 0 ? undefined : highestSoFar[i - 1]!;
      if (prior === undefined || span(t)[1] > prior) {
        highestSoFar.push(span(t)[1]);
        highestFrom.push(t);
      } else {
        highestSoFar.push(prior);
        highestFrom.push(highestFrom[i - 1]!);
      }
    });
    let orderedPairs = 0;
    for (const later of committed) {
      // How many transactions had returned from COMMIT before `later` began.
      let lo = 0;
      let hi = byReturn.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (byReturn[mid]!.returned < later.began) lo = mid + 1;
        else hi = mid;
      }
      if (lo === 0) continue;
      orderedPairs += lo;
      const earlier = highestFrom[lo - 1]!;
      assert.ok(
        highestSoFar[lo - 1]! < span(later)[0],
        `R1: ${earlier.entries[0]} committed before ${later.entries[0]} began but has time ${highestSoFar[lo - 1]} >= ${span(later)[0]}`,
      );
    }

    // The run proved something: transactions overlapped (so the lock, not luck, ordered them), many pairs were
    // ordered by commit, and the readers checked their watermark while writers were running.
    const byBegin = [...committed].sort((a, b) => (a.began < b.began ? -1 : a.began > b.began ? 1 : 0));
    const overlapping = byBegin.filter((t, i) => i > 0 && t.began < byBegin[i - 1]!.returned && t.writer !== byBegin[i - 1]!.writer).length;
    assert.ok(overlapping > 0, 'some committed transactions overlapped');
    assert.ok(orderedPairs > committed.length, `commit-ordered pairs checked: ${orderedPairs}`);
    for (const sending of ['separate', 'one string', 'pipelined'] as const) {
      assert.ok(committed.some((t) => t.sending === sending && t.entries.length > 1), `a committed ${sending} transaction of several entries`);
      assert.ok(all.some((t) => t.sending === sending && !t.committed && t.first !== undefined), `a rolled-back ${sending} transaction after append_changes`);
    }
    assert.ok(readers.every((r) => r.belowChecks > 1));
  });
});
