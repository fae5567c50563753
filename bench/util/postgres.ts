/**
 * A throwaway PostgreSQL cluster for the `eddydb-pg*` subjects: the tests' cluster starter (test/helpers/postgres.ts)
 * in its durable settings (`fsync = on`, `synchronous_commit = on`), so the figures include the WAL flush a deployment
 * pays on every commit. The cluster goes when the child process exits, however it exits.
 */
import { startCluster } from '../../test/helpers/postgres.js';

export { postgresMissing } from '../../test/helpers/postgres.js';

let uri: `postgresql://${string}` | undefined;

/** Starts this process's cluster (once) and returns a `postgresql://` URI of an empty database on it. */
export function startPostgres(): `postgresql://${string}` {
  if (uri !== undefined) return uri;
  const cluster = startCluster('durable');
  uri = `postgresql://${cluster.user}@${cluster.host}:${cluster.port}/postgres`;
  return uri;
}
