import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexUsage } from '../../../src/engine/index_usage.js';
import type { OplogEntry } from '../../../src/oplog/entry.js';

function entry(fields: Partial<OplogEntry>): OplogEntry {
  return { ts: 1n, wall: new Date(0), db: 'db', op: 'insert', ...fields } as OplogEntry;
}

describe('IndexUsage', () => {
  test('counts the uses recorded for each index, since the engine opened', () => {
    let now = 1_000;
    const usage = new IndexUsage(() => now);
    now = 5_000;
    usage.record('c1', 'a_1');
    usage.record('c1', 'a_1');
    usage.record('c2', 'a_1');
    assert.deepEqual(usage.accesses('c1', 'a_1'), { ops: 2, since: new Date(1_000) });
    assert.equal(usage.accesses('c2', 'a_1').ops, 1);
    assert.deepEqual(usage.accesses('c1', 'b_1'), { ops: 0, since: new Date(1_000) });
  });

  test('an index created or dropped starts again; a dropped collection, or one a rename replaced, is forgotten', () => {
    let now = 1_000;
    const usage = new IndexUsage(() => now);
    usage.record('c1', 'a_1');
    usage.record('c1', 'b_1');
    now = 2_000;
    usage.noteChange(entry({ op: 'createIndexes', uuid: 'c1', operationDescription: { indexes: [{ name: 'a_1' }] } }));
    assert.deepEqual(usage.accesses('c1', 'a_1'), { ops: 0, since: new Date(2_000) });
    assert.equal(usage.accesses('c1', 'b_1').ops, 1);
    usage.noteChange(entry({ op: 'dropIndexes', uuid: 'c1', operationDescription: { indexes: [{ name: 'b_1' }] } }));
    assert.deepEqual(usage.accesses('c1', 'b_1'), { ops: 0, since: new Date(1_000) });
    usage.record('c1', 'a_1');
    usage.noteChange(entry({ op: 'drop', uuid: 'c1', coll: 'x' }));
    assert.equal(usage.accesses('c1', 'a_1').ops, 0);
    usage.record('c2', 'a_1');
    usage.noteChange(entry({ op: 'rename', uuid: 'c3', coll: 'y', to: { db: 'db', coll: 'z' }, dropTarget: 'c2' }));
    assert.equal(usage.accesses('c2', 'a_1').ops, 0);
    now = 3_000;
    usage.noteChange(entry({ op: 'create', uuid: 'c4', coll: 'new' }));
    assert.deepEqual(usage.accesses('c4', '_id_'), { ops: 0, since: new Date(3_000) });
    // Writes change nothing.
    usage.record('c4', '_id_');
    usage.noteChange(entry({ op: 'insert', uuid: 'c4' }));
    assert.equal(usage.accesses('c4', '_id_').ops, 1);
  });
});
