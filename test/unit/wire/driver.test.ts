import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { createWireServer, negotiateCompressors, type CommandHandler, type RequestInfo, type WireServer } from '../../../src/wire/index.js';

interface Seen { name: string; opCode: number; compressor: string | null }

/** A handler that looks like a replica-set primary, enough for the official driver to connect and ping. */
function primaryHandler(getServer: () => WireServer, seen: Seen[]): CommandHandler {
  return async (command, conn, request: RequestInfo) => {
    const name = Object.keys(command)[0]!;
    seen.push({ name, opCode: request.opCode, compressor: request.compressor });
    const lower = name.toLowerCase();
    if (lower === 'hello' || lower === 'ismaster') {
      const reply: Record<string, unknown> = {
        isWritablePrimary: true,
        ismaster: true,
        secondary: false,
        setName: 'rs0',
        setVersion: 1,
        hosts: [conn.localAddress],
        primary: conn.localAddress,
        me: conn.localAddress,
        minWireVersion: 0,
        maxWireVersion: 25,
        maxBsonObjectSize: 16 * 1024 * 1024,
        maxMessageSizeBytes: 48_000_000,
        maxWriteBatchSize: 100_000,
        logicalSessionTimeoutMinutes: 30,
        localTime: new Date(),
        connectionId: conn.id,
        ok: 1,
      };
      if ('helloOk' in command) reply.helloOk = true;
      if ('compression' in command) {
        const names = negotiateCompressors(command.compression);
        getServer().setCompressors(conn, names);
        reply.compression = names;
      }
      return reply;
    }
    if (name === 'ping' || name === 'endSessions') return { ok: 1 };
    return { ok: 0, errmsg: `no such command: '${name}'`, code: 59, codeName: 'CommandNotFound' };
  };
}

async function withDriver(query: string, check: (seen: Seen[]) => void): Promise<void> {
  const seen: Seen[] = [];
  const server: WireServer = createWireServer({ host: '127.0.0.1', port: 0, handler: primaryHandler(() => server, seen) });
  const { port } = await server.listen();
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true&serverSelectionTimeoutMS=3000&${query}`);
  try {
    await client.connect();
    const result = await client.db('admin').command({ ping: 1 });
    assert.equal(result.ok, 1);
    check(seen);
  } finally {
    await client.close();
    await server.close();
  }
}

test('the official driver handshakes over OP_QUERY and pings over OP_MSG', async () => {
  await withDriver('appName=wiretest', (seen) => {
    const first = seen[0]!;
    assert.match(first.name, /^(isMaster|ismaster|hello)$/);
    assert.equal(first.opCode, 2004);
    const ping = seen.find((s) => s.name === 'ping');
    assert.ok(ping, 'ping reached the handler');
    assert.equal(ping.opCode, 2013);
    assert.equal(ping.compressor, null);
  });
});

test('the official driver with compressors=zlib sends ping compressed and accepts the compressed reply', async () => {
  await withDriver('compressors=zlib', (seen) => {
    const ping = seen.find((s) => s.name === 'ping');
    assert.ok(ping);
    assert.equal(ping.opCode, 2013);
    assert.equal(ping.compressor, 'zlib');
    const hellos = seen.filter((s) => /^(isMaster|ismaster|hello)$/.test(s.name));
    assert.ok(hellos.every((h) => h.compressor === null), 'handshakes are never compressed');
  });
});

test('negotiateCompressors keeps the supported names in the client order', () => {
  assert.deepEqual(negotiateCompressors(['snappy', 'zstd', 'zlib']), ['snappy', 'zlib']);
  assert.deepEqual(negotiateCompressors(['noop', 'zlib', 'zlib']), ['noop', 'zlib']);
  assert.deepEqual(negotiateCompressors('zlib'), []);
  assert.deepEqual(negotiateCompressors([1, null, 'zlib']), ['zlib']);
  assert.deepEqual(negotiateCompressors(undefined), []);
});
