/**
 * The collection-management unified spec files (collection-management/ in the spec directory, see spec_files.ts) run through the official Node
 * driver against an eddydb server started in memory as replica set rs0.
 */
import { after } from 'node:test';
import { startServer } from '../../src/server/server.js';
import { requireOptional } from '../helpers/optional.js';
import { SPEC_FILES_HOW_TO_GET, specFilesMissing } from './spec_files.js';
import { defineUnifiedSuite, openSpecEnvironment, specPath, type SkipEntry } from './unified_runner.js';

/** Tests deliberately not run, with the reason. Version and topology requirements come from the files themselves. */
export const COLLECTION_MANAGEMENT_SKIPS: readonly SkipEntry[] = [
  { file: 'clustered-indexes.json', test: 'listCollections includes clusteredIndex', reason: 'needs clustered collections (not supported yet)' },
  { file: 'clustered-indexes.json', test: 'listIndexes returns the index', reason: 'needs clustered collections (not supported yet)' },
  { file: 'modifyCollection-errorResponse.json', test: 'modifyCollection prepareUnique violations are accessible', reason: 'needs collMod index options: prepareUnique and converting an index to unique (not supported yet)' },
  { file: 'timeseries-collection.json', test: 'insertMany with duplicate ids', reason: 'needs timeseries collections (not supported yet)' },
];

if (requireOptional('collection-management spec suite', specFilesMissing(), SPEC_FILES_HOW_TO_GET)) {
  const env = await openSpecEnvironment(startServer);
  after(() => env.close());
  defineUnifiedSuite({ dir: specPath('collection-management'), env, skips: COLLECTION_MANAGEMENT_SKIPS });
}
