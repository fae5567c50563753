/**
 * The retryable-writes unified spec files (retryable-writes/ in the spec directory, see spec_files.ts) run through
 * the official Node driver against an eddydb server started in memory as replica set rs0.
 */
import { after } from 'node:test';
import { startServer } from '../../src/server/server.js';
import { requireOptional } from '../helpers/optional.js';
import { SPEC_FILES_HOW_TO_GET, specFilesMissing } from './spec_files.js';
import { defineUnifiedSuite, openSpecEnvironment, specPath, type SkipEntry } from './unified_runner.js';

/** Tests deliberately not run, with the reason. Version and topology requirements come from the files themselves. */
export const RETRYABLE_WRITES_SKIPS: readonly SkipEntry[] = [
  {
    file: 'bulkWrite.json',
    test: 'First insertOne is never committed',
    reason:
      'driver: after two network errors the mongodb 7.x driver reports the unacknowledged insert in insertedIds; no reply reached it (the server closed the connection both times), so the result is the driver\'s own. pymongo skips this test too',
  },
];

if (requireOptional('retryable-writes spec suite', specFilesMissing(), SPEC_FILES_HOW_TO_GET)) {
  const env = await openSpecEnvironment(startServer);
  after(() => env.close());
  defineUnifiedSuite({ dir: specPath('retryable-writes'), env, skips: RETRYABLE_WRITES_SKIPS });
}
