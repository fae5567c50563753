/**
 * The run-command unified spec files (run-command/ in the spec directory, see spec_files.ts) run through the official Node
 * driver against an eddydb server started in memory as replica set rs0.
 */
import { after } from 'node:test';
import { startServer } from '../../src/server/server.js';
import { requireOptional } from '../helpers/optional.js';
import { SPEC_FILES_HOW_TO_GET, specFilesMissing } from './spec_files.js';
import { defineUnifiedSuite, openSpecEnvironment, specPath, type SkipEntry } from './unified_runner.js';

/** Tests deliberately not run, with the reason. Version and topology requirements come from the files themselves. */
export const RUN_COMMAND_SKIPS: readonly SkipEntry[] = [
  // Sharded only: runs where the servers are routers (on PostgreSQL).
  {
    file: 'runCursorCommand.json',
    test: 'successfully executes checkMetadataConsistency cursor creating command',
    reason: 'topology: eddydb\'s routers front one store, not shards: there is no sharding metadata to check, and no checkMetadataConsistency command',
  },
];

if (requireOptional('run-command spec suite', specFilesMissing(), SPEC_FILES_HOW_TO_GET)) {
  const env = await openSpecEnvironment(startServer);
  after(() => env.close());
  defineUnifiedSuite({ dir: specPath('run-command'), env, skips: RUN_COMMAND_SKIPS });
}
