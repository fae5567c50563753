/**
 * The change-stream unified spec files (../shared/spec/change-streams, read at run time, never copied) run through
 * the official Node driver against an eddydb server started in memory as replica set rs0.
 * Run: npx tsc -p tsconfig.json; node --test dist/test/spec/change_streams.spec.test.js
 */
import { after } from 'node:test';
import { startServer } from '../../src/server/server.js';
import { defineEnvironmentChecks, defineUnifiedSuite, openSpecEnvironment, specPath, type SkipEntry } from './unified_runner.js';

/**
 * Tests deliberately not run. Version, topology and serverless requirements are evaluated from the files themselves
 * (the server claims 8.0.0 and is treated as a replica set), so they need no entry here.
 */
export const CHANGE_STREAM_SKIPS: readonly SkipEntry[] = [
  {
    file: 'csot-change-streams.json',
    test: '*',
    reason:
      'client-side operations timeout: the mongodb 7.x driver ignores timeoutMS on watch() (its ChangeStream constructor ' +
      'clears the option), so no aggregate carries maxTimeMS and no iteration times out; these tests cannot pass through this driver',
  },
];

const env = await openSpecEnvironment(startServer);
after(() => env.close());

defineEnvironmentChecks(env);
defineUnifiedSuite({ dir: specPath('change-streams'), env, skips: CHANGE_STREAM_SKIPS });
