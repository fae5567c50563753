/** The wire-protocol server as a library: `startServer` and its log format. */
export { startServer, ServerStartupError } from './server.js';
export type { StartServerOptions, RunningServer } from './server.js';
export type { ConnectionRequest } from './connection_settings.js';
export { readKeyFile, KeyFileError } from './key_file.js';
export type { TlsOptions } from './tls_options.js';
export { defaultOplogSizeBytes, resolveOplogSizeBytes } from './oplog_size.js';
export type { OplogSizeBasis } from './oplog_size.js';
export { logEntry, eventToEntry, jsonSafe, logTimestamp } from './log.js';
export type { LogEntry, LogSink, LogSeverity, LogComponent } from './log.js';
