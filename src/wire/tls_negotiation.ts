/**
 * A connection of a TLS-serving listener before it speaks the wire protocol: its first bytes decide between TLS and
 * plain (tls.ts), and meanwhile it is held to the server's limits as a connection that has not spoken is.
 */
import type { Socket } from 'node:net';
import type { ConnectionLimits } from './connection_limits.js';
import type { TlsAcceptor } from './tls.js';
import type { ConnectionInfo } from './types.js';

/** What the negotiation needs from its server. */
export interface NegotiationContext {
  acceptor: TlsAcceptor;
  limits: ConnectionLimits;
  log(event: Record<string, unknown>): void;
  /** The connection is ready on `socket` (TLS, or the plain one); `info.tls` is set for TLS. */
  onReady(socket: Socket): void;
  /** The socket closed before it was ready (refused, timed out, or the client left). */
  onClosed(): void;
}

/**
 * Lets the acceptor answer the first bytes of `socket`, then calls `onReady` or `onClosed` once. Until then the
 * socket counts as establishing (maxEstablishingConns) and is closed past `partialMessageTimeoutMS`.
 */
export function negotiateConnection(socket: Socket, info: ConnectionInfo, ctx: NegotiationContext): void {
  const { limits } = ctx;
  const log = (event: Record<string, unknown>): void => ctx.log({ ...event, id: info.id, remote: info.remoteAddress });
  const forLimits = {
    closeForLimit: (): void => {
      log({
        msg: 'Closing a connection that sent no message: too many connections are waiting for their first one',
        reason: 'establishing', maxEstablishingConns: limits.settings.maxEstablishingConns,
      });
      socket.destroy();
    },
  };
  limits.startEstablishing(forLimits);
  const timeoutMs = limits.settings.partialMessageTimeoutMS;
  const timer = timeoutMs > 0
    ? setTimeout(() => {
      log({ msg: 'Closing a connection that did not finish its TLS negotiation in time', partialMessageTimeoutMS: timeoutMs });
      socket.destroy();
    }, timeoutMs)
    : undefined;
  // A client that half-closes before its first byte will never send one (the listener allows half-open sockets).
  const onEnd = (): void => {
    socket.destroy();
  };
  const settle = (): void => {
    clearTimeout(timer);
    socket.off('end', onEnd);
    limits.finishEstablishing(forLimits);
  };
  const onClose = (): void => {
    settle();
    info.closed = true;
    ctx.onClosed();
  };
  // Errors of a socket still negotiating end in its close; unhandled, they would crash the process.
  socket.on('error', () => undefined);
  socket.once('close', onClose);
  socket.once('end', onEnd);
  ctx.acceptor.negotiate(socket, log, (outcome) => {
    if (outcome.kind === 'refused') {
      // The socket is being destroyed; its close does the bookkeeping.
      log({ msg: 'Error receiving request from client. Ending connection from remote', error: outcome.reason });
      return;
    }
    socket.off('close', onClose);
    settle();
    if (outcome.kind === 'tls') {
      info.tls = outcome.peerSubject === undefined ? {} : { peerSubject: outcome.peerSubject };
      log({
        msg: 'Accepted TLS connection from peer',
        ...(outcome.peerSubject === undefined ? {} : { peerSubject: outcome.peerSubject }),
        protocol: outcome.socket.getProtocol(),
        cipher: outcome.socket.getCipher()?.name,
      });
    }
    ctx.onReady(outcome.socket);
    // The acceptor paused the plain socket to put its first chunk back; the connection's reader is now attached.
    if (outcome.kind === 'plain') outcome.socket.resume();
  });
}
