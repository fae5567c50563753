import type { CommandDefinition } from './support/context.js';
import { authenticate } from './authenticate.js';
import { buildInfo } from './buildInfo.js';
import { collStats } from './collStats.js';
import { connectionStatus } from './connectionStatus.js';
import { currentOp } from './currentOp.js';
import { dbStats } from './dbStats.js';
import { getCmdLineOpts } from './getCmdLineOpts.js';
import { getLog } from './getLog.js';
import { getParameter } from './getParameter.js';
import { hello } from './hello.js';
import { hostInfo } from './hostInfo.js';
import { killOp } from './killOp.js';
import { listCommands } from './listCommands.js';
import { logout } from './logout.js';
import { replSetGetConfig } from './replSetGetConfig.js';
import { replSetGetStatus } from './replSetGetStatus.js';
import { saslContinue } from './saslContinue.js';
import { saslStart } from './saslStart.js';
import { serverStatus } from './serverStatus.js';
import { whatsmyuri } from './whatsmyuri.js';

/**
 * Handshake and diagnostic commands (hello, buildInfo, serverStatus, ...); each lives in its own file.
 * `isdbgrid` is deliberately absent: answering it would make clients take this server for a mongos.
 */
export const diagnosticCommands: CommandDefinition[] = [
  authenticate, buildInfo, collStats, connectionStatus, currentOp, dbStats, getCmdLineOpts, getLog, getParameter,
  hello, hostInfo, killOp, listCommands, logout, replSetGetConfig, replSetGetStatus, saslContinue, saslStart,
  serverStatus, whatsmyuri,
];
