/** The TCP listener: accepts sockets, numbers connections, and shuts everything down on close(). */
import net from 'node:net';
import { negotiateCompressors } from './compression.js';
import { WireConnection, type ConnectionContext } from './connection.js';
import { ConnectionLimits } from './connection_limits.js';
import { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE_BYTES } from '../bson/index.js';
import type { TlsAcceptor } from './tls.js';
import { negotiateConnection } from './tls_negotiation.js';
import type { ConnectionInfo, WireServer, WireServerOptions } from './types.js';

/** "host:port", with IPv4-mapped IPv6 shown as plain IPv4 and other IPv6 in brackets, as MongoDB writes hosts. */
export function formatAddress(address: string | undefined, port: number | undefined): string {
  let host = address ?? 'unknown';
  if (host.startsWith('::ffff:') && net.isIPv4(host.slice(7))) host = host.slice(7);
  return net.isIPv6(host) ? `[${host}]:${port ?? 0}` : `${host}:${port ?? 0}`;
}

/**
 * Creates a wire-protocol server; call listen() to start it. The server never dies of a client's bytes or of a
 * handler's rejection: the worst outcome is that one connection is closed.
 */
export function createWireServer(options: WireServerOptions): WireServer {
  const connections = new Map<ConnectionInfo, WireConnection>();
  let nextConnectionId = 1;
  let nextRequestId = 1;
  let server: net.Server | undefined;
  let closing: Promise<void> | undefined;

  const log = (event: Record<string, unknown>): void => {
    try {
      options.log?.(event);
    } catch {
      // a failing logger must not take a connection down
    }
  };

  const limits = options.limits ?? new ConnectionLimits();
  const notify = (what: string, hook: (() => void) | undefined, id?: number): void => {
    try {
      hook?.();
    } catch (err) {
      log({ msg: `${what} failed`, id, error: err instanceof Error ? err.message : String(err) });
    }
  };

  const ctx: ConnectionContext = {
    handler: options.handler,
    limits,
    holdsWork: (conn) => options.holdsWork?.(conn) ?? false,
    maxBsonObjectSize: options.maxBsonObjectSize ?? MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: options.maxMessageSizeBytes ?? MAX_MESSAGE_SIZE_BYTES,
    strictOpQuery: options.strictOpQuery ?? false,
    nextRequestId: () => {
      const id = nextRequestId;
      nextRequestId = nextRequestId >= 0x7fffffff ? 1 : nextRequestId + 1;
      return id;
    },
    log,
    onClosed: (conn) => {
      connections.delete(conn.info);
      ended(conn.info);
    },
  };

  /** The bookkeeping of a closed admitted connection, whether or not it got past TLS negotiation. */
  function ended(info: ConnectionInfo): void {
    limits.release();
    log({ msg: 'Connection ended', id: info.id, remote: info.remoteAddress, connectionCount: limits.openCount });
    notify('onConnectionClosed', options.onConnectionClosed && (() => options.onConnectionClosed!(info)), info.id);
  }

  /** Sockets whose first bytes have not been answered yet (TLS or plain), closed with the server. */
  const negotiating = new Set<net.Socket>();

  const negotiate = (socket: net.Socket, info: ConnectionInfo, acceptor: TlsAcceptor): void => {
    negotiating.add(socket);
    negotiateConnection(socket, info, {
      acceptor,
      limits,
      log,
      onReady: (ready) => {
        negotiating.delete(socket);
        connections.set(info, new WireConnection(ready, info, ctx));
      },
      onClosed: () => {
        negotiating.delete(socket);
        ended(info);
      },
    });
  };

  const accept = (socket: net.Socket): void => {
    if (closing) {
      socket.destroy();
      return;
    }
    if (!limits.admit(socket.remoteAddress)) {
      const remote = formatAddress(socket.remoteAddress, socket.remotePort);
      log({ msg: 'Connection refused because there are too many open connections', remote, connectionCount: limits.openCount });
      notify('onConnectionRefused', options.onConnectionRefused);
      // An error on a socket being turned away is of no interest; unhandled it would crash the process.
      socket.on('error', () => undefined);
      // A clean close (FIN) rather than a reset, then destroyed at once: the descriptor is freed now, whether or
      // not the client ever reads (with allowHalfOpen, end() alone would leave the socket open).
      socket.end();
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 120_000);
    const info: ConnectionInfo = {
      id: nextConnectionId++,
      remoteAddress: formatAddress(socket.remoteAddress, socket.remotePort),
      localAddress: formatAddress(socket.localAddress, socket.localPort),
      compressors: [],
      closed: false,
      state: {},
    };
    log({ msg: 'Connection accepted', id: info.id, remote: info.remoteAddress, connectionCount: limits.openCount });
    notify('onConnectionOpened', options.onConnectionOpened && (() => options.onConnectionOpened!(info)), info.id);
    if (options.tls) negotiate(socket, info, options.tls);
    else connections.set(info, new WireConnection(socket, info, ctx));
  };

  return {
    listen() {
      if (server) return Promise.reject(new Error('wire server is already listening'));
      const s = net.createServer({ allowHalfOpen: true }, accept);
      server = s;
      return new Promise((resolve, reject) => {
        const onError = (err: Error): void => {
          server = undefined;
          reject(err);
        };
        s.once('error', onError);
        s.listen({ host: options.host, port: options.port }, () => {
          s.off('error', onError);
          s.on('error', (err) => log({ msg: 'Listener error', error: err.message }));
          const address = s.address();
          const port = typeof address === 'object' && address !== null ? address.port : options.port;
          resolve({ host: options.host, port });
        });
      });
    },

    close() {
      if (closing) return closing;
      const s = server;
      closing = new Promise<void>((resolve) => {
        for (const conn of connections.values()) conn.destroy();
        for (const socket of negotiating) socket.destroy();
        if (!s || !s.listening) {
          resolve();
          return;
        }
        s.close(() => resolve());
      });
      return closing;
    },

    get connectionCount() {
      return connections.size + negotiating.size;
    },

    setCompressors(conn, names) {
      conn.compressors = negotiateCompressors(names);
    },
  };
}
