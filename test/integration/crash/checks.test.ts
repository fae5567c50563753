/**
 * The crash test's verdicts catch what they claim to: a lost acknowledged write, a lost, repeated or reordered event,
 * an event nobody's write explains, and a write of unknown outcome present without its event.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkKey, checkTruthOrder, compareWatcher, type TruthEvent } from './checks.js';
import type { WriteRecord } from './workload.js';

const NS = 'crash_a.orders';
const KEY = `${NS}/w0-1`;

function op(seq: number, kind: WriteRecord['kind'], outcome: WriteRecord['outcome'], extra: Partial<WriteRecord> = {}): WriteRecord {
  const w = `0:${seq}`;
  const value =
    kind === 'insert' ? { _id: 'w0-1', w, n: seq, sub: { k: seq, tag: 'inserted' } }
    : kind === 'update' ? { $inc: { n: 1 }, $set: { w, 'sub.k': seq } }
    : kind === 'replace' ? { w, n: seq, replaced: true }
    : undefined;
  const n = outcome === 'acked' ? 1 : undefined;
  return { writer: 0, seq, ns: NS, id: 'w0-1', kind, w, value, outcome, n, modified: kind === 'update' || kind === 'replace' ? n : undefined, ...extra };
}

let clock = 0;
function ev(kind: string, w?: string, extra: Partial<TruthEvent> = {}): TruthEvent {
  clock++;
  return { token: `01${String(clock).padStart(26, '0')}`, operationType: kind, ns: NS, id: 'w0-1', clusterTime: `100:${clock}`, w, ...extra };
}

/** A consistent history: insert, update, delete, insert again (acknowledged), with its events and final document. */
function history() {
  const ops = [op(0, 'insert', 'acked'), op(1, 'update', 'acked'), op(2, 'delete', 'acked'), op(3, 'insert', 'acked')];
  const events = [
    ev('insert', '0:0', { fullDocument: ops[0]!.value }),
    ev('update', '0:1', { updatedFields: { n: 1, w: '0:1', 'sub.k': 1 }, removedFields: [] }),
    ev('delete'),
    ev('insert', '0:3', { fullDocument: ops[3]!.value }),
  ];
  return { ops, events, final: { ...ops[3]!.value } };
}

describe('crash test verdicts', () => {
  test('a consistent history passes', () => {
    const { ops, events, final } = history();
    assert.deepEqual(checkKey(KEY, ops, events, final).problems, []);
    assert.deepEqual(checkTruthOrder(events), []);
  });

  test('a lost acknowledged write fails, in the data or in the oplog', () => {
    const { ops, events } = history();
    assert.match(checkKey(KEY, ops, events, null).problems[0] ?? '', /final document/);
    const { ops: o2, events: e2, final } = history();
    e2.splice(1, 1); // the update's event is lost (its effect too, or the replay would not match)
    assert.notDeepEqual(checkKey(KEY, o2, e2, final).problems, []);
  });

  test('an event nobody wrote, or one repeated, fails', () => {
    const { ops, events, final } = history();
    const repeated = [...events.slice(0, 2), { ...events[1]! }, ...events.slice(2)];
    assert.match(checkKey(KEY, ops, repeated, final).problems[0] ?? '', /not exactly the effects/);
  });

  test('a write of unknown outcome: present with its event, or absent without one', () => {
    const { events, final } = history();
    const ops = history().ops;
    ops[1] = { ...op(1, 'update', 'unknown'), n: undefined, modified: undefined, readBack: { _id: 'w0-1', w: '0:1', n: 1, sub: { k: 1, tag: 'inserted' } } };
    assert.deepEqual(checkKey(KEY, ops, events, final).problems, []);
    // Read back as applied, but no event: fails.
    const without = [events[0]!, ev('delete'), events[3]!];
    assert.notDeepEqual(checkKey(KEY, ops, without, final).problems, []);
    // Read back as not applied, no event: passes (the delete still had its document to delete).
    ops[1] = { ...ops[1]!, readBack: { ...(events[0]!.fullDocument as object), _id: 'w0-1' } };
    assert.deepEqual(checkKey(KEY, ops, without, final).problems, []);
    // Read back as not applied, but its event is there: fails.
    assert.notDeepEqual(checkKey(KEY, ops, events, final).problems, []);
  });

  test('a watcher missing, repeating or reordering an event fails', () => {
    const { events } = history();
    const all = () => true;
    assert.deepEqual(compareWatcher('w', events, events, all, ''), []);
    assert.match(compareWatcher('w', events.slice(0, 3), events, all, '')[0] ?? '', /missing/);
    assert.match(compareWatcher('w', [...events, events[3]!], events, all, '')[0] ?? '', /repeated/);
    assert.match(compareWatcher('w', [events[1]!, events[0]!, events[2]!, events[3]!], events, all, '').join('\n'), /out of order/);
    // Only what is after the start token counts.
    assert.deepEqual(compareWatcher('w', events.slice(2), events, all, events[1]!.token), []);
  });

  test('the truth must be strictly ordered', () => {
    const { events } = history();
    assert.match(checkTruthOrder([events[1]!, events[0]!])[0] ?? '', /does not sort after/);
  });
});
