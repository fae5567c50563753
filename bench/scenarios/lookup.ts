/**
 * Scenario 11: `$lookup` of 10,000 orders to 1,000 customers on an indexed foreign field. Each order names its
 * customer by `custId`; the customers have a unique index on `custId` (not their `_id`, so the join goes through a
 * secondary index). The whole join is read back (`toArray`) several times, each result checked. Before the index
 * exists, the join of the first 100 orders runs once (each chunk of orders scanning the customers), so the index's
 * gain per order is measured, not assumed. Raw
 * better-sqlite3 runs the equivalent `LEFT JOIN` through its own index, as the limit of this storage.
 */
import { openRawSqliteJoin } from '../peers/raw_sqlite_join.js';
import { perSecond } from '../stats.js';
import { openMongo } from '../subjects/open.js';
import type { CollectionLike, Doc } from '../subjects/types.js';
import type { Scenario, ScenarioResult } from './types.js';

const ORDERS = 10_000;
const CUSTOMERS = 1_000;
const PIPELINE: Doc[] = [{ $lookup: { from: 'customers', localField: 'custId', foreignField: 'custId', as: 'customer' } }];
/** Orders joined without the index (each chunk of them scans every customer): a few give the cost per order. */
const COLLSCAN_ORDERS = 100;

function orderAt(i: number): Doc {
  return { _id: i, custId: (i * 7) % CUSTOMERS, amount: i % 500, status: i % 3 === 0 ? 'shipped' : 'open' };
}

function customerAt(j: number): Doc {
  return { _id: j, custId: j, name: `customer ${j}`, city: `city ${j % 50}` };
}

function check(joined: readonly Doc[], orders = ORDERS): void {
  if (joined.length !== orders) throw new Error(`wrong result: ${joined.length} orders joined, not ${orders}`);
  for (const order of joined) {
    const customer = order.customer as Doc[] | undefined;
    if (customer?.length !== 1 || customer[0]!.custId !== order.custId) {
      throw new Error(`wrong result: order ${String(order._id)} joined ${JSON.stringify(customer)}`);
    }
  }
}

/** The mean time of `runs` checked runs of `join`, in milliseconds, after one run to warm up. */
async function meanJoinMs(runs: number, join: () => Promise<Doc[]>): Promise<number> {
  check(await join());
  const start = performance.now();
  for (let i = 0; i < runs; i++) check(await join());
  return (performance.now() - start) / runs;
}

function figures(joinMs: number): ScenarioResult['metrics'] {
  return { joinMs: Math.round(joinMs * 10) / 10, joinedOrdersPerSec: perSecond(ORDERS, joinMs) };
}

async function runRaw(runs: number): Promise<ScenarioResult> {
  const raw = openRawSqliteJoin();
  try {
    raw.load(Array.from({ length: ORDERS }, (_, i) => orderAt(i)), Array.from({ length: CUSTOMERS }, (_, j) => customerAt(j)));
    const joinMs = await meanJoinMs(runs, async () => raw.joined('customer'));
    return { work: { orders: ORDERS, customers: CUSTOMERS, runs }, metrics: figures(joinMs) };
  } finally {
    raw.close();
  }
}

async function load(coll: CollectionLike, docs: Doc[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 5_000) await coll.insertMany(docs.slice(i, i + 5_000));
}

export const lookup: Scenario = {
  name: 'lookup',
  title: '11. $lookup of 10,000 orders to 1,000 customers (indexed foreign field)',
  subjects: ['eddydb-memory', 'eddydb-file', 'eddydb-wire', 'raw-sqlite-indexed'],
  headline: 'joinedOrdersPerSec',
  async run(subject, quick) {
    const runs = quick ? 3 : 10;
    if (subject === 'raw-sqlite-indexed') return runRaw(runs);
    const mongo = await openMongo(subject);
    try {
      const orders = mongo.collection('orders');
      const customers = mongo.collection('customers');
      await load(customers, Array.from({ length: CUSTOMERS }, (_, j) => customerAt(j)));
      await load(orders, Array.from({ length: ORDERS }, (_, i) => orderAt(i)));
      const join = () => orders.aggregate(PIPELINE, { batchSize: ORDERS }).toArray();
      // Without the index first: every order scans the customers.
      const start = performance.now();
      check(await orders.aggregate([{ $match: { _id: { $lt: COLLSCAN_ORDERS } } }, ...PIPELINE]).toArray(), COLLSCAN_ORDERS);
      const collscanPerOrderMs = (performance.now() - start) / COLLSCAN_ORDERS;
      await customers.createIndex({ custId: 1 }, { unique: true });
      const joinMs = await meanJoinMs(runs, join);
      return {
        work: { orders: ORDERS, customers: CUSTOMERS, runs, collscanOrders: COLLSCAN_ORDERS },
        metrics: {
          ...figures(joinMs),
          collscanPerOrderMs: Math.round(collscanPerOrderMs * 100) / 100,
          collscanRatio: Math.round((collscanPerOrderMs / (joinMs / ORDERS)) * 10) / 10,
        },
        serverPeakRssKiB: mongo.serverPeakRssKiB(),
      };
    } finally {
      await mongo.close();
    }
  },
};
