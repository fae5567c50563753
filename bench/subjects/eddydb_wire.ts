/** eddydb served over the wire (a separate `eddydb serve` process) to the official Node driver. */
import { MongoClient } from 'mongodb';
import { makeTempDir } from '../util/tmp.js';
import { startServer } from './server_process.js';
import type { CollectionLike, MongoConnection, MongoSubject, SessionLike } from './types.js';

async function connectDriver(port: number, poolSize: number): Promise<MongoConnection & { startSession(): SessionLike }> {
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, { maxPoolSize: poolSize, minPoolSize: 0 });
  await client.connect();
  const db = client.db('bench');
  return {
    collection: (name) => db.collection(name) as unknown as CollectionLike,
    startSession: () => client.startSession() as unknown as SessionLike,
    close: () => client.close(),
  };
}

/**
 * Starts a server on `folder` (a fresh temporary folder when absent), or on the PostgreSQL database `pgUri`, and
 * connects a driver to it. `poolSize` is the main connection's pool; each waiting change stream holds one connection.
 */
export async function openWire(options: { folder?: string; poolSize?: number; pgUri?: string } = {}): Promise<MongoSubject> {
  const server = await startServer(options.folder ?? makeTempDir('wire'), options.pgUri === undefined ? [] : ['--pgUri', options.pgUri]);
  const extra: MongoConnection[] = [];
  let main: Awaited<ReturnType<typeof connectDriver>>;
  try {
    main = await connectDriver(server.port, options.poolSize ?? 10);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    collection: (name) => main.collection(name),
    async connect(poolSize) {
      const connection = await connectDriver(server.port, poolSize);
      extra.push(connection);
      return connection;
    },
    startSession: () => main.startSession(),
    serverPeakRssKiB: () => server.peakRssKiB(),
    async close() {
      await Promise.all([main, ...extra].map((c) => c.close().catch(() => undefined)));
      await server.stop();
    },
  };
}
