/**
 * The transactions-convenient-api unified spec files (transactions-convenient-api/ in the spec directory, see spec_files.ts) run through
 * the official Node driver against an eddydb server started in memory as replica set rs0.
 */
import { after } from 'node:test';
import { startServer } from '../../src/server/server.js';
import { requireOptional } from '../helpers/optional.js';
import { SPEC_FILES_HOW_TO_GET, specFilesMissing } from './spec_files.js';
import { defineUnifiedSuite, openSpecEnvironment, specPath, type SkipEntry } from './unified_runner.js';

/** Tests deliberately not run, with the reason. Version and topology requirements come from the files themselves. */
const WTIMEOUT_REASON =
  'driver: the mongodb 7.x driver adds wtimeout: 10000 to commitTransaction and abortTransaction whenever a write concern is set (lib/sessions.js), which these expectations do not allow; with that one key ignored the test passes';

export const TRANSACTIONS_CONVENIENT_API_SKIPS: readonly SkipEntry[] = [
  ...[
    'withTransaction inherits transaction options from client',
    'withTransaction inherits transaction options from defaultTransactionOptions',
    'withTransaction explicit transaction options',
    'withTransaction explicit transaction options override defaultTransactionOptions',
    'withTransaction explicit transaction options override client options',
  ].map((test) => ({ file: 'transaction-options.json', test, reason: WTIMEOUT_REASON })),
];

if (requireOptional('transactions-convenient-api spec suite', specFilesMissing(), SPEC_FILES_HOW_TO_GET)) {
  const env = await openSpecEnvironment(startServer);
  after(() => env.close());
  defineUnifiedSuite({ dir: specPath('transactions-convenient-api'), env, skips: TRANSACTIONS_CONVENIENT_API_SKIPS });
}
