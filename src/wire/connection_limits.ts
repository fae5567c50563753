/**
 * Server-wide limits on client connections, shared by every listener of one server: how many may be open, how
 * many may be waiting for their first message, and how long a connection may stay silent or mid-message. They
 * keep one client from holding every file descriptor: without them, sockets that connect and never speak stay
 * open until the process runs out of descriptors and nobody else can connect.
 */
import net from 'node:net';

/** What the limits are; every field has a default (`DEFAULT_CONNECTION_SETTINGS`). */
export interface ConnectionSettings {
  /** Most connections open at once (mongod's `net.maxIncomingConnections`); one more is closed as it arrives. */
  maxConns: number;
  /**
   * The last this many of the `maxConns` slots only admit clients from a loopback address, so that an operator on
   * the machine can always connect to a server that remote clients have filled. Remote clients get at least one.
   */
  reservedLoopbackConns: number;
  /**
   * Most connections that have not yet sent a whole first message. When one more arrives, the one that has
   * waited longest is closed: connections arriving faster than they speak cannot crowd out clients that talk.
   */
  maxEstablishingConns: number;
  /**
   * A connection that has sent nothing for this long, with no command running and no cursor open, is closed.
   * 0 (the default, as mongod): never, because drivers keep pooled connections idle for as long as they like.
   */
  idleConnectionTimeoutMS: number;
  /**
   * A message whose first bytes arrived this long ago and that is still incomplete closes its connection; for the
   * first message, the clock starts when the client connects. A reply the client has not read this long after it
   * was written closes it too. 0: never.
   */
  partialMessageTimeoutMS: number;
}

/** mongod's default maxIncomingConnections: effectively unlimited (the server narrows it to its descriptor limit). */
export const DEFAULT_MAX_CONNS = 1_000_000;

export const DEFAULT_CONNECTION_SETTINGS: Readonly<ConnectionSettings> = {
  maxConns: DEFAULT_MAX_CONNS,
  reservedLoopbackConns: 10,
  maxEstablishingConns: DEFAULT_MAX_CONNS,
  idleConnectionTimeoutMS: 0,
  // A driver sends its handshake the moment it connects and each message in one go: 30 s is far beyond what any
  // of them needs, even for a 48 MB batch on a slow link, and short enough to free a descriptor soon.
  partialMessageTimeoutMS: 30_000,
};

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped IPv6 forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const ip = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
  return ip === '::1' || (net.isIPv4(ip) && ip.startsWith('127.'));
}

/** A connection the limits may close. */
export interface LimitedConnection {
  closeForLimit(reason: 'establishing'): void;
}

/** The open and establishing connections of one server, checked against its settings. */
export class ConnectionLimits {
  readonly settings: Readonly<ConnectionSettings>;
  private open = 0;
  /** Connections still waiting for their first message, oldest first (a Set keeps insertion order). */
  private readonly establishing = new Set<LimitedConnection>();

  constructor(settings: Partial<ConnectionSettings> = {}) {
    this.settings = { ...DEFAULT_CONNECTION_SETTINGS, ...settings };
  }

  /** Open connections, across every listener. */
  get openCount(): number {
    return this.open;
  }

  /** Connections that have not yet sent a whole first message. */
  get establishingCount(): number {
    return this.establishing.size;
  }

  /** Whether a new socket from `remoteAddress` may stay open; when it may, it is counted until `release()`. */
  admit(remoteAddress: string | undefined): boolean {
    const { maxConns, reservedLoopbackConns } = this.settings;
    const limit = isLoopbackAddress(remoteAddress) ? maxConns : Math.max(1, maxConns - reservedLoopbackConns);
    if (this.open >= limit) return false;
    this.open++;
    return true;
  }

  /** An admitted connection closed. */
  release(): void {
    if (this.open > 0) this.open--;
  }

  /** A new connection waits for its first message; past the cap, the oldest waiting connection is closed. */
  startEstablishing(conn: LimitedConnection): void {
    this.establishing.add(conn);
    while (this.establishing.size > this.settings.maxEstablishingConns) {
      const oldest = this.establishing.values().next().value as LimitedConnection;
      this.establishing.delete(oldest);
      oldest.closeForLimit('establishing');
    }
  }

  /** The connection sent its first whole message, or closed. */
  finishEstablishing(conn: LimitedConnection): void {
    this.establishing.delete(conn);
  }
}
