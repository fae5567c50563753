/**
 * The read-write-concern unified spec files (read-write-concern/ in the spec directory, see spec_files.ts) run through the official Node
 * driver against an eddydb server started in memory as replica set rs0.
 */
import { after } from 'node:test';
import { startServer } from '../../src/server/server.js';
import { requireOptional } from '../helpers/optional.js';
import { SPEC_FILES_HOW_TO_GET, specFilesMissing } from './spec_files.js';
import { defineUnifiedSuite, openSpecEnvironment, specPath, type SkipEntry } from './unified_runner.js';

/** Tests deliberately not run, with the reason. Version and topology requirements come from the files themselves. */
export const READ_WRITE_CONCERN_SKIPS: readonly SkipEntry[] = [
  { file: 'default-write-concern-3.4.json', test: 'MapReduce omits default write concern', reason: 'needs mapReduce (not supported yet)' },
];

if (requireOptional('read-write-concern spec suite', specFilesMissing(), SPEC_FILES_HOW_TO_GET)) {
  const env = await openSpecEnvironment(startServer);
  after(() => env.close());
  defineUnifiedSuite({ dir: specPath('read-write-concern'), env, skips: READ_WRITE_CONCERN_SKIPS });
}
