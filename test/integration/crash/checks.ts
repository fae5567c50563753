/**
 * The verdicts of the crash test, as pure functions of what was logged: the writers' records, the watchers' events,
 * the authoritative list of committed changes (a cluster stream read from the very beginning, "the truth"), and the
 * final data. Each returns a list of problems (empty when the promise holds), precise enough to point at the write
 * or event that was lost, repeated or invented.
 */
import type { ChangeStreamDocument, Document } from 'mongodb';
import { logged, type LoggedEvent } from './watcher.js';
import { keyOf, type WriteRecord } from './workload.js';

/** A committed change as the truth stream reports it, with what the data check needs to replay it. */
export interface TruthEvent extends LoggedEvent {
  /** The tag of the write that made it (insert, replace, update); none for a delete. */
  w?: string;
  fullDocument?: Document;
  updatedFields?: Document;
  removedFields?: string[];
}

export function truthEvent(change: ChangeStreamDocument<Document> | Document): TruthEvent {
  const c = change as Document;
  const event: TruthEvent = logged(change);
  if (c.fullDocument) event.fullDocument = c.fullDocument as Document;
  if (c.updateDescription) {
    event.updatedFields = c.updateDescription.updatedFields as Document;
    event.removedFields = c.updateDescription.removedFields as string[];
  }
  const w = event.fullDocument?.w ?? event.updatedFields?.w;
  if (typeof w === 'string') event.w = w;
  return event;
}

/** A stable text for a document (keys sorted at every level), or 'null' for an absent one. */
export function canon(doc: Document | null | undefined): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.keys(v as Document).sort().map((k) => [k, sort((v as Document)[k])]));
    }
    return v;
  };
  return doc === null || doc === undefined ? 'null' : JSON.stringify(sort(doc));
}

function clone(doc: Document): Document {
  return structuredClone(doc);
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let at = doc;
  for (const part of parts.slice(0, -1)) {
    if (at[part] === null || typeof at[part] !== 'object') at[part] = {};
    at = at[part] as Document;
  }
  at[parts.at(-1)!] = value;
}

function getPath(doc: Document, path: string): unknown {
  return path.split('.').reduce<unknown>((at, part) => (at !== null && typeof at === 'object' ? (at as Document)[part] : undefined), doc);
}

function unsetPath(doc: Document, path: string): void {
  const parts = path.split('.');
  const holder = parts.length === 1 ? doc : getPath(doc, parts.slice(0, -1).join('.'));
  if (holder !== null && typeof holder === 'object') delete (holder as Document)[parts.at(-1)!];
}

/** The document after one truth event, from the document before it. */
export function applyEvent(before: Document | null, event: TruthEvent): Document | null {
  switch (event.operationType) {
    case 'insert':
    case 'replace':
      return clone(event.fullDocument!);
    case 'delete':
      return null;
    case 'update': {
      if (before === null) throw new Error(`update event ${event.token} for ${event.ns} ${String(event.id)} on an absent document`);
      const after = clone(before);
      for (const path of event.removedFields ?? []) unsetPath(after, path);
      for (const [path, value] of Object.entries(event.updatedFields ?? {})) setPath(after, path, clone({ v: value }).v);
      return after;
    }
    default:
      throw new Error(`unexpected ${event.operationType} event ${event.token}`);
  }
}

/** The document after a write the writer issued, from the document before it (null when it cannot apply). */
function applyWrite(before: Document | null, op: WriteRecord): Document | null | 'no effect' {
  switch (op.kind) {
    case 'insert':
      return before === null ? clone(op.value!) : 'no effect';
    case 'delete':
      return before === null ? 'no effect' : null;
    case 'replace':
      return before === null ? 'no effect' : { _id: op.id, ...clone(op.value!) };
    case 'update': {
      if (before === null) return 'no effect';
      const after = clone(before);
      for (const [path, by] of Object.entries(op.value!.$inc as Document)) setPath(after, path, (getPath(after, path) as number) + (by as number));
      for (const [path, value] of Object.entries(op.value!.$set as Document)) setPath(after, path, value);
      return after;
    }
  }
}

