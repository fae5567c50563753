// SortedList (the memory engine's documents and index entries) against a plain sorted array: seeded random
// inserts, removals, lookups and positional reads, with chunk sizes small enough that chunks split, merge and empty
// all the time, and the workloads the engine produces (natural order only appends; drops delete in key order).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SortedList } from '../../../../src/storage/memory/sorted_list.js';
import { prng } from '../../../helpers/random.js';

interface Item {
  k: number;
  /** Which insert made the object: `get` and `remove` must hand back the stored object, not the probe. */
  id: number;
}

const byK = (a: Item, b: Item) => a.k - b.k;

/** The model: a sorted array of distinct keys, searched linearly so that it shares no code with the list. */
class Model {
  readonly items: Item[] = [];
  insert(item: Item): boolean {
    if (this.items.some((i) => i.k === item.k)) return false;
    this.items.push(item);
    this.items.sort(byK);
    return true;
  }
  remove(k: number): Item | undefined {
    const at = this.items.findIndex((i) => i.k === k);
    return at < 0 ? undefined : this.items.splice(at, 1)[0];
  }
  firstIndex(pred: (item: Item) => boolean): number {
    const at = this.items.findIndex(pred);
    return at < 0 ? this.items.length : at;
  }
}

function checkWhole(list: SortedList<Item>, model: Model): void {
  assert.equal(list.size, model.items.length);
  assert.deepEqual(list.values(), model.items);
  for (let i = 0; i < model.items.length; i++) assert.equal(list.at(i), model.items[i], `at(${i})`);
  assert.equal(list.at(model.items.length), undefined);
  assert.equal(list.at(-1), undefined);
}

function randomOps(seed: number, chunkSize: number, ops: number, keyRange: number): void {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const list = new SortedList<Item>(byK, chunkSize);
  const model = new Model();
  let id = 0;
  for (let op = 0; op < ops; op++) {
    const roll = rand();
    const k = int(keyRange + 4) - 2;
    // Inserts lead while the list is small and removals once it is large, so it grows and shrinks in waves.
    const growing = Math.floor(op / 300) % 2 === 0;
    if (roll < (growing ? 0.5 : 0.2)) {
      const item = { k, id: ++id };
      assert.equal(list.insert(item), model.insert(item), `insert ${k}`);
    } else if (roll < 0.7) {
      assert.equal(list.remove({ k, id: -1 }), model.remove(k), `remove ${k}`);
    } else if (roll < 0.8) {
      assert.equal(list.get({ k, id: -1 }), model.items.find((i) => i.k === k), `get ${k}`);
    } else if (roll < 0.9) {
      const strict = rand() < 0.5;
      const pred = (i: Item) => (strict ? i.k > k : i.k >= k);
      assert.equal(list.firstIndex(pred), model.firstIndex(pred), `firstIndex ${strict ? '>' : '>='} ${k}`);
    } else {
      const n = model.items.length;
      const start = int(n + 6) - 3;
      const end = int(n + 6) - 3;
      assert.deepEqual(list.slice(start, end), model.items.slice(start, end), `slice(${start}, ${end})`);
      const at = int(n + 2) - 1;
      assert.equal(list.at(at), model.items[at], `at(${at})`);
    }
    assert.equal(list.size, model.items.length);
    if (op % 97 === 0) checkWhole(list, model);
  }
  checkWhole(list, model);
}

describe('SortedList', () => {
  for (const chunkSize of [2, 3, 4, 7, 16, 512]) {
    it(`matches a sorted array under random operations (chunk size ${chunkSize})`, () => {
      for (const seed of [1, 2, 3]) randomOps(seed * 1000 + chunkSize, chunkSize, 3000, 200);
      // A wide key range: few duplicates, a long list.
      randomOps(chunkSize, chunkSize, 3000, 1_000_000);
    });
  }

  it('keeps order through the engine-shaped workloads: ascending appends, descending inserts, removals from either end', () => {
    for (const chunkSize of [2, 5, 32]) {
      const list = new SortedList<Item>(byK, chunkSize);
      const model = new Model();
      const both = (item: Item) => assert.equal(list.insert(item), model.insert(item));
      for (let k = 0; k < 500; k++) both({ k, id: k });
      for (let k = -1; k > -300; k--) both({ k, id: k });
      checkWhole(list, model);
      // From the front, as a drop of documents in key order does.
      for (let k = -299; k < 100; k++) assert.equal(list.remove({ k, id: 0 }), model.remove(k));
      checkWhole(list, model);
      // From the back.
      for (let k = 499; k >= 300; k--) assert.equal(list.remove({ k, id: 0 }), model.remove(k));
      checkWhole(list, model);
      // Every other one, then the rest: chunks shrink below half and merge.
      for (let k = 100; k < 300; k += 2) assert.equal(list.remove({ k, id: 0 }), model.remove(k));
      checkWhole(list, model);
      for (let k = 101; k < 300; k += 2) assert.equal(list.remove({ k, id: 0 }), model.remove(k));
      checkWhole(list, model);
      assert.equal(list.size, 0);
      assert.equal(list.firstIndex(() => true), 0);
      assert.equal(list.get({ k: 1, id: 0 }), undefined);
      assert.equal(list.remove({ k: 1, id: 0 }), undefined);
      assert.deepEqual(list.slice(0, 10), []);
      // Usable again once empty.
      assert.equal(list.insert({ k: 7, id: 1 }), true);
      assert.deepEqual(list.values(), [{ k: 7, id: 1 }]);
    }
  });

  it('keeps the first of equal items: an insert of an equal item is refused and leaves the stored object', () => {
    const list = new SortedList<Item>(byK, 2);
    const first = { k: 5, id: 1 };
    assert.equal(list.insert(first), true);
    for (let k = 0; k < 10; k++) list.insert({ k, id: 100 + k });
    assert.equal(list.insert({ k: 5, id: 2 }), false);
    assert.equal(list.get({ k: 5, id: 0 }), first);
    assert.equal(list.remove({ k: 5, id: 0 }), first);
    assert.equal(list.get({ k: 5, id: 0 }), undefined);
    assert.equal(list.size, 9);
  });

  it('hands out copies: a slice or values() taken before a change does not see it', () => {
    const list = new SortedList<Item>(byK, 2);
    for (let k = 0; k < 20; k++) list.insert({ k, id: k });
    const slice = list.slice(0, 20);
    const values = list.values();
    for (const item of slice) if (item.k % 3 === 0) list.remove(item);
    list.insert({ k: 100, id: 100 });
    assert.deepEqual(slice.map((i) => i.k), [...Array(20).keys()]);
    assert.deepEqual(values.map((i) => i.k), [...Array(20).keys()]);
    assert.deepEqual(list.values().map((i) => i.k), [...[...Array(20).keys()].filter((k) => k % 3 !== 0), 100]);
  });

  it('refuses a chunk size below 2', () => {
    assert.throws(() => new SortedList<Item>(byK, 1), RangeError);
    assert.throws(() => new SortedList<Item>(byK, 2.5), RangeError);
  });
});
