/**
 * The sessions unified spec files (sessions/ in the spec directory, see spec_files.ts) run through the official Node
 * driver against an eddydb server started in memory as replica set rs0.
 */
import { after } from 'node:test';
import { startServer } from '../../src/server/server.js';
import { requireOptional } from '../helpers/optional.js';
import { SPEC_FILES_HOW_TO_GET, specFilesMissing } from './spec_files.js';
import { defineUnifiedSuite, openSpecEnvironment, specPath, type SkipEntry } from './unified_runner.js';

/** Tests deliberately not run, with the reason. Version and topology requirements come from the files themselves. */
export const SESSIONS_SKIPS: readonly SkipEntry[] = [
  ...[
    'Find operation with snapshot',
    'Distinct operation with snapshot',
    'Aggregate operation with snapshot',
    'countDocuments operation with snapshot',
    'Mixed operation with snapshot',
    'Write commands with snapshot session do not affect snapshot reads',
    'Find operation with snapshot and snapshot time',
    'Distinct operation with snapshot and snapshot time',
    'Aggregate operation with snapshot and snapshot time',
    'countDocuments operation with snapshot and snapshot time',
    'Mixed operation with snapshot and snapshotTime',
  ].map((test) => ({
    file: 'snapshot-sessions.json',
    test,
    reason: 'needs snapshot reads (readConcern level snapshot, atClusterTime; not supported yet): reads see the latest data',
  })),
  ...['insertOne', 'insertMany', 'deleteOne', 'updateOne', 'findOneAndUpdate', 'listDatabases', 'listCollections', 'listIndexes', 'runCommand'].map((op) => ({
    file: 'snapshot-sessions-unsupported-ops.json',
    test: `Server returns an error on ${op} with snapshot`,
    reason: 'needs snapshot reads (readConcern level snapshot, not supported yet): commands that cannot read at a snapshot must refuse it',
  })),
];

if (requireOptional('sessions spec suite', specFilesMissing(), SPEC_FILES_HOW_TO_GET)) {
  const env = await openSpecEnvironment(startServer);
  after(() => env.close());
  defineUnifiedSuite({ dir: specPath('sessions'), env, skips: SESSIONS_SKIPS });
}