/** The truth itself: strictly increasing tokens and cluster times (one event per CRUD entry). */
export function checkTruthOrder(truth: TruthEvent[]): string[] {
  const problems: string[] = [];
  const time = (t: string): bigint => {
    const [s, i] = t.split(':').map(BigInt);
    return (s! << 32n) | i!;
  };
  for (let i = 1; i < truth.length; i++) {
    const [a, b] = [truth[i - 1]!, truth[i]!];
    if (!(a.token < b.token)) problems.push(`truth: token ${b.token} (#${i}) does not sort after ${a.token}`);
    if (!(time(a.clusterTime) < time(b.clusterTime))) problems.push(`truth: clusterTime ${b.clusterTime} (#${i}) is not after ${a.clusterTime}`);
  }
  return problems;
}

/**
 * A watcher's events against the truth: exactly the truth's events in its scope after its start token, in order.
 * Reports what is missing, repeated, unexpected, or out of order.
 */
export function compareWatcher(name: string, got: LoggedEvent[], truth: LoggedEvent[], inScope: (ns: string) => boolean, startToken: string): string[] {
  const expected = truth.filter((e) => inScope(e.ns) && e.token > startToken).map((e) => e.token);
  const actual = got.map((e) => e.token);
  if (expected.length === actual.length && expected.every((t, i) => t === actual[i])) return [];
  const problems: string[] = [];
  const want = new Set(expected);
  const seen = new Map<string, number>();
  for (const t of actual) seen.set(t, (seen.get(t) ?? 0) + 1);
  const describe = (t: string): string => {
    const e = truth.find((x) => x.token === t) ?? got.find((x) => x.token === t);
    return e ? `${t} (${e.operationType} ${e.ns} ${String(e.id)} at ${e.clusterTime})` : t;
  };
  const missing = expected.filter((t) => !seen.has(t));
  const repeated = [...seen].filter(([, n]) => n > 1).map(([t, n]) => `${describe(t)} x${n}`);
  const unexpected = actual.filter((t) => !want.has(t));
  if (missing.length > 0) problems.push(`${name}: ${missing.length} events missing, first ${missing.slice(0, 5).map(describe).join(', ')}`);
  if (repeated.length > 0) problems.push(`${name}: ${repeated.length} events repeated, first ${repeated.slice(0, 5).join(', ')}`);
  if (unexpected.length > 0) problems.push(`${name}: ${unexpected.length} events not in the truth or out of scope, first ${unexpected.slice(0, 5).map(describe).join(', ')}`);
  for (let i = 1; i < actual.length; i++) {
    if (!(actual[i - 1]! < actual[i]!) && actual[i - 1] !== actual[i]) {
      problems.push(`${name}: out of order at #${i}: ${describe(actual[i]!)} after ${describe(actual[i - 1]!)}`);
      break;
    }
  }
  if (problems.length === 0) {
    const at = expected.findIndex((t, i) => t !== actual[i]);
    problems.push(`${name}: sequences differ at #${at} (expected ${expected.length} events, got ${actual.length})`);
  }
  return problems;
}

/** What the key check found out about the writes with an unknown outcome. */
export interface KeyVerdict {
  problems: string[];
  unknownApplied: number;
  unknownNotApplied: number;
}

function describeOp(op: WriteRecord): string {
  const result = op.outcome === 'acked' ? `n=${op.n}` : op.outcome === 'failed' ? `failed ${op.errorCode ?? ''} ${op.error ?? ''}` : `unknown (${op.error ?? ''}) readBack=${canon(op.readBack)}`;
  return `#${op.seq} ${op.kind} w=${op.w} ${op.outcome} ${result}`;
}

/** The writes and events around write `at` and event `atEvent` (where the verdict stopped), 12 either side. */
function describeHistory(ops: WriteRecord[], events: TruthEvent[], at = ops.length, atEvent = events.length): string {
  const window = <T>(list: T[], i: number): [number, T[]] => [Math.max(0, i - 12), list.slice(Math.max(0, i - 12), i + 12)];
  const [o0, o] = window(ops, at);
  const [e0, e] = window(events, atEvent);
  const opLines = o.map((op) => `    ${describeOp(op)}`).join('\n');
  const eventLines = e.map((ev, k) => `    [${e0 + k}] ${ev.token} ${ev.operationType} w=${ev.w ?? '-'} at ${ev.clusterTime}`).join('\n');
  return `\n  writes (from ${o0} of ${ops.length}):\n${opLines}\n  committed events (from ${e0} of ${events.length}):\n${eventLines}`;
}

