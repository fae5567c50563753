/**
 * Failover to a PostgreSQL standby: the server's URI lists the primary and a synchronous standby
 * (`postgresql://user@primary,standby/db`); the primary dies, the standby is promoted, and the server finds it by
 * itself at its next operation. Retried writes go through once, a change stream misses nothing, and times keep
 * increasing across the failover.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { MongoClient, type ChangeStreamInsertDocument, type Document } from 'mongodb';
import pg from 'pg';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import { requireOptional } from '../../helpers/optional.js';
import { POSTGRES_HOW_TO_GET, postgresMissing, startCluster } from '../../helpers/postgres.js';

const SUITE = 'an eddydb server when PostgreSQL fails over to a standby';

if (requireOptional(SUITE, postgresMissing(), POSTGRES_HOW_TO_GET)) describe(SUITE, () => {
  let server: RunningServer | undefined;
  let client: MongoClient | undefined;

  after(async () => {
    await client?.close();
    await server?.close();
  });

  test('the primary dies, the standby is promoted: writes go on once each, the stream misses nothing', { timeout: 180_000 }, async () => {
    const primary = startCluster('fast');
    const admin = new pg.Client({ host: primary.host, port: primary.port, user: primary.user, database: 'postgres' });
    await admin.connect();
    await admin.query('CREATE DATABASE failover');
    const standby = primary.standby({ synchronous: true });
    // Synchronous from here on: the primary acknowledges a commit once the standby has it.
    for (let i = 0; ; i++) {
      const state = await admin.query("SELECT count(*)::int AS n FROM pg_stat_replication WHERE sync_state = 'sync' AND state = 'streaming'");
      if (state.rows[0].n === 1) break;
      assert.ok(i < 500, 'the standby did not become a synchronous one within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await admin.end();

    const hosts = `${primary.host}:${primary.port},${standby.host}:${standby.port}`;
    server = await startServer({ port: 0, bindIp: '127.0.0.1', dbpath: ':memory:', pgUri: `postgresql://${primary.user}@${hosts}/failover`, replSet: 'rs0', enableTestCommands: false });
    client = new MongoClient(`mongodb://${server.address}/`, { serverSelectionTimeoutMS: 20_000 });
    const items = client.db('app').collection<{ _id: number }>('items');
    const stream = items.watch([], { maxAwaitTimeMS: 100 });
    await stream.tryNext();
    for (let i = 0; i < 20; i++) await items.insertOne({ _id: i });
    const before = (await client.db('admin').command({ ping: 1 })).operationTime;

    primary.stop('immediate');
    standby.promote();

    // The next operation finds the promoted standby; the driver retries what failed meanwhile.
    for (let i = 20; i < 40; i++) await items.insertOne({ _id: i });
    assert.equal(await items.countDocuments(), 40);
    const afterFailover = (await client.db('admin').command({ ping: 1 })).operationTime;
    assert.ok(afterFailover.greaterThan(before), `times keep increasing across the failover (${before} then ${afterFailover})`);

    const seen: number[] = [];
    while (seen.length < 40) {
      const event = (await stream.next()) as ChangeStreamInsertDocument<Document>;
      seen.push(event.documentKey._id as unknown as number);
    }
    assert.deepEqual(seen, Array.from({ length: 40 }, (_, i) => i));
    await stream.close();
    const log = await client.db('admin').command({ getLog: 'global' });
    assert.ok((log.log as string[]).some((line) => line.includes('Reconnected to PostgreSQL')), 'the server says it reconnected');
  });
});
