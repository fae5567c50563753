/**
 * Benchmarks (`npm run bench`): write throughput with its change entries, and change-event latency and fan-out to
 * many open streams. Results print as JSON lines; they are measurements, never test assertions.
 */
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type ChangeStream } from '../src/index.js';

function report(name: string, values: Record<string, number | string>): void {
  console.log(JSON.stringify({ bench: name, ...values }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function insertThroughput(label: string, client: Client): Promise<void> {
  const coll = client.db('bench').collection(`insert_${label}`);
  const n = 5000;
  let t = performance.now();
  for (let i = 0; i < n; i++) await coll.insertOne({ _id: i, name: `doc ${i}`, n: i });
  let ms = performance.now() - t;
  report('insertOne', { storage: label, docs: n, opsPerSec: Math.round((n / ms) * 1000) });
  const batch = client.db('bench').collection(`batch_${label}`);
  const docs = Array.from({ length: 20000 }, (_, i) => ({ _id: i, v: i }));
  t = performance.now();
  for (let i = 0; i < docs.length; i += 1000) await batch.insertMany(docs.slice(i, i + 1000));
  ms = performance.now() - t;
  report('insertMany(1000)', { storage: label, docs: docs.length, docsPerSec: Math.round((docs.length / ms) * 1000) });
}

async function fanOut(label: string, client: Client, streams: number): Promise<void> {
  const coll = client.db('bench').collection(`fanout_${label}_${streams}`);
  const open: ChangeStream[] = [];
  for (let i = 0; i < streams; i++) open.push(coll.watch([], { maxAwaitTimeMS: 5000 }));
  // Let every stream's aggregate run, then park each one in a waiting getMore.
  await Promise.all(open.map((s) => s.tryNext().catch(() => null)));
  const rounds = 20;
  const latencies: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const waits = open.map((s) => s.next().then(() => performance.now()));
    const t0 = performance.now();
    await coll.insertOne({ _id: r });
    const done = await Promise.all(waits);
    for (const t of done) latencies.push(t - t0);
  }
  latencies.sort((a, b) => a - b);
  report('fan-out latency', {
    storage: label, streams, events: latencies.length,
    p50ms: Number(percentile(latencies, 50).toFixed(2)), p99ms: Number(percentile(latencies, 99).toFixed(2)),
    maxms: Number(latencies[latencies.length - 1]!.toFixed(2)),
  });
  await Promise.all(open.map((s) => s.close()));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'eddydb-bench-'));
  try {
    for (const [label, open] of [
      ['sqlite-file', () => Client.open(dir)],
      ['sqlite-memory', () => Client.open(':memory:')],
    ] as const) {
      const client = await open();
      await insertThroughput(label, client);
      for (const streams of [1, 100, 1000]) await fanOut(label, client, streams);
      await client.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
