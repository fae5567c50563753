/**
 * Connection URIs that list several hosts, as libpq's do (`postgresql://user@host1:5432,host2:5432/db`): a primary and
 * its standbys. node-postgres connects to one host, so each host gets a URI of its own, and a connection goes to the
 * first host that accepts writes (libpq's `target_session_attrs=read-write`): after a failover the promoted standby
 * is found without a change of configuration.
 */
import pg from 'pg';
import { StorageError } from '../types.js';

/**
 * The URI once per host, in the order given; a URI with one host comes back as it is. `target_session_attrs` is
 * dropped: every connection here wants a writable host, and node-postgres does not know the parameter.
 */
export function hostUris(uri: string): string[] {
  const match = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)(.*)$/i.exec(uri);
  if (!match) return [uri];
  const [, scheme, userinfo, hostList, rest] = match as unknown as [string, string, string | undefined, string, string];
  const hosts = hostList.split(',');
  if (hosts.length < 2) return [uri];
  const tail = rest.replace(/([?&])target_session_attrs=[^&#]*&?/i, '$1').replace(/[?&]$/, '');
  return hosts.map((host) => `${scheme}${userinfo !== undefined ? `${userinfo}@` : ''}${host}${tail}`);
}

/**
 * Connects a client with `config` to the first host of `uri` that accepts writes: a host in recovery (a standby) is
 * passed over. Rejects with the last failure when no host could be reached, and with `StorageError('Unavailable')`
 * when the hosts reached were all standbys (a failover under way).
 */
export async function connectWritable(uri: string, config: Omit<pg.ClientConfig, 'connectionString'>): Promise<pg.Client> {
  const uris = hostUris(uri);
  let failure: unknown;
  let standbys = 0;
  for (const hostUri of uris) {
    const client = new pg.Client({ ...config, connectionString: hostUri });
    // Until the caller listens: an 'error' event without a listener would end the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      if (uris.length === 1) return client;
      const recovery = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
      if (!recovery.rows[0]!.standby) return client;
      standbys++;
    } catch (err) {
      failure = err;
    }
    await client.end().catch(() => undefined);
  }
  if (standbys === 0) throw failure;
  const others = failure === undefined ? '' : `; the others are unreachable: ${failure instanceof Error ? failure.message : String(failure)}`;
  const unavailable = new StorageError('Unavailable', `no PostgreSQL host accepts writes: ${standbys} of ${uris.length} are in recovery${others}`);
  (unavailable as { cause?: unknown }).cause = failure;
  throw unavailable;
}
