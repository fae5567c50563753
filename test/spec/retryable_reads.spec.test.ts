/**
 * The retryable-reads unified spec files (retryable-reads/ in the spec directory, see spec_files.ts) run through the official Node
 * driver against an eddydb server started in memory as replica set rs0.
 */
import { after } from 'node:test';
import { startServer } from '../../src/server/server.js';
import { requireOptional } from '../helpers/optional.js';
import { SPEC_FILES_HOW_TO_GET, specFilesMissing } from './spec_files.js';
import { defineUnifiedSuite, openSpecEnvironment, specPath, type SkipEntry } from './unified_runner.js';

/** Tests deliberately not run, with the reason. Version and topology requirements come from the files themselves. */
export const RETRYABLE_READS_SKIPS: readonly SkipEntry[] = [
  // The two failing cases would pass for the wrong reason: CommandNotFound is an error that is never retried.
  ...['MapReduce succeeds with retry on', 'MapReduce fails with retry on', 'MapReduce fails with retry off'].map((test) => ({
    file: 'mapReduce.json',
    test,
    reason: 'needs mapReduce (not supported yet)',
  })),
];

if (requireOptional('retryable-reads spec suite', specFilesMissing(), SPEC_FILES_HOW_TO_GET)) {
  const env = await openSpecEnvironment(startServer);
  after(() => env.close());
  defineUnifiedSuite({ dir: specPath('retryable-reads'), env, skips: RETRYABLE_READS_SKIPS });
}
