import type { Document } from './bson_codec.js';
import type { ConnectionLimits } from './connection_limits.js';
import type { TlsAcceptor } from './tls.js';

/** One client connection as the command layer sees it. The wire server owns it; handlers may write `state`. */
export interface ConnectionInfo {
  /** Increasing per server, from 1 (mongod's connectionId). */
  id: number;
  /** "ip:port" of the client (IPv6 as "[addr]:port"). */
  remoteAddress: string;
  /** "host:port" the client reached us at (IPv4-mapped IPv6 reported as plain IPv4), for hello `me`/`hosts`. */
  localAddress: string;
  /** Compressors negotiated by the handshake; set through WireServer.setCompressors. */
  compressors: string[];
  /** True once the socket has closed; a handler still running may check it before doing more work. */
  closed: boolean;
  /** Free-form slot the command layer uses (appName, etc.). */
  state: Record<string, unknown>;
  /**
   * Present once the connection speaks TLS. `peerSubject` is the client certificate's subject in RFC 2253 form
   * (`CN=client,OU=eddy,O=eddydb`), set only for a certificate that verified against the CA file: the identity
   * MONGODB-X509 authenticates.
   */
  tls?: { peerSubject?: string };
}

/** Facts about the message a command came in. */
export interface RequestInfo {
  /** requestID of the request message (the reply's responseTo). */
  requestId: number;
  /** Opcode of the request after decompression: 2013 (OP_MSG) or 2004 (OP_QUERY). */
  opCode: number;
  /** OP_MSG exhaustAllowed flag. */
  exhaustAllowed: boolean;
  /**
   * Set by the handler when exhaustAllowed is on and the command wants to run again on its own (a getMore whose
   * cursor is still open): the reply then goes out with moreToCome, and the server runs the same command again,
   * as mongod's exhaust cursors do, until a reply without it ends the stream.
   */
  runAgainForExhaust?: boolean;
  /** OP_MSG moreToCome flag: the server will send no reply, whatever the handler returns. */
  moreToCome: boolean;
  /** Name of the compressor the request came with ("zlib", "noop"), or null when it was not compressed. */
  compressor: string | null;
}

/**
 * Runs one command and resolves to its reply document (`{ok: 1, ...}` or an error document).
 * Rejecting with CloseConnectionSignal closes the socket without a reply; rejecting with an object that has
 * `toReply()` (MongoServerError) sends that document; any other rejection becomes an InternalError reply.
 */
export type CommandHandler = (command: Document, conn: ConnectionInfo, request: RequestInfo) => Promise<Document>;

/** Options of createWireServer. */
export interface WireServerOptions {
  host: string;
  /** 0 picks a free port; listen() resolves to the real one. */
  port: number;
  handler: CommandHandler;
  /**
   * The caps and timeouts connections are held to. Several listeners of one server share one object, so the caps
   * count every connection of the server. Absent: a private one with the defaults (no caps, 30 s per message).
   */
  limits?: ConnectionLimits;
  /**
   * Asked when a connection has been idle for `idleConnectionTimeoutMS`: true keeps it open for another period (it
   * holds an open cursor, say). A command in progress always keeps it open.
   */
  holdsWork?: (conn: ConnectionInfo) => boolean;
  /** Called once per admitted connection, before anything is read from it. */
  onConnectionOpened?: (conn: ConnectionInfo) => void;
  /** Called once per socket turned away because the server is full (see ConnectionSettings.maxConns). */
  onConnectionRefused?: () => void;
  /** Called once per admitted connection, after its socket closed. */
  onConnectionClosed?: (conn: ConnectionInfo) => void;
  /** Receives one JSON-able event object per connection accepted/ended and per protocol error. */
  log?: (event: Record<string, unknown>) => void;
  /** Default 16 MiB; command documents may exceed it by 16 KiB, as in mongod. */
  maxBsonObjectSize?: number;
  /** Default 48000000; a message announcing more closes its connection. */
  maxMessageSizeBytes?: number;
  /**
   * When true, OP_QUERY commands other than mongod's allow-list (hello, isMaster, saslStart, buildInfo, ...)
   * are refused with UnsupportedOpQueryCommand (352) as mongod 6.0+ does. Default false: all are passed on.
   */
  strictOpQuery?: boolean;
  /**
   * Serves TLS on this listener (mongod's allowTLS, preferTLS or requireTLS); absent: plain only, as mongod's
   * `--tlsMode disabled`. Several listeners of one server share one acceptor.
   */
  tls?: TlsAcceptor;
}

/** A listening MongoDB wire-protocol server. */
export interface WireServer {
  /** Starts listening; resolves to the bound address (the real port when options.port was 0). */
  listen(): Promise<{ host: string; port: number }>;
  /** Stops accepting, destroys open sockets, resolves once the listener has closed. */
  close(): Promise<void>;
  /** Open connections of this listener. */
  readonly connectionCount: number;
  /** Records the compressors negotiated for a connection (unsupported names are dropped). */
  setCompressors(conn: ConnectionInfo, names: string[]): void;
}