/**
 * One document (ns + _id), whose writes came from one writer in order:
 * 1. every acknowledged write is reflected: replaying the writer's log alone (acknowledged writes applied, writes of
 *    unknown outcome either way, results such as matchedCount narrowing the possibilities) must allow the final
 *    document;
 * 2. the committed events of this document are explained exactly by the writes: each acknowledged write that had an
 *    effect has its one event, a failed write or one without effect has none, a write of unknown outcome has one or
 *    none; no event is left over, none comes in another order;
 * 3. replaying the events gives the final document, and gives the document read back after each unknown outcome
 *    (so an unknown write is either present with its event or absent without one).
 */
export function checkKey(key: string, ops: WriteRecord[], events: TruthEvent[], finalDoc: Document | null): KeyVerdict {
  const verdict: KeyVerdict = { problems: [], unknownApplied: 0, unknownNotApplied: 0 };
  /** Where the last verdict stood: the write and the event it was looking at. */
  let at = ops.length;
  let atEvent = events.length;
  const fail = (message: string): KeyVerdict => {
    verdict.problems.push(`${key}: ${message}${describeHistory(ops, events, at, atEvent)}`);
    return verdict;
  };

  // The document after the first j events.
  const docs: (Document | null)[] = [null];
  try {
    for (const ev of events) docs.push(applyEvent(docs.at(-1)!, ev));
  } catch (err) {
    return fail((err as Error).message);
  }
  const canons = docs.map(canon);
  if (canons.at(-1) !== canon(finalDoc)) {
    return fail(`the final document ${canon(finalDoc)} is not what the committed events give, ${canons.at(-1)}`);
  }

  // 1. The writer's log alone.
  let candidates = new Map<string, Document | null>([['null', null]]);
  for (const [i, op] of ops.entries()) {
    at = i;
    const nextEvent = events.findIndex((e) => e.w !== undefined && Number(e.w.split(":")[1]) >= op.seq);
    atEvent = nextEvent < 0 ? events.length : nextEvent;
    const next = new Map<string, Document | null>();
    const keep = (doc: Document | null): void => void next.set(canon(doc), doc);
    const applied = (doc: Document | null): void => {
      const after = applyWrite(doc, op);
      if (after !== 'no effect') keep(after);
    };
    const all = [...candidates.values()];
    if (op.outcome === 'acked') {
      const effective = op.kind === 'insert' || op.n === 1;
      if (op.kind !== 'insert' && op.kind !== 'delete' && op.modified !== op.n) return fail(`${describeOp(op)}: modifiedCount ${op.modified} differs from matchedCount though every update changes w`);
      const fits = all.filter((doc) => (doc === null) === (op.kind === 'insert' ? true : !effective));
      if (fits.length === 0) return fail(`${describeOp(op)} was acknowledged, but no history of the earlier writes allows its result: a write was lost or invented`);
      for (const doc of fits) {
        if (effective) applied(doc);
        else keep(doc);
      }
    } else if (op.outcome === 'failed') {
      const fits = op.kind === 'insert' && op.errorCode === 11000 ? all.filter((doc) => doc !== null) : all;
      if (fits.length === 0) return fail(`${describeOp(op)}: duplicate key, but no history of the earlier writes has the document`);
      fits.forEach(keep);
    } else {
      for (const doc of all) {
        keep(doc);
        applied(doc);
      }
      if (op.readBack !== undefined) {
        const seen = canon(op.readBack);
        if (!next.has(seen)) return fail(`${describeOp(op)}: the data read back is explained by no history of the writes`);
        for (const k of [...next.keys()]) if (k !== seen) next.delete(k);
      }
    }
    candidates = next;
  }
  at = ops.length;
  atEvent = events.length;
  if (!candidates.has(canon(finalDoc))) {
    return fail(`final document ${canon(finalDoc)} is none of ${[...candidates.keys()].join(' | ')}: an acknowledged write is not reflected`);
  }

  // 2 and 3. Align the writes with the committed events (backtracking only over unknown outcomes).
  const memo = new Map<number, boolean>();
  /** For each (write, events consumed) that can be explained: whether the write took the next event. */
  const choice = new Map<number, boolean>();
  const width = events.length + 1;
  let deepest = -1;
  const explain = (i: number, j: number): boolean => {
    if (i > deepest) [deepest, at, atEvent] = [i, i, j];
    if (i === ops.length) return j === events.length;
    const slot = i * width + j;
    const known = memo.get(slot);
    if (known !== undefined) return known;
    const op = ops[i]!;
    const present = canons[j] !== 'null';
    const ev = events[j];
    const produces = ev !== undefined && ev.operationType === op.kind && (op.kind === 'delete' || ev.w === op.w);
    const canTake = produces && (op.kind === 'insert' ? !present : present);
    const readBackFits = (at: number): boolean => op.readBack === undefined || canon(op.readBack) === canons[at];
    let ok = false;
    let take = false;
    if (op.outcome === 'acked') {
      if (op.kind === 'insert' || op.n === 1) ok = take = canTake && explain(i + 1, j + 1);
      else ok = !present && explain(i + 1, j);
    } else if (op.outcome === 'failed') {
      ok = (op.kind === 'insert' && op.errorCode === 11000 ? present : true) && explain(i + 1, j);
    } else {
      ok = take = canTake && readBackFits(j + 1) && explain(i + 1, j + 1);
      if (!ok) {
        take = false;
        ok = readBackFits(j) && explain(i + 1, j);
      }
    }
    memo.set(slot, ok);
    if (ok) choice.set(slot, take);
    return ok;
  };
  if (!explain(0, 0)) return fail('the committed events are not exactly the effects of the writes (an event lost, repeated, reordered or invented)');
  const took: boolean[] = [];
  for (let i = 0, j = 0; i < ops.length; i++) {
    took.push(choice.get(i * width + j)!);
    if (took[i]) j++;
  }

  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.outcome !== 'unknown') continue;
    if (took[i]) verdict.unknownApplied++;
    else verdict.unknownNotApplied++;
    if (op.kind !== 'delete') {
      const hasEvent = events.some((e) => e.w === op.w);
      const inData = (op.readBack as Document | null | undefined)?.w === op.w;
      if (hasEvent !== inData) return fail(`${describeOp(op)}: ${inData ? 'in the data without its event' : 'its event without it in the data'}`);
    }
  }
  return verdict;
}

