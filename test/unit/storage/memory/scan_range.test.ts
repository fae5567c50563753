// The memory engine's range reads (scanRange, countRange) over a SortedList of index entries, against a filter over
// a plain sorted array: every combination of bounds, forward and reverse, limits, and resuming after a position,
// including one whose entry was deleted between chunks (what a scan sees when a write runs between its reads).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countRange, scanRange, type MemoryIndexEntry } from '../../../../src/storage/memory/memory_state.js';
import { SortedList } from '../../../../src/storage/memory/sorted_list.js';
import type { LimitedRange } from '../../../../src/storage/contract.js';
import type { IndexPosition } from '../../../../src/storage/types.js';
import { prng } from '../../../helpers/random.js';

const order = (a: MemoryIndexEntry, b: MemoryIndexEntry) => Buffer.compare(a.key, b.key) || Buffer.compare(a.recordKey, b.recordKey);
// Keys of varying length, so that a prefix sorts before its extensions, as encoded keys do.
const KEYS = ['', 'a', 'a\u0000', 'aa', 'ab', 'b', 'ba', 'c', 'cc', 'd'].map((s) => Buffer.from(s, 'latin1'));

function model(sorted: MemoryIndexEntry[], range: LimitedRange, after?: IndexPosition): MemoryIndexEntry[] {
  const inRange = (e: MemoryIndexEntry) =>
    (range.gte === undefined || Buffer.compare(e.key, Buffer.from(range.gte)) >= 0) &&
    (range.gt === undefined || Buffer.compare(e.key, Buffer.from(range.gt)) > 0) &&
    (range.lte === undefined || Buffer.compare(e.key, Buffer.from(range.lte)) <= 0) &&
    (range.lt === undefined || Buffer.compare(e.key, Buffer.from(range.lt)) < 0);
  let out = sorted.filter(inRange);
  if (range.reverse) out = out.reverse();
  if (after) {
    const probe = { key: Buffer.from(after.key), recordKey: Buffer.from(after.recordKey) };
    out = out.filter((e) => (range.reverse ? order(e, probe) < 0 : order(e, probe) > 0));
  }
  return range.limit === undefined ? out : out.slice(0, range.limit);
}

function setup(seed: number, chunkSize: number, count: number) {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const list = new SortedList<MemoryIndexEntry>(order, chunkSize);
  const all: MemoryIndexEntry[] = [];
  for (let i = 0; i < count; i++) {
    const entry = { key: KEYS[int(KEYS.length)]!, recordKey: Buffer.from([int(256), int(256)]) };
    if (list.insert(entry)) all.push(entry);
  }
  all.sort(order);
  return { rand, int, list, all };
}

function randomRange(rand: () => number, int: (n: number) => number): LimitedRange {
  const range: LimitedRange = {};
  const bound = () => (rand() < 0.8 ? KEYS[int(KEYS.length)]! : Buffer.from('ab\u00ff', 'latin1'));
  if (rand() < 0.5) range.gte = bound();
  if (rand() < 0.5) range.gt = bound();
  if (rand() < 0.5) range.lte = bound();
  if (rand() < 0.5) range.lt = bound();
  if (rand() < 0.5) range.reverse = true;
  if (rand() < 0.5) range.limit = int(40);
  return range;
}

describe('memory scanRange and countRange', () => {
  for (const chunkSize of [2, 5, 512]) {
    it(`match a filtered sorted array for every kind of bound, direction, limit and resume point (chunk size ${chunkSize})`, () => {
      const { rand, int, list, all } = setup(chunkSize, chunkSize, 700);
      for (let round = 0; round < 1500; round++) {
        const range = randomRange(rand, int);
        let after: IndexPosition | undefined;
        const pick = rand();
        if (pick < 0.3 && all.length > 0) after = all[int(all.length)]!;
        else if (pick < 0.5) after = { key: KEYS[int(KEYS.length)]!, recordKey: Buffer.from([int(256), int(256), 1]) };
        const label = JSON.stringify({ range, after });
        assert.deepEqual(scanRange(list, range, after), model(all, range, after), label);
        assert.equal(countRange(list, range), model(all, { ...range, reverse: false }).length, label);
      }
    });
  }

  it('resume chunk by chunk while entries are inserted and deleted between chunks, the last one read included', () => {
    for (const chunkSize of [2, 7, 512]) {
      for (const reverse of [false, true]) {
        const { rand, int, list, all } = setup(chunkSize * 7 + (reverse ? 1 : 0), chunkSize, 500);
        const range: LimitedRange = { gte: KEYS[1]!, lt: KEYS[8]!, reverse };
        const seen: MemoryIndexEntry[] = [];
        let after: IndexPosition | undefined;
        for (;;) {
          const chunk = scanRange(list, { ...range, limit: 9 }, after);
          assert.deepEqual(chunk, model(all, { ...range, limit: 9 }, after));
          seen.push(...chunk);
          if (chunk.length < 9) break;
          after = chunk[chunk.length - 1]!;
          // Delete the entry just read (the resume point no longer exists) and a few others, and add some.
          list.remove(after as MemoryIndexEntry);
          all.splice(all.indexOf(after as MemoryIndexEntry), 1);
          for (let i = 0; i < 3 && all.length > 0; i++) {
            const victim = all[int(all.length)]!;
            assert.equal(list.remove(victim), victim);
            all.splice(all.indexOf(victim), 1);
          }
          for (let i = 0; i < 3; i++) {
            const entry = { key: KEYS[int(KEYS.length)]!, recordKey: Buffer.from([int(256), int(256), int(256)]) };
            if (list.insert(entry)) {
              all.push(entry);
              all.sort(order);
            }
          }
        }
        // Everything read was in range order, with no entry twice.
        for (let i = 1; i < seen.length; i++) assert.ok(reverse ? order(seen[i]!, seen[i - 1]!) < 0 : order(seen[i]!, seen[i - 1]!) > 0);
        assert.ok(seen.length > 0);
        assert.deepEqual(list.values(), all);
        void rand;
      }
    }
  });

  it('read nothing from a missing list or with limit 0', () => {
    assert.deepEqual(scanRange(undefined, {}), []);
    assert.equal(countRange(undefined, {}), 0);
    const { list } = setup(1, 4, 50);
    assert.deepEqual(scanRange(list, { limit: 0 }), []);
    assert.equal(countRange(list, { limit: 0 }), 0);
    assert.equal(countRange(list, { limit: 3 }), 3);
  });
});
