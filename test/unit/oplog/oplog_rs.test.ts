import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Int32, Long } from '../../../src/bson/index.js';
import { oplogRsEntry, updateDiff } from '../../../src/oplog/oplog_rs.js';
import type { OplogEntry } from '../../../src/oplog/entry.js';

describe('local.oplog.rs entries', () => {
  test('an update description becomes a $v: 2 diff: nested fields, array elements, removals, truncations', () => {
    assert.deepEqual(updateDiff({ updatedFields: { a: 1, 'b.c': 2, 'arr.3': 'x' }, removedFields: ['gone', 'b.old'], truncatedArrays: [{ field: 'arr', newSize: 4 }] }), {
      $v: 2,
      diff: { d: { gone: false }, u: { a: 1 }, sb: { d: { old: false }, u: { c: 2 } }, sarr: { a: true, l: 4, u3: 'x' } },
    });
  });

  test('a numeric field name listed in disambiguatedPaths stays a field; an array index inside an object nests', () => {
    assert.deepEqual(
      updateDiff({ updatedFields: { 'o.1': true, 'list.0.name': 'n' }, removedFields: [], disambiguatedPaths: { 'o.1': ['o', '1'] } }),
      { $v: 2, diff: { so: { u: { '1': true } }, slist: { a: true, s0: { u: { name: 'n' } } } } },
    );
    assert.deepEqual(
      updateDiff({ updatedFields: { 'm.2': 1 }, disambiguatedPaths: { 'm.2': ['m', new Int32(2)] } }),
      { $v: 2, diff: { sm: { a: true, u2: 1 } } },
    );
  });

  test('a single entry is stamped with ts, t, v and wall; a transaction\'s entries fold into one applyOps', () => {
    const wall = new Date(0);
    const uuid = '0123456789abcdef0123456789abcdef';
    const insert = (id: number, ts: bigint, txn?: boolean): OplogEntry => ({
      ts, op: 'insert', wall, db: 'd', coll: 'c', uuid, documentKey: { _id: id }, fullDocument: { _id: id },
      ...(txn ? { lsid: { id: new Int32(7) }, txnNumber: Long.fromNumber(3) } : {}),
    });
    const single = oplogRsEntry([insert(1, (5n << 32n) | 1n)]);
    assert.deepEqual(Object.keys(single), ['op', 'ns', 'ui', 'o', 'ts', 't', 'v', 'wall']);
    assert.equal(single.ns, 'd.c');
    assert.equal((single.ts as { high: number; low: number }).high, 5);
    const txn = oplogRsEntry([insert(1, 10n, true), insert(2, 11n, true)]);
    assert.deepEqual(Object.keys(txn), ['lsid', 'txnNumber', 'op', 'ns', 'o', 'ts', 't', 'v', 'wall', 'prevOpTime']);
    assert.equal(txn.ns, 'admin.$cmd');
    assert.deepEqual((txn.o as { applyOps: { o: unknown }[] }).applyOps.map((op) => op.o), [{ _id: 1 }, { _id: 2 }]);
  });
});
