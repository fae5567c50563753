import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CappedTotals } from '../../../src/engine/capped_totals.js';

describe('CappedTotals', () => {
  test('totals a write committed are known to the next insert until another writer changes the collection', () => {
    const totals = new CappedTotals();
    const first = totals.begin();
    first.noteLogged('u');
    first.set('u', { count: 2, bytes: 20 });
    first.commit();
    const second = totals.begin();
    second.noteLogged('u');
    assert.deepEqual(second.afterInsert('u', 5), { count: 3, bytes: 25 });
    // A change another server committed for the collection, delivered by the tail: measure again.
    totals.forget('u');
    const third = totals.begin();
    third.noteLogged('u');
    assert.equal(third.afterInsert('u', 5), null);
  });
});
