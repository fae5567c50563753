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
export const SESSIONS_SKIPS: readonly SkipEntry[] = process.env.EDDYDB_SPEC_ENGINE === 'postgres'
  ? [
      'Find operation with snapshot',
      'Distinct operation with snapshot',
      'Aggregate operation with snapshot',
      'Mixed operation with snapshot',
      'Write commands with snapshot session do not affect snapshot reads',
    ].map((test) => ({
      file: 'snapshot-sessions.json',
      test,
      reason:
        'not supported yet: with several servers on PostgreSQL, a snapshot read of a collection another server wrote since its snapshot is a WriteConflict (docs/scale-out.md, slice 8)',
    }))
  : [];

if (requireOptional('sessions spec suite', specFilesMissing(), SPEC_FILES_HOW_TO_GET)) {
  const env = await openSpecEnvironment(startServer);
  after(() => env.close());
  defineUnifiedSuite({ dir: specPath('sessions'), env, skips: SESSIONS_SKIPS });
}
