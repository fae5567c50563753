import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ChangeStream, Document, Long } from '../../../src/index.js';
import { openClient } from '../../helpers/embedded.js';

// A slow consumer holds a bounded amount of memory, and 1,000 idle streams under a sustained write load keep
// the server's memory flat. The assertions are structural (the hub's cached weight, the server cursor's state, the
// waiter count), which are deterministic; the one heap figure is a loose backstop (see `heapGrowthBound`).

const CACHE_BYTES = 1024 * 1024;

/** A full collection, when the runner lets us have one; V8 exposes `gc` to a fresh context once the flag is set. */
function findGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** heapUsed after settling: a few collections separated by turns of the event loop (weak maps clear in between). */
async function settledHeap(gc: (() => void) | undefined): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage().heapUsed;
}

async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The server cursor id behind an embedded stream (private in the client, as in the driver). */
function cursorIdOf(stream: ChangeStream): bigint | null {
  const id = (stream as unknown as { cursorId: Long | null }).cursorId;
  return id ? id.toBigInt() : null;
}

describe('memory stays bounded', () => {
  it('a slow consumer costs storage reads, not memory: the cache stays within budget and nothing buffers', async () => {
    const { client, cleanup } = await openClient('sqlite-memory', { oplogCacheBytes: CACHE_BYTES });
    try {
      const engine = client.serverContext.engine;
      const hub = engine.hub;
      assert.equal(hub.budget, CACHE_BYTES);
      const coll = client.db('mem').collection('slow');
      const stream = coll.watch([], { batchSize: 1000 });
      await until('the stream cursor', () => cursorIdOf(stream) !== null);
      const serverCursor = engine.cursors.peek(cursorIdOf(stream)!);
      assert.ok(serverCursor, 'the stream has a server cursor');

      const total = 20_000;
      const perBatch = 100;
      let maxCached = 0;
      for (let i = 0; i < total; i += perBatch) {
        const docs: Document[] = [];
        for (let j = i; j < i + perBatch; j++) docs.push({ _id: j, payload: `value-${j}`.padEnd(64, '.') });
        await coll.insertMany(docs);
        maxCached = Math.max(maxCached, hub.cachedBytes);
      }
      assert.ok(maxCached <= CACHE_BYTES, `cached weight ${maxCached} stayed within the budget ${CACHE_BYTES}`);
      assert.ok(hub.cachedEntries > 0 && hub.cachedEntries < total, `the cache holds a window (${hub.cachedEntries} entries), not the whole history`);
      // The server cursor holds only its position: no field of it is a list of pending events.
      for (const [key, value] of Object.entries(serverCursor)) {
        assert.ok(!Array.isArray(value), `server cursor field ${key} is not a buffer`);
      }
      assert.equal((stream as unknown as { buffer: Document[] }).buffer.length, 0, 'the client has buffered nothing either');

      // Count where the consumer's reads are served from: storage first (behind the window), then the cache.
      const readAfter = hub.readAfter.bind(hub);
      const sources: Array<'storage' | 'cache'> = [];
      hub.readAfter = (afterTs, limit) => {
        const hit = readAfter(afterTs, limit);
        sources.push(hit ? 'cache' : 'storage');
        return hit;
      };
      let expected = 0;
      let lastToken = '';
      while (expected < total) {
        const event = await stream.next();
        assert.equal(event.operationType, 'insert');
        assert.equal((event.documentKey as Document)._id, expected, 'events arrive in commit order, none missing');
        const token = String((event._id as Document)._data);
        assert.ok(token > lastToken, 'resume tokens increase');
        lastToken = token;
        expected++;
      }
      assert.equal(sources[0], 'storage', 'the consumer starts behind the cached window and reads storage');
      assert.ok(sources.includes('cache'), 'once caught up it rejoins the cache');
      assert.equal(sources.lastIndexOf('storage') < sources.indexOf('cache'), true, 'storage reads come before cache reads, never after');
      assert.equal(await stream.tryNext(), null, 'nothing repeated after the last event');
      assert.ok(hub.cachedBytes <= CACHE_BYTES);
      await stream.close();
      assert.equal(engine.cursors.size, 0, 'closing frees the server cursor');
    } finally {
      await cleanup();
    }
  });

  it('1,000 idle streams under a sustained write load: never woken by it, every event in order, cache and waiters bounded, heap flat', async () => {
    const gc = findGc();
    // Small enough that the load (about 10,000 entries) cycles through the cache many times.
    const SMALL_CACHE_BYTES = 256 * 1024;
    const { client, cleanup } = await openClient('sqlite-memory', { oplogCacheBytes: SMALL_CACHE_BYTES });
    try {
      const engine = client.serverContext.engine;
      const hub = engine.hub;
      const db = client.db('mem');
      const idle = db.collection('idle');
      const busy = db.collection('busy');
      const streamCount = 1000;
      // The load goes to another collection, so the parked streams are not even woken by it; after every 500 busy
      // writes one write is theirs, and each stream must see all of those, in order.
      const blocks = 20;
      const commitsPerBlock = 50;
      const docsPerCommit = 10;
      const streams = Array.from({ length: streamCount }, () => idle.watch([], { maxAwaitTimeMS: 30_000 }));
      const mismatches: string[] = [];
      const consumers = streams.map(async (stream, s) => {
        let lastToken = '';
        for (let expected = 0; expected < blocks; expected++) {
          const event = await stream.next();
          const id = (event.documentKey as Document | undefined)?._id;
          const token = String((event._id as Document)._data);
          if (id !== expected || token <= lastToken) {
            mismatches.push(`stream ${s}: expected _id ${expected}, got ${String(id)}`);
            return;
          }
          lastToken = token;
        }
      });
      // Every stream parked in a getMore on the hub before the load starts.
      await until('1,000 parked getMores', () => hub.waiterCount === streamCount);
      assert.equal(engine.cursors.size, streamCount);
      const before = await settledHeap(gc);

      let maxCached = 0;
      let maxWaiters = 0;
      let woken = 0;
      for (let block = 0; block < blocks; block++) {
        await until('the streams to park again', () => hub.waiterCount === streamCount);
        for (let c = 0; c < commitsPerBlock; c++) {
          const base = (block * commitsPerBlock + c) * docsPerCommit;
          const docs: Document[] = [];
          for (let j = base; j < base + docsPerCommit; j++) docs.push({ _id: j, payload: `value-${j}`.padEnd(64, '.') });
          await busy.insertMany(docs);
          // A woken stream leaves the index inside the commit, before this write's reply.
          woken += streamCount - hub.waiterCount;
          maxCached = Math.max(maxCached, hub.cachedBytes);
          maxWaiters = Math.max(maxWaiters, hub.waiterCount);
        }
        await idle.insertOne({ _id: block });
      }
      assert.equal(woken, 0, 'commits to another collection woke no idle stream');
      const writes = blocks * commitsPerBlock * docsPerCommit;
      await Promise.all(consumers);
      assert.deepEqual(mismatches.slice(0, 5), [], 'every stream sees every event, in order');

      assert.ok(maxCached <= SMALL_CACHE_BYTES, `cached weight ${maxCached} stayed within the budget ${SMALL_CACHE_BYTES}`);
      assert.ok(hub.cachedEntries < writes, 'the cache holds a window, not the whole load');
      assert.ok(maxWaiters <= streamCount, `at most one waiter per stream (${maxWaiters})`);
      // The consumers stopped after their last event: no getMore is waiting, and no waiter leaked.
      await until('the waiters to drain', () => hub.waiterCount === 0);
      assert.equal(engine.cursors.size, streamCount, 'the streams are still open (idle), nothing else was registered');

      const after = await settledHeap(gc);
      // A loose backstop only; the structural assertions above carry the proof. With a real gc() the retained heap
      // after the load is the 1 MiB cache window plus its shaped events (a few MiB): 64 MiB leaves wide room for V8's
      // own bookkeeping. Without gc() heapUsed includes uncollected garbage from the load, so only a gross leak (a
      // copy of every entry per stream, 1.5M of them) would cross 200 MB.
      const bound = gc ? 64 * 1024 * 1024 : 200 * 1024 * 1024;
      const growth = after - before;
      assert.ok(growth < bound, `heapUsed grew by ${(growth / 1048576).toFixed(1)} MiB (bound ${bound / 1048576} MiB, gc ${gc ? 'forced' : 'unavailable'})`);

      await Promise.all(streams.map((stream) => stream.close()));
      assert.equal(engine.cursors.size, 0, 'closing frees every server cursor');
      assert.equal(hub.waiterCount, 0);
    } finally {
      await cleanup();
    }
  });
});
