/**
 * The MongoDB wire-protocol layer: frames OP_MSG / OP_QUERY / OP_COMPRESSED messages and hands each command
 * document to a CommandHandler. It knows nothing about commands.
 */
export { createWireServer, formatAddress } from './server.js';
export { CloseConnectionSignal } from './wire_errors.js';
export { ConnectionLimits, DEFAULT_CONNECTION_SETTINGS, DEFAULT_MAX_CONNS, isLoopbackAddress } from './connection_limits.js';
export type { ConnectionSettings } from './connection_limits.js';
export { negotiateCompressors, SUPPORTED_COMPRESSORS, CompressorId } from './compression.js';
export type { CompressorName } from './compression.js';
export { TlsAcceptor, TLS_PROTOCOLS, rfc2253Subject } from './tls.js';
export type { TlsMode, TlsProtocol, TlsSettings } from './tls.js';
export { crc32c } from './crc32c.js';
export { OpCode, OpMsgFlag, OpReplyFlag } from './constants.js';
export { OP_QUERY_ALLOWED_COMMANDS } from './op_query.js';
export type { ConnectionInfo, RequestInfo, CommandHandler, WireServerOptions, WireServer } from './types.js';
export type { Document } from './bson_codec.js';
