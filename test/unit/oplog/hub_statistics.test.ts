import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OplogHub } from '../../../src/oplog/hub.js';
import type { OplogEntry } from '../../../src/oplog/entry.js';

function entry(ts: bigint, wallMs: number): OplogEntry {
  return { ts, op: 'insert', wall: new Date(wallMs), db: 'app', coll: 'c', documentKey: { _id: Number(ts) } };
}

/** A hub that started at time 10 and holds entries 11..15, with `budget` weight units of cache. */
function hubWith(budget: number): OplogHub {
  const hub = new OplogHub(10n, budget);
  const entries = [11n, 12n, 13n, 14n, 15n].map((ts) => entry(ts, Number(ts) * 1000));
  hub.publish(entries, entries.map(() => 100));
  return hub;
}

describe('the hub answers change-stream statistics from its cache', () => {
  test('countAfter counts the committed entries after a time while the cache covers them', () => {
    const hub = hubWith(10_000);
    assert.deepEqual([10n, 11n, 13n, 15n, 99n].map((ts) => hub.countAfter(ts)), [5, 4, 2, 0, 0]);
    assert.equal(hub.countAfter(9n), null);
  });

  test('wallAtOrBefore gives the wall time of the newest entry at or before a time', () => {
    const hub = hubWith(10_000);
    assert.equal(hub.wallAtOrBefore()?.getTime(), 15_000);
    assert.equal(hub.wallAtOrBefore(13n)?.getTime(), 13_000);
    assert.equal(hub.wallAtOrBefore(99n)?.getTime(), 15_000);
    assert.equal(hub.wallAtOrBefore(10n), null);
  });

  test('entries dropped from the cache are neither counted nor dated', () => {
    const hub = hubWith(250);
    // The budget holds two entries of 100: 14 and 15 are left, so the cache covers what comes after 13.
    assert.equal(hub.countAfter(13n), 2);
    assert.equal(hub.countAfter(12n), null);
    assert.equal(hub.wallAtOrBefore(14n)?.getTime(), 14_000);
    assert.equal(hub.wallAtOrBefore(13n), null);
  });

  test('an empty cache knows nothing to date', () => {
    const hub = new OplogHub(10n);
    assert.equal(hub.countAfter(10n), 0);
    assert.equal(hub.wallAtOrBefore(), null);
  });
});
