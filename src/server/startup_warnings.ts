/**
 * The warnings mongod logs as it starts (component CONTROL, severity W), most of them tagged `startupWarnings` so
 * that getLog('startupWarnings') returns them and mongosh shows them on connecting.
 */
import { isLoopbackAddress } from '../wire/index.js';
import { logEntry, type LogEntry } from './log.js';

/** What the warnings depend on. */
export interface StartupWarningFacts {
  /** Access control is on (`--auth`, or implied by `--keyFile`). */
  auth: boolean;
  /** The addresses the server listens on. */
  hosts: readonly string[];
  /** The command line named no address (neither --bind_ip nor --bind_ip_all): mongod then binds localhost only. */
  bindIpDefaulted: boolean;
  /** `--tlsMode` is not disabled. */
  tls: boolean;
  tlsCAFile: boolean;
  tlsAllowInvalidCertificates: boolean;
  /** The process runs as root (POSIX uid 0). */
  root: boolean;
}

/** Not mongod's: its warnings never say that the data is open to every host that can reach the port. */
function exposedWarning(hosts: readonly string[]): LogEntry {
  const all = hosts.some((h) => h === '0.0.0.0' || h === '::');
  const where = all ? 'all network interfaces' : `the non-loopback address${hosts.length > 1 ? 'es' : ''} ${hosts.join(', ')}`;
  return logEntry('W', 'CONTROL', 0, 'initandlisten',
    `This server is bound to ${where} and access control is not enabled. Anyone who can reach it over the network can `
    + 'read and change all data and configuration. Start the server with --auth (after creating a user), or with '
    + '--bind_ip 127.0.0.1 to accept local connections only',
    { bindIp: [...hosts] });
}

/** The warnings, in the order mongod logs them; `tags` marks those getLog('startupWarnings') returns. */
export function startupWarnings(facts: StartupWarningFacts): LogEntry[] {
  const tagged = (entry: LogEntry): LogEntry => ({ ...entry, tags: ['startupWarnings'] });
  const out: LogEntry[] = [];
  if (!facts.auth) {
    out.push(tagged(logEntry('W', 'CONTROL', 22120, 'initandlisten',
      'Access control is not enabled for the database. Read and write access to data and configuration is unrestricted')));
    const exposed = facts.hosts.filter((h) => h !== 'localhost' && !isLoopbackAddress(h));
    if (exposed.length > 0) out.push(tagged(exposedWarning(exposed)));
  }
  // mongod warns whatever the mode.
  if (facts.tlsAllowInvalidCertificates) {
    out.push(tagged(logEntry('W', 'CONTROL', 22124, 'initandlisten',
      'While invalid X509 certificates may be used to connect to this server, they will not be considered permissible for authentication')));
  }
  // mongod leaves this one out of startupWarnings: a shell cannot change the CA file it is told about.
  if (facts.tls && !facts.tlsCAFile) {
    out.push(logEntry('W', 'CONTROL', 22133, 'initandlisten',
      'No client certificate validation can be performed since no CA file or cluster CA File has been provided. Please specify an sslCAFile or a clusterCAFile parameter'));
  }
  if (facts.root) {
    out.push(tagged(logEntry('W', 'CONTROL', 22138, 'initandlisten', 'You are running this process as the root user, which is not recommended')));
  }
  if (facts.bindIpDefaulted) {
    out.push(tagged(logEntry('W', 'CONTROL', 22140, 'initandlisten',
      'This server is bound to localhost. Remote systems will be unable to connect to this server. Start the server with '
      + '--bind_ip <address> to specify which IP addresses it should serve responses from, or with --bind_ip_all to bind '
      + 'to all interfaces. If this behavior is desired, start the server with --bind_ip 127.0.0.1 to disable this warning')));
  }
  return out;
}
