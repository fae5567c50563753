/**
 * The CRUD unified spec files (crud/ in the spec directory, see spec_files.ts; read at run time, never copied) run
 * through the official Node driver against an eddydb server started in memory as replica set rs0.
 * Without the spec files the suite is one skipped test (a failing one under EDDYDB_REQUIRE_ALL=1).
 * Run: npx tsc -p tsconfig.json; node --test dist/test/spec/crud.spec.test.js
 */
import { after } from 'node:test';
import { startServer } from '../../src/server/server.js';
import { requireOptional } from '../helpers/optional.js';
import { SPEC_FILES_HOW_TO_GET, specFilesMissing } from './spec_files.js';
import { defineEnvironmentChecks, defineUnifiedSuite, openSpecEnvironment, specPath, type SkipEntry } from './unified_runner.js';

/** Tests deliberately not run, with the reason. Version and topology requirements come from the files themselves. */
export const CRUD_SKIPS: readonly SkipEntry[] = [
  ...['insertOne', 'insertMany', 'bulkWrite', 'clientBulkWrite'].map((via) => ({
    file: 'create-null-ids.json',
    test: `inserting _id with type null via ${via}`,
    reason: 'driver: the mongodb 7.x driver replaces a null _id with a new ObjectId before sending the insert (https://jira.mongodb.org/browse/NODE-6468)',
  })),
  ...[
    'partialResult is unset when first operation fails during an ordered bulk write (verbose)',
    'partialResult is unset when first operation fails during an ordered bulk write (summary)',
    'partialResult is unset when all operations fail during an unordered bulk write',
  ].map((test) => ({
    file: 'client-bulkWrite-partialResults.json',
    test,
    reason: 'driver: the mongodb 7.x driver reports an empty partialResult instead of none (https://jira.mongodb.org/browse/NODE-6384)',
  })),
  ...[
    'Aggregate with $out passes bypassDocumentValidation: false',
    'BulkWrite passes bypassDocumentValidation: false',
    'FindOneAndReplace passes bypassDocumentValidation: false',
    'FindOneAndUpdate passes bypassDocumentValidation: false',
    'InsertMany passes bypassDocumentValidation: false',
  ].map((test) => ({
    file: 'bypassDocumentValidation.json',
    test,
    reason: 'driver: the mongodb 7.x driver only sends bypassDocumentValidation when it is true for these commands (https://jira.mongodb.org/browse/NODE-6484)',
  })),
  // Features eddydb does not implement yet; each entry names the missing feature.
];

if (requireOptional('crud spec suite', specFilesMissing(), SPEC_FILES_HOW_TO_GET)) {
  const env = await openSpecEnvironment(startServer);
  after(() => env.close());

  defineEnvironmentChecks(env);
  defineUnifiedSuite({ dir: specPath('crud'), env, skips: CRUD_SKIPS });
}
