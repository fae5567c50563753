/**
 * What the installed `mongodb` driver can do, so skip tables follow the driver actually in node_modules instead of
 * a version someone once had. Spec tests that check driver behaviour run exactly when the driver has it.
 */
import { createRequire } from 'node:module';
import { MongoClient } from 'mongodb';

const require = createRequire(import.meta.url);

/** The installed driver's package version, e.g. "7.9.0". */
export const DRIVER_VERSION: string = String((require('mongodb/package.json') as { version?: unknown }).version ?? 'unknown');

/**
 * Whether the installed driver implements client-side operations timeout (`timeoutMS`).
 *
 * mongodb 6.11.0 to 6.21.x and 7.0.0 to 7.7.0 do. From 6.22.0 and 7.8.0 on, `timeoutMS` is accepted but a no-op:
 * `TimeoutContext.create()` never builds a CSOT context (lib/timeout.js), `resolveOptions()` drops the option
 * (lib/utils.js), the ChangeStream and AbstractCursor constructors clear it (lib/change_stream.js,
 * lib/cursor/abstract_cursor.js), the URI option is marked ignored (lib/connection_string.js) and the deprecated
 * `timeoutMS` getters of MongoClient, Db and Collection return undefined. The last of these is the probe: it needs
 * no server and prints no deprecation warning. The suite checks the probe against what the driver really sends.
 */
export function driverSupportsCsot(): boolean {
  // Never connected: constructing a client and a Collection does no I/O.
  const client = new MongoClient('mongodb://127.0.0.1:1');
  return client.db('probe').collection('probe', { timeoutMS: 100 }).timeoutMS === 100;
}
