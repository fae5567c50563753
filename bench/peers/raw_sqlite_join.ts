/**
 * Raw better-sqlite3 as the limit of a `$lookup` in eddydb's storage: orders and customers each in a table holding
 * the document's BSON beside the joined field, the customers' in a column with a unique SQLite index, joined by one
 * prepared `LEFT JOIN` in the orders' `_id` order; every row decodes both documents and puts the customer in an
 * array on the order, as `$lookup` returns it. The pragmas are those of eddydb's file store (see raw_sqlite.ts).
 */
import { deserialize, serialize } from 'bson';
import type { Doc } from '../subjects/types.js';
import { openBenchDatabase } from './raw_sqlite.js';

const SCHEMA = `
CREATE TABLE orders (id INTEGER PRIMARY KEY, cust_id INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE customers (id INTEGER PRIMARY KEY, cust_id INTEGER NOT NULL, body BLOB NOT NULL);
CREATE UNIQUE INDEX customers_by_cust_id ON customers (cust_id);
`;

export interface RawSqliteJoin {
  /** Stores orders and customers in one transaction; each carries an integer `_id` and an integer `custId`. */
  load(orders: Doc[], customers: Doc[]): void;
  /** Every order with `customer: [its customer]` (empty when none), in `_id` order. */
  joined(as: string): Doc[];
  close(): void;
}

export function openRawSqliteJoin(): RawSqliteJoin {
  const db = openBenchDatabase('raw-sqlite-join');
  db.exec(SCHEMA);
  const insertOrder = db.prepare('INSERT INTO orders (id, cust_id, body) VALUES (?, ?, ?)');
  const insertCustomer = db.prepare('INSERT INTO customers (id, cust_id, body) VALUES (?, ?, ?)');
  const join = db.prepare('SELECT o.body AS o, c.body AS c FROM orders o LEFT JOIN customers c ON c.cust_id = o.cust_id ORDER BY o.id');
  const load = db.transaction((orders: Doc[], customers: Doc[]) => {
    for (const doc of customers) insertCustomer.run(doc._id as number, doc.custId as number, serialize(doc));
    for (const doc of orders) insertOrder.run(doc._id as number, doc.custId as number, serialize(doc));
  });
  return {
    load: (orders, customers) => load(orders, customers),
    joined(as) {
      return (join.all() as { o: Buffer; c: Buffer | null }[]).map((row) => {
        const order = deserialize(row.o);
        order[as] = row.c ? [deserialize(row.c)] : [];
        return order;
      });
    },
    close: () => db.close(),
  };
}