/** Groups writes and truth events by document; events for documents nobody wrote are reported. */
export function byKey(logs: WriteRecord[][], truth: TruthEvent[], ignoreNs: (ns: string) => boolean): { ops: Map<string, WriteRecord[]>; events: Map<string, TruthEvent[]>; strays: TruthEvent[] } {
  const ops = new Map<string, WriteRecord[]>();
  for (const log of logs) {
    for (const op of log) {
      const key = keyOf(op.ns, op.id);
      (ops.get(key) ?? ops.set(key, []).get(key)!).push(op);
    }
  }
  const events = new Map<string, TruthEvent[]>();
  const strays: TruthEvent[] = [];
  for (const ev of truth) {
    if (ignoreNs(ev.ns)) continue;
    const key = keyOf(ev.ns, ev.id);
    if (!ops.has(key)) strays.push(ev);
    else (events.get(key) ?? events.set(key, []).get(key)!).push(ev);
  }
  return { ops, events, strays };
}

/** One watcher as the whole-run verdict needs it: what it logged, from where, and which namespaces it watched. */
export interface WatcherLog {
  name: string;
  events: LoggedEvent[];
  startToken: string;
  inScope: (ns: string) => boolean;
}

/**
 * Every verdict of a crash run at once: the truth's own order, every write against the truth and the final data
 * (`finalDocs` by keyOf), and every watcher against the truth. `ignoreNs` names the namespaces no writer owns (the
 * end marker). Returns the problems and how the writes of unknown outcome turned out.
 */
export function checkRun(
  logs: WriteRecord[][],
  truth: TruthEvent[],
  finalDocs: Map<string, Document>,
  watchers: WatcherLog[],
  ignoreNs: (ns: string) => boolean,
): { problems: string[]; unknownApplied: number; unknownNotApplied: number } {
  const problems: string[] = [...checkTruthOrder(truth)];
  const { ops, events, strays } = byKey(logs, truth, ignoreNs);
  for (const e of strays) problems.push(`event for a document nobody wrote: ${e.token} ${e.operationType} ${e.ns} ${String(e.id)}`);
  for (const key of finalDocs.keys()) if (!ops.has(key)) problems.push(`document nobody wrote: ${key}`);
  let unknownApplied = 0;
  let unknownNotApplied = 0;
  for (const [key, keyOps] of ops) {
    const verdict = checkKey(key, keyOps, events.get(key) ?? [], finalDocs.get(key) ?? null);
    problems.push(...verdict.problems);
    unknownApplied += verdict.unknownApplied;
    unknownNotApplied += verdict.unknownNotApplied;
  }
  for (const w of watchers) problems.push(...compareWatcher(w.name, w.events, truth, w.inScope, w.startToken));
  return { problems, unknownApplied, unknownNotApplied };
}
