import type { Document } from '../../bson/types.js';

/**
 * The command as logs, the profiler and `$currentOp` may show it: passwords and SASL payloads replaced by "xxx", as
 * mongod's snipForLogging does. The same object when there is nothing to hide.
 */
export function commandForLogging(name: string, cmd: Document): Document {
  switch (name) {
    case 'createUser':
    case 'updateUser':
      return 'pwd' in cmd ? { ...cmd, pwd: 'xxx' } : cmd;
    case 'saslStart':
    case 'saslContinue':
      return 'payload' in cmd ? { ...cmd, payload: 'xxx' } : cmd;
    case 'hello':
    case 'isMaster':
    case 'ismaster':
      return 'speculativeAuthenticate' in cmd ? { ...cmd, speculativeAuthenticate: 'xxx' } : cmd;
    default:
      return cmd;
  }
}
