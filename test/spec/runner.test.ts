/**
 * Tests of the unified-format runner itself: the matching rules, requirement evaluation, and — against a live
 * eddydb server — that spec tests which pass really assert (a mutated expectation must make them fail). That last
 * part reads spec files, so without them it is one skipped test (a failing one under EDDYDB_REQUIRE_ALL=1).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Int32, Long, ObjectId, Double } from 'mongodb';
import { startServer } from '../../src/server/server.js';
import { requireOptional } from '../helpers/optional.js';
import { withUriOptions } from './entities.js';
import { SPEC_FILES_HOW_TO_GET, specFilesMissing } from './spec_files.js';
import { assertMatches, hasBsonType, matches, MatchError } from './matcher.js';
import {
  classifySkip,
  openSpecEnvironment,
  parseVersion,
  runUnifiedTest,
  runWithRetry,
  schemaSupported,
  SpecAssertionError,
  specPath,
  unmetRequirements,
  type SpecEnvironment,
} from './unified_runner.js';

describe('matcher', () => {
  test('root documents may have extra keys, nested ones may not', () => {
    assert.ok(matches({ x: 1 }, { x: 1, y: 2 }));
    assert.ok(!matches({ a: { x: 1 } }, { a: { x: 1, y: 2 } }));
    assert.ok(!matches({ x: 1 }, { x: 1, y: 2 }, { root: false }));
    assert.ok(!matches({ x: 1, y: 1 }, { x: 1 }));
  });

  test('key order does not matter; array length and order do', () => {
    assert.ok(matches({ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 } }));
    assert.ok(!matches([1, 2], [2, 1]));
    assert.ok(!matches([1, 2], [1, 2, 3]));
  });

  test('numbers compare by value across int32, int64 and double', () => {
    assert.ok(matches(1, new Int32(1)));
    assert.ok(matches(1, Long.fromNumber(1)));
    assert.ok(matches(1, new Double(1)));
    assert.ok(matches(Long.fromString('9007199254740993'), 9007199254740993n));
    assert.ok(!matches(1, 1.5));
    assert.ok(!matches(1, '1'));
    assert.ok(!matches(null, 0));
  });

  test('arrays of root documents only with rootElements', () => {
    assert.ok(!matches([{ x: 1 }], [{ x: 1, y: 1 }], { root: false }));
    assert.ok(matches([{ x: 1 }], [{ x: 1, y: 1 }], { rootElements: true }));
  });

  test('$$exists: null counts as present, a missing key as absent', () => {
    assert.ok(matches({ a: { $$exists: true } }, { a: null }));
    assert.ok(!matches({ a: { $$exists: true } }, {}));
    assert.ok(matches({ a: { $$exists: false } }, {}));
    assert.ok(!matches({ a: { $$exists: false } }, { a: 1 }));
  });

  test('$$unsetOrMatches', () => {
    assert.ok(matches({ a: { $$unsetOrMatches: 1 } }, {}));
    assert.ok(matches({ a: { $$unsetOrMatches: 1 } }, { a: 1 }));
    assert.ok(!matches({ a: { $$unsetOrMatches: 1 } }, { a: 2 }));
    assert.ok(matches({ $$unsetOrMatches: { insertedId: 1 } }, undefined));
    // It keeps the root-ness of where it stands: extra keys stay allowed at the root.
    assert.ok(matches({ $$unsetOrMatches: { insertedId: 1 } }, { insertedId: 1, acknowledged: true }));
    assert.ok(matches({ a: { $$unsetOrMatches: { $$exists: true } } }, {}));
  });

  test('$$type is strict for wrappers and lenient for promoted JS numbers', () => {
    assert.ok(hasBsonType(new Int32(0), 'int'));
    assert.ok(!hasBsonType(Long.fromNumber(0), 'int'));
    assert.ok(!hasBsonType(new Double(0), 'int'));
    assert.ok(hasBsonType(0, 'int') && hasBsonType(0, 'long'));
    assert.ok(!hasBsonType(0.5, 'int'));
    assert.ok(!hasBsonType('0', 'int'));
    assert.ok(hasBsonType({}, 'object') && !hasBsonType([], 'object'));
    assert.ok(matches({ a: { $$type: ['int', 'long'] } }, { a: Long.fromNumber(5) }));
    assert.ok(!matches({ a: { $$type: 'string' } }, {}));
  });

  test('$$lte, $$matchesHexBytes, $$matchAsRoot, $$matchAsDocument', () => {
    assert.ok(matches({ $$lte: 5 }, 5) && matches({ $$lte: 5 }, 4.5) && !matches({ $$lte: 5 }, 6));
    assert.ok(matches({ $$matchesHexBytes: '12ab' }, Buffer.from([0x12, 0xab])));
    assert.ok(matches({ a: { $$matchAsRoot: { x: 1 } } }, { a: { x: 1, y: 2 } }));
    assert.ok(matches({ $$matchAsDocument: { x: 1 } }, '{"x": {"$numberInt": "1"}}'));
    assert.ok(!matches({ $$matchAsDocument: { x: 1 } }, '{"x": 1, "y": 2}'));
  });

  test('$$matchesEntity and $$sessionLsid use the entity map', () => {
    const id = new ObjectId();
    const entities = { bsonEntity: () => id, sessionLsid: () => ({ id: 'L' }) };
    assert.ok(matches({ _id: { $$matchesEntity: 'x' } }, { _id: id }, { entities }));
    assert.ok(!matches({ _id: { $$matchesEntity: 'x' } }, { _id: new ObjectId() }, { entities }));
    assert.ok(matches({ lsid: { $$sessionLsid: 's' } }, { lsid: { id: 'L' } }, { entities }));
  });

  test('operators can be turned off (collection outcome)', () => {
    assert.ok(!matches({ a: { $$exists: true } }, { a: 1 }, { operators: false }));
  });

  test('a mismatch names its path, the expectation and the actual value', () => {
    assert.throws(
      () => assertMatches({ ns: { db: 'a', coll: 'b' } }, { ns: { db: 'a', coll: 'b', x: 1 } }),
      (err: unknown) => err instanceof MatchError && err.path === 'ns' && /unexpected key\(s\) "x"/.test(err.message),
    );
    assert.throws(
      () => assertMatches({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }),
      (err: unknown) => err instanceof MatchError && err.path === 'a[1].b',
    );
  });

  test('Maps from the driver (sort, index keys) match as documents', () => {
    assert.ok(matches({ sort: { x: 1 } }, { sort: new Map([['x', 1]]) }));
  });
});

describe('requirements and versions', () => {
  const env = { serverVersion: [8, 0, 0], topology: 'replicaset' as const, serverParameters: { enableTestCommands: 1 } };
  test('versions compare numerically by component', () => {
    assert.deepEqual(parseVersion('4.9.0-alpha4-271-g7d5cf02'), [4, 9, 0]);
    assert.deepEqual(parseVersion('3.6'), [3, 6, 0]);
    assert.equal(unmetRequirements([{ minServerVersion: '8.0' }], env), undefined);
    assert.match(String(unmetRequirements([{ minServerVersion: '8.0.1' }], env)), /minServerVersion/);
    assert.match(String(unmetRequirements([{ maxServerVersion: '7.99' }], env)), /maxServerVersion/);
    assert.equal(unmetRequirements([{ maxServerVersion: '4.2.99' }, { minServerVersion: '6.0' }], env), undefined);
  });
  test('topologies, serverless, auth, csfle, serverParameters', () => {
    assert.match(String(unmetRequirements([{ topologies: ['single', 'sharded'] }], env)), /topology/);
    assert.equal(unmetRequirements([{ topologies: ['replicaset'], serverless: 'forbid' }], env), undefined);
    assert.match(String(unmetRequirements([{ serverless: 'require' }], env)), /serverless/);
    assert.match(String(unmetRequirements([{ auth: true }], env)), /auth/);
    assert.equal(unmetRequirements([{ auth: false, csfle: false }], env), undefined);
    assert.equal(unmetRequirements([{ serverParameters: { enableTestCommands: 1.0 } }], env), undefined);
    assert.match(String(unmetRequirements([{ serverParameters: { enableTestCommands: 0 } }], env)), /server parameter enableTestCommands/);
    assert.match(String(unmetRequirements([{ serverParameters: { noSuchParameter: 1 } }], env)), /noSuchParameter/);
  });
  test('skips say who decided them: a skip table entry, the file, a requirement (with its kind), the runner', () => {
    const specEnv = { ...env, uri: '', singleUri: '', internal: undefined as never, servers: [], hello: {}, buildInfo: {}, close: async () => undefined };
    const file = { runOnRequirements: [{ minServerVersion: '4.0' }], tests: [] };
    const test1 = { description: 'a', operations: [] };
    const skips = [{ file: 'f.json', test: 'a', reason: 'driver: bug' }];
    assert.deepEqual(classifySkip('f.json', file, test1, specEnv, skips), { kind: 'named', reason: 'driver: bug' });
    assert.equal(classifySkip('f.json', file, test1, specEnv, []), undefined);
    assert.equal(classifySkip('f.json', file, { ...test1, skipReason: 'flaky' }, specEnv, [])?.kind, 'skipReason');
    const versioned = classifySkip('f.json', file, { ...test1, runOnRequirements: [{ maxServerVersion: '4.2.99' }, { topologies: ['sharded'] }] }, specEnv, []);
    assert.equal(versioned?.kind, 'requirement');
    assert.deepEqual(versioned?.requirementKinds, ['topology', 'version']);
    const fileLevel = classifySkip('f.json', { ...file, runOnRequirements: [{ topologies: ['single'] }] }, test1, specEnv, []);
    assert.deepEqual([fileLevel?.kind, fileLevel?.requirementKinds], ['requirement', ['topology']]);
    assert.match(String(fileLevel?.reason), /^file runOnRequirements not met: topology replicaset/);
    const unknownOp = classifySkip('f.json', file, { ...test1, operations: [{ name: 'noSuchOperation', object: 'collection0' }] }, specEnv, []);
    assert.equal(unknownOp?.kind, 'runner');
  });
  test('schema versions up to 1.22 are accepted', () => {
    assert.ok(schemaSupported('1.0') && schemaSupported('1.22'));
    assert.ok(!schemaSupported('1.23') && !schemaSupported('2.0'));
  });
  test('uriOptions override the base connection string', () => {
    assert.equal(withUriOptions('mongodb://h:1/?replicaSet=rs0&w=1', { w: 'majority', retryWrites: false }), 'mongodb://h:1/?replicaSet=rs0&w=majority&retryWrites=false');
  });
});

describe('a second run for timing-sensitive tests', () => {
  const RETRY = { file: 'f.json', test: '*', reason: 'timing' };
  /** An attempt that fails for the first `failures` calls, then passes. */
  const flaky = (failures: number) => {
    let calls = 0;
    const attempt = async (): Promise<void> => {
      calls++;
      if (calls <= failures) throw new SpecAssertionError(`run ${calls} failed`);
    };
    return { attempt, calls: () => calls };
  };

  test('a pass on the first run is just a pass', async () => {
    const run = flaky(0);
    const notes: string[] = [];
    assert.deepEqual(await runWithRetry(run.attempt, RETRY, (n) => notes.push(n)), {});
    assert.deepEqual([run.calls(), notes], [1, []]);
  });
  test('without a retry entry the first failure decides', async () => {
    const run = flaky(1);
    const outcome = await runWithRetry(run.attempt, undefined, () => undefined);
    assert.equal(outcome.failure?.message, 'run 1 failed');
    assert.equal(outcome.retried, undefined);
    assert.equal(run.calls(), 1);
  });
  test('a failure then a pass passes, and says that a second run happened and why', async () => {
    const run = flaky(1);
    const notes: string[] = [];
    const outcome = await runWithRetry(run.attempt, RETRY, (n) => notes.push(n));
    assert.equal(outcome.failure, undefined);
    assert.deepEqual(outcome.retried, { firstFailure: 'run 1 failed', reason: 'timing' });
    assert.deepEqual(notes, ['first run failed, running once more (timing): run 1 failed', 'passed on the second run']);
    assert.equal(run.calls(), 2);
  });
  test('two failures fail with both messages, and there is no third run', async () => {
    const run = flaky(5);
    const outcome = await runWithRetry(run.attempt, RETRY, () => undefined);
    assert.equal(outcome.failure?.message, 'failed twice; second run: run 2 failed; first run: run 1 failed');
    assert.ok(outcome.failure?.error instanceof SpecAssertionError);
    assert.equal(run.calls(), 2);
  });
});

