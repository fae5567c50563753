/**
 * The change-stream unified spec files (change-streams/ in the spec directory, see spec_files.ts; read at run time,
 * never copied) run through the official Node driver against an eddydb server started in memory as replica set rs0.
 * Without the spec files the suite is one skipped test (a failing one under EDDYDB_REQUIRE_ALL=1).
 * Run: npx tsc -p tsconfig.json; node --test dist/test/spec/change_streams.spec.test.js
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { startServer } from '../../src/server/server.js';
import { DRIVER_VERSION, driverSupportsCsot } from './driver_capabilities.js';
import { requireOptional } from '../helpers/optional.js';
import { SPEC_FILES_HOW_TO_GET, specFilesMissing } from './spec_files.js';
import { defineEnvironmentChecks, defineUnifiedSuite, openSpecEnvironment, specPath, type RetryEntry, type SkipEntry } from './unified_runner.js';

const CSOT_FILE = 'csot-change-streams.json';

/**
 * csot-change-streams.json checks the driver's client-side operations timeout against the server's fail points.
 * eddydb honours everything those tests need from a server (failCommand blockConnection/blockTimeMS, maxTimeMS on the
 * change-stream aggregate, getMore maxTimeMS as the await time, failCommand errorLabels). Whether they can pass is up
 * to the driver, so the skips follow the installed one (see driver_capabilities.ts).
 */
export function csotSkips(supportsCsot: boolean, driverVersion: string): SkipEntry[] {
  if (!supportsCsot) {
    return [
      {
        file: CSOT_FILE,
        test: '*',
        reason:
          `driver: mongodb ${driverVersion} makes timeoutMS a no-op (since 6.22.0 and 7.8.0: TimeoutContext.create() never builds ` +
          'a CSOT context, and the ChangeStream constructor clears timeoutMS), so no aggregate carries maxTimeMS and nothing ' +
          'raises MongoOperationTimeoutError; with mongodb 7.7.0 seven of these eight tests pass against eddydb',
      },
    ];
  }
  return [
    {
      file: CSOT_FILE,
      test: 'timeoutMS applies to full resume attempt in a next call',
      reason:
        'driver: the Node driver refreshes the timeout before resuming (ChangeStream._resume calls timeoutContext.refresh()), ' +
        'so the resume aggregate gets a fresh timeoutMS instead of what is left of the next() call, and it retries that ' +
        'aggregate as a retryable read; the Node driver skips this test in its own CSOT suite (https://jira.mongodb.org/browse/DRIVERS-3006)',
    },
  ];
}

/**
 * Tests deliberately not run. Version, topology and serverless requirements are evaluated from the files themselves
 * (the server claims 8.0.0 and is treated as a replica set), so they need no entry here.
 */
export const CHANGE_STREAM_SKIPS: readonly SkipEntry[] = [
  ...csotSkips(driverSupportsCsot(), DRIVER_VERSION),
  // Only reached where the servers answer as routers (on PostgreSQL): the sharded-only tests apply there.
  {
    file: 'change-streams-showExpandedEvents.json',
    test: 'when showExpandedEvents is true, shardCollection events are reported',
    reason: 'topology: eddydb\'s routers front one store, not shards, so shardCollection is a command it does not have',
  },
];

/**
 * The timing-sensitive tests of csot-change-streams.json: each blocks commands with failCommand's blockTimeMS and
 * expects the driver's timeoutMS to expire, or not, around it. "timeoutMS is refreshed for getMore if maxAwaitTimeMS
 * is not set" has 20 ms to spare (timeoutMS 1050 against a 30 ms block plus the server's 1 s await), which a busy
 * 2-core machine can eat. A second run separates that from a real regression, which fails both runs.
 */
export const CHANGE_STREAM_RETRIES: readonly RetryEntry[] = [
  { file: CSOT_FILE, test: '*', reason: 'timing: CSOT margins of tens of milliseconds around failCommand blockTimeMS' },
];

if (requireOptional('change-streams spec suite', specFilesMissing(), SPEC_FILES_HOW_TO_GET)) {
  const env = await openSpecEnvironment(startServer);
  after(() => env.close());

  defineEnvironmentChecks(env);

  describe('driver capabilities', () => {
    // The CSOT skips above rest on driverSupportsCsot(); if a driver upgrade (or downgrade) changes what watch() sends,
    // this fails instead of the skip table silently hiding tests that could now run.
    it(`the CSOT probe matches what mongodb ${DRIVER_VERSION} sends for watch({timeoutMS})`, async () => {
      const client = new MongoClient(env.uri, { monitorCommands: true });
      const aggregates: CommandStartedEvent[] = [];
      client.on('commandStarted', (ev: CommandStartedEvent) => {
        if (ev.commandName === 'aggregate') aggregates.push(ev);
      });
      try {
        const stream = client.db('csot_probe').collection('coll').watch([], { timeoutMS: 5000 });
        const cursor = (stream as unknown as { cursor: { cursorInit(): Promise<void> } }).cursor;
        await cursor.cursorInit();
        await stream.close();
        assert.equal(aggregates.length, 1, 'watch() should have sent one aggregate');
        const sentMaxTimeMS = aggregates[0].command.maxTimeMS !== undefined;
        assert.equal(sentMaxTimeMS, driverSupportsCsot(), `aggregate maxTimeMS present: ${sentMaxTimeMS}; driverSupportsCsot(): ${driverSupportsCsot()}`);
      } finally {
        await client.close();
      }
    });
  });

  defineUnifiedSuite({ dir: specPath('change-streams'), env, skips: CHANGE_STREAM_SKIPS, retries: CHANGE_STREAM_RETRIES });
}
