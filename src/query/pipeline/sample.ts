import { isDocument, isNumeric, toNumber, type Document } from '../../bson/index.js';
import { MongoServerError } from '../../errors/index.js';
import { sortedChunks, type Chunks, type StreamControl } from './stream.js';
import type { SortKeys } from '../sort.js';
import type { StageParser } from './types.js';

/**
 * $sample (https://www.mongodb.com/docs/manual/reference/operator/aggregation/sample/): `size` documents chosen
 * uniformly at random without repeats, in random order (all of them when the input is smaller). As mongod's
 * sorting path does, each document gets a random key and a sort keeps the `size` smallest: the memory held is
 * `size` documents plus one run, and past the blocking-stage limit the sort spills or fails with 292. A small sample
 * of a large collection as the first stage takes mongod's other path instead, random reads
 * (engine/random_cursor.ts).
 */

/** A document with its random key; the wrapper is what the sort holds (and spills), so a key never changes. */
interface Keyed extends Document {
  r: number;
  d: Document;
}

const byRandomKey: SortKeys = {
  keysOf: (doc) => [(doc as Keyed).r],
  compareKeys: (a, b) => (a[0] as number) - (b[0] as number),
};

/** The `size` of a $sample spec, or mongod's error for a bad one. */
export function sampleSize(spec: unknown): number {
  if (!isDocument(spec)) throw new MongoServerError(28745, 'the $sample stage specification must be an object');
  let size: number | undefined;
  for (const key of Object.keys(spec)) {
    if (key !== 'size') throw new MongoServerError(28748, `unrecognized option to $sample: ${key}`);
    const value = spec[key];
    if (!isNumeric(value)) throw new MongoServerError(28746, 'size argument to $sample must be a number');
    // mongod reads the size as a 64-bit integer (a fraction truncates, so -0.5 is a size of 0).
    const n = Math.trunc(toNumber(value));
    if (n < 0) throw new MongoServerError(28747, 'size argument to $sample must not be negative');
    size = Number.isNaN(n) ? 0 : n;
  }
  if (size === undefined) throw new MongoServerError(28749, '$sample stage must specify a size');
  return size;
}

async function* keyed(input: Chunks): Chunks {
  for await (const chunk of input) yield chunk.map((d): Keyed => ({ r: Math.random(), d }));
}

async function* unwrapped(input: Chunks): Chunks {
  for await (const chunk of input) yield chunk.map((k) => (k as Keyed).d);
}

function sampleChunks(size: number, input: Chunks, control: StreamControl): Chunks {
  if (size === 0) return (async function* () {})();
  return unwrapped(sortedChunks(keyed(input), byRandomKey, control, size));
}

export const parseSample: StageParser = (spec) => {
  const size = sampleSize(spec);
  return {
    kind: 'batch',
    name: '$sample',
    run: (docs) => docs.map((d) => ({ r: Math.random(), d })).sort((a, b) => a.r - b.r).slice(0, size).map((k) => k.d),
    stream: (input, _runtime, control) => sampleChunks(size, input, control),
  };
};