/** A spec file with one test picked out and changed by `mutate`, as the runner reads it. */
function mutated(sub: string, description: string, mutate: (t: Record<string, any>) => void): { raw: string; index: number } {
  const file = JSON.parse(readFileSync(specPath(sub), 'utf8')) as { tests: Record<string, any>[] };
  const index = file.tests.findIndex((t) => t.description === description);
  assert.ok(index >= 0, `no test ${description} in ${sub}`);
  mutate(file.tests[index]);
  return { raw: JSON.stringify(file), index };
}

const REALLY_ASSERT = 'spec tests really assert (live server)';
if (requireOptional(REALLY_ASSERT, specFilesMissing(), SPEC_FILES_HOW_TO_GET)) describe(REALLY_ASSERT, () => {
  let env: SpecEnvironment;
  before(async () => {
    env = await openSpecEnvironment(startServer);
  });
  after(async () => {
    await env?.close();
  });

  const CS = 'change-streams/change-streams.json';
  const EVENTS = 'Test insert, update, replace, and delete event types';

  test('the unmodified test passes', async () => {
    const { raw, index } = mutated(CS, EVENTS, () => undefined);
    await runUnifiedTest(raw, index, env);
  });

  test('a wrong value in expectResult fails', async () => {
    const { raw, index } = mutated(CS, EVENTS, (t) => {
      const op = t.operations.find((o: any) => o.expectResult?.operationType === 'insert');
      op.expectResult.operationType = 'update';
    });
    await assert.rejects(runUnifiedTest(raw, index, env), /expectResult: operationType: values differ/);
  });

  test('an extra key expected in a nested document fails', async () => {
    const { raw, index } = mutated(CS, EVENTS, (t) => {
      const op = t.operations.find((o: any) => o.expectResult?.operationType === 'insert');
      op.expectResult.ns.extra = 1;
    });
    await assert.rejects(runUnifiedTest(raw, index, env), /ns\.extra: key is missing/);
  });

  test('a wrong command in expectEvents fails', async () => {
    const { raw, index } = mutated(CS, EVENTS, (t) => {
      t.expectEvents[0].events[0].commandStartedEvent.command.aggregate = 'nope';
    });
    await assert.rejects(runUnifiedTest(raw, index, env), /expectEvents\[0\] \(client0\) event #0 aggregate command: aggregate: values differ/);
  });

  test('extra observed events fail without ignoreExtraEvents', async () => {
    const { raw, index } = mutated(CS, EVENTS, (t) => {
      t.expectEvents[0].ignoreExtraEvents = false;
    });
    await assert.rejects(runUnifiedTest(raw, index, env), /expected 1 event\(s\), observed \d+; expected \[commandStartedEvent\], observed \[commandStartedEvent\(aggregate\), commandStartedEvent\(getMore\)/);
  });

  test('a missing expected event fails', async () => {
    const { raw, index } = mutated(CS, 'Test with document comment', (t) => {
      t.expectEvents[0].events.push({ commandStartedEvent: { commandName: 'ping' } });
    });
    await assert.rejects(runUnifiedTest(raw, index, env), /expected 2 event\(s\), observed 1/);
  });

  test('expectError on an operation that succeeds fails', async () => {
    const { raw, index } = mutated(CS, EVENTS, (t) => {
      const op = t.operations.find((o: any) => o.name === 'insertOne');
      op.expectError = { isError: true };
    });
    await assert.rejects(runUnifiedTest(raw, index, env), /expected an error/);
  });

  test('a wrong outcome fails', async () => {
    const { raw, index } = mutated('crud/insertOne.json', 'InsertOne with a non-existing document', (t) => {
      t.outcome[0].documents[t.outcome[0].documents.length - 1].x = 12345;
    });
    await assert.rejects(runUnifiedTest(raw, index, env), /outcome .*x: values differ/);
  });

  test('the session assertions assert: lsids of the last two commands, a session\'s dirtiness', async () => {
    const IMPLICIT = 'Server supports implicit sessions';
    const same = mutated('sessions/driver-sessions-server-support.json', IMPLICIT, () => undefined);
    await runUnifiedTest(same.raw, same.index, env);
    const different = mutated('sessions/driver-sessions-server-support.json', IMPLICIT, (t) => {
      t.operations.find((o: any) => o.name === 'assertSameLsidOnLastTwoCommands').name = 'assertDifferentLsidOnLastTwoCommands';
    });
    await assert.rejects(runUnifiedTest(different.raw, different.index, env), /the last two commands \(insert, find\) have the same lsid/);
    const dirty = mutated('sessions/driver-sessions-dirty-session-errors.json', 'Dirty explicit session is discarded (insert)', (t) => {
      t.operations.find((o: any) => o.name === 'assertSessionDirty').name = 'assertSessionNotDirty';
    });
    await assert.rejects(runUnifiedTest(dirty.raw, dirty.index, env), /session session0 is dirty/);
  });

  test('an iteration that never gets a document times out and cleans up', async () => {
    const { raw, index } = mutated(CS, EVENTS, (t) => {
      // Iterate once more than there are events.
      t.operations.push({ name: 'iterateUntilDocumentOrError', object: 'changeStream0' });
      delete t.expectEvents;
    });
    const started = Date.now();
    await assert.rejects(runUnifiedTest(raw, index, env, 1500), /timed out after 1500 ms during operation #\d+ iterateUntilDocumentOrError/);
    assert.ok(Date.now() - started < 8000);
  });
});
