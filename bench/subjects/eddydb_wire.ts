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
 * Starts a server on `folder` (a fresh temporary folder when absent), or `servers` servers (default 1) on the
 * PostgreSQL database `pgUri`, and connects a driver to the first. `poolSize` is the main connection's pool; each
 * waiting change stream holds one connection. With several servers, further connections go to each in turn starting
 * with the second, and watchers use the second: writes and streams then go through different servers.
 */
export async function openWire(options: { folder?: string; poolSize?: number; pgUri?: string; servers?: number } = {}): Promise<MongoSubject> {
  const count = options.pgUri === undefined ? 1 : (options.servers ?? 1);
  const servers: Awaited<ReturnType<typeof startServer>>[] = [];
  const extra: MongoConnection[] = [];
  let main: Awaited<ReturnType<typeof connectDriver>>;
  let watching: Awaited<ReturnType<typeof connectDriver>> | undefined;
  try {
    for (let i = 0; i < count; i++) {
      servers.push(await startServer(options.folder ?? makeTempDir('wire'), options.pgUri === undefined ? [] : ['--pgUri', options.pgUri]));
    }
    main = await connectDriver(servers[0]!.port, options.poolSize ?? 10);
    if (count > 1) watching = await connectDriver(servers[1]!.port, options.poolSize ?? 10);
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  let next = 1;
  return {
    collection: (name) => main.collection(name),
    ...(watching ? { watchCollection: (name: string) => watching!.collection(name) } : {}),
    async connect(poolSize) {
      const connection = await connectDriver(servers[next++ % count]!.port, poolSize);
      extra.push(connection);
      return connection;
    },
    startSession: () => main.startSession(),
    // The peak of the busiest server: each is a process of its own.
    serverPeakRssKiB: () => Math.max(...servers.map((s) => s.peakRssKiB() ?? 0)) || null,
    async close() {
      await Promise.all([main, ...(watching ? [watching] : []), ...extra].map((c) => c.close().catch(() => undefined)));
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
