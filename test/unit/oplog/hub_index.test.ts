import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal128, Double, Int32, Long, ObjectId } from 'bson';
import { OplogHub, type Parking } from '../../../src/oplog/hub.js';
import { idEqualityKey, interestedIn, type StreamInterest } from '../../../src/oplog/interest.js';
import type { OplogEntry, OplogOp } from '../../../src/oplog/entry.js';

let clock = 100n;
function entry(op: OplogOp, coll: string, id?: unknown, db = 'app'): OplogEntry {
  return { ts: ++clock, op, wall: new Date(), db, coll, ...(id === undefined ? {} : { documentKey: { _id: id } }) };
}

function interest(fields: Partial<StreamInterest> = {}): StreamInterest {
  return { accepts: () => true, ...fields };
}

/** Parks a waiter and reports whether it has woken, without waiting for it. */
function park(hub: OplogHub, of: StreamInterest, timeoutMs = 60_000, parking?: Parking) {
  const state: { woke?: { entries: OplogEntry[]; through: bigint } | null } = {};
  const done = hub.waitForEntries(hub.committedTs, of, timeoutMs, parking).then((w) => (state.woke = w));
  return { state, done };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('idEqualityKey: one key per MongoDB-equal _id', () => {
  test('numbers of every type share a key; other types differ', () => {
    const one = idEqualityKey(1);
    assert.equal(idEqualityKey(1.0), one);
    assert.equal(idEqualityKey(new Int32(1)), one);
    assert.equal(idEqualityKey(new Double(1)), one);
    assert.equal(idEqualityKey(Long.fromNumber(1)), one);
    assert.equal(idEqualityKey(1n), one);
    assert.notEqual(idEqualityKey('1'), one);
    assert.notEqual(idEqualityKey(1.5), one);
    assert.equal(idEqualityKey(-0), idEqualityKey(0));
    assert.equal(idEqualityKey(Long.fromString('9007199254740993')), 'n9007199254740993');
    assert.notEqual(idEqualityKey(Long.fromString('9007199254740993')), idEqualityKey(9007199254740992));
    const oid = new ObjectId();
    assert.equal(idEqualityKey(new ObjectId(oid.toHexString())), idEqualityKey(oid));
  });
  test('types it cannot key return null', () => {
    for (const v of [null, undefined, Decimal128.fromString('1'), { a: 1 }, [1], new Date(0), true]) assert.equal(idEqualityKey(v), null);
  });
});

describe('OplogHub.waitForEntries: a commit wakes only the waiters it concerns', () => {
  test('a waiter pinned to an _id sleeps through other ids and wakes with only its entries', async () => {
    const hub = new OplogHub(clock);
    const mine = park(hub, interest({ db: 'app', coll: 'c', ids: [idEqualityKey(1)!] }));
    const other = entry('update', 'c', 2);
    hub.publish([other], [1]);
    await tick();
    assert.equal(mine.state.woke, undefined);
    assert.equal(hub.waiterCount, 1);
    const hit = entry('update', 'c', new Int32(1));
    const after = entry('insert', 'c', 3);
    hub.publish([hit, after], [1, 1]);
    await mine.done;
    assert.deepEqual(mine.state.woke!.entries, [hit]);
    assert.equal(mine.state.woke!.through, after.ts);
    assert.equal(hub.waiterCount, 0);
  });

  test('namespace: collection, database and cluster waiters', async () => {
    const hub = new OplogHub(clock);
    const coll = park(hub, interest({ db: 'app', coll: 'c' }));
    const otherColl = park(hub, interest({ db: 'app', coll: 'd' }));
    const db = park(hub, interest({ db: 'app' }));
    const otherDb = park(hub, interest({ db: 'x' }));
    const cluster = park(hub, interest());
    hub.publish([entry('insert', 'c', 1)], [1]);
    await tick();
    assert.ok(coll.state.woke && db.state.woke && cluster.state.woke);
    assert.equal(otherColl.state.woke, undefined);
    assert.equal(otherDb.state.woke, undefined);
    hub.wakeAll();
    await Promise.all([otherColl.done, otherDb.done]);
    assert.deepEqual(otherColl.state.woke!.entries, []);
  });

  test('an _id without a key (a decimal) is offered to every pinned waiter of the namespace', async () => {
    const hub = new OplogHub(clock);
    const pinned = park(hub, interest({ db: 'app', coll: 'c', ids: [idEqualityKey(1)!, idEqualityKey(2)!] }));
    hub.publish([entry('delete', 'c', Decimal128.fromString('1'))], [1]);
    await pinned.done;
    assert.equal(pinned.state.woke!.entries.length, 1, 'offered once although pinned to two ids');
  });

  test('DDL entries go to every waiter, whatever its pins', async () => {
    const hub = new OplogHub(clock);
    const pinned = park(hub, interest({ db: 'app', coll: 'c', ids: [idEqualityKey(1)!] }));
    const elsewhere = park(hub, interest({ db: 'x', coll: 'y', ids: [idEqualityKey(1)!] }));
    hub.publish([entry('drop', 'c')], [1]);
    await Promise.all([pinned.done, elsewhere.done]);
    assert.equal(pinned.state.woke!.entries[0]!.op, 'drop');
  });

  test('accepts has the last word', async () => {
    const hub = new OplogHub(clock);
    const inserts = park(hub, interest({ db: 'app', coll: 'c', accepts: (e) => e.op === 'insert' }));
    hub.publish([entry('update', 'c', 1)], [1]);
    await tick();
    assert.equal(inserts.state.woke, undefined);
    const ins = entry('insert', 'c', 1);
    hub.publish([ins], [1]);
    await inserts.done;
    assert.deepEqual(inserts.state.woke!.entries, [ins]);
  });

  test('a timeout returns no entries and `through` at the committed time: everything before was offered', async () => {
    const hub = new OplogHub(clock);
    const w = park(hub, interest({ db: 'app', coll: 'c', ids: [idEqualityKey('me')!] }), 20);
    const e = entry('insert', 'c', 'someone else');
    hub.publish([e], [1]);
    await w.done;
    assert.deepEqual(w.state.woke, { entries: [], through: e.ts });
    assert.equal(hub.waiterCount, 0);
  });

  test('null when entries were committed after the caller\'s position (it must read them itself)', async () => {
    const hub = new OplogHub(clock);
    hub.publish([entry('insert', 'c', 1)], [1]);
    assert.equal(await hub.waitForEntries(hub.committedTs - 1n, interest(), 1000), null);
  });

  test('parking.wake ends the wait early and leaves the index', async () => {
    const hub = new OplogHub(clock);
    const parking: Parking = { wake: null };
    const w = park(hub, interest({ db: 'app', coll: 'c', ids: [idEqualityKey(1)!] }), 60_000, parking);
    assert.equal(typeof parking.wake, 'function');
    parking.wake!();
    await w.done;
    assert.equal(parking.wake, null);
    assert.equal(hub.waiterCount, 0);
    hub.publish([entry('insert', 'c', 1)], [1]);
  });
});

describe('interestedIn: the same decision for streams that read entries themselves', () => {
  test('follows namespace, ids and accepts; DDL always asks accepts', () => {
    const i = interest({ db: 'app', coll: 'c', ids: [idEqualityKey(1)!] });
    assert.equal(interestedIn(i, entry('insert', 'c', 1)), true);
    assert.equal(interestedIn(i, entry('insert', 'c', 2)), false);
    assert.equal(interestedIn(i, entry('insert', 'd', 1)), false);
    assert.equal(interestedIn(i, entry('insert', 'c', 1, 'other')), false);
    assert.equal(interestedIn(i, entry('insert', 'c', Decimal128.fromString('7'))), true);
    assert.equal(interestedIn(i, entry('drop', 'zzz')), true);
  });
});

describe('OplogHub.waitForEntries: a stream ahead of the hub', () => {
  test('is offered only entries after its own position, and its through never goes below it', async () => {
    const hub = new OplogHub(clock);
    const seen = entry('insert', 'c', 1);
    const alsoSeen = entry('insert', 'c', 2);
    // The stream resumed after `alsoSeen` (a token another server gave) before this hub heard of either entry.
    const woke = hub.waitForEntries(alsoSeen.ts, interest({ db: 'app', coll: 'c' }), 60_000);
    hub.publish([seen, alsoSeen], [1, 1]);
    await tick();
    assert.equal(hub.waiterCount, 1, 'entries at or before its position do not wake it');
    const next = entry('insert', 'c', 3);
    hub.publish([next], [1]);
    assert.deepEqual((await woke)!.entries, [next]);
    const early = await hub.waitForEntries(next.ts + 10n, interest(), 0);
    assert.deepEqual(early, { entries: [], through: next.ts + 10n });
  });
});

describe('OplogHub.reset: entries another server trimmed before this one received them', () => {
  test('the cache no longer answers at or below the bound, and streams parked behind it read for themselves', async () => {
    const hub = new OplogHub(clock);
    const start = hub.committedTs;
    const early = entry('insert', 'c', 1);
    hub.publish([early], [1]);
    assert.deepEqual(hub.readAfter(start, 10), [early]);
    const behind = park(hub, interest());
    const gapEnd = clock + 5n;
    clock = gapEnd;
    const ahead = hub.waitForEntries(gapEnd, interest(), 60_000);
    hub.reset(gapEnd);
    await behind.done;
    assert.equal(behind.state.woke, null, 'woken to read from storage, not handed entries across the gap');
    assert.equal(hub.readAfter(start, 10), null);
    assert.equal(hub.readAfter(early.ts, 10), null);
    const late = entry('insert', 'c', 2);
    hub.publish([late], [1]);
    assert.deepEqual(hub.readAfter(gapEnd, 10), [late]);
    assert.deepEqual((await ahead)!.entries, [late], 'a stream past the bound goes on from the cache');
  });
});
