/**
 * The one table of commands. Layout of src/commands: one file per command, named as MongoDB names the command
 * (getMore.ts, findAndModify.ts); this registry; dispatch.ts, which runs one command document through it; and
 * support/, what several commands share (their context, argument readers, reply builders, fail points, server
 * counters) and the parts of a command too large for its own file (bulkWrite's request parser, the $collStats stage).
 */
import type { CommandDefinition } from './support/context.js';
import { abortTransaction } from './abortTransaction.js';
import { aggregate } from './aggregate.js';
import { authenticate } from './authenticate.js';
import { buildInfo } from './buildInfo.js';
import { bulkWrite } from './bulkWrite.js';
import { collMod } from './collMod.js';
import { collStats } from './collStats.js';
import { commitTransaction } from './commitTransaction.js';
import { configureFailPoint } from './configureFailPoint.js';
import { connectionStatus } from './connectionStatus.js';
import { count } from './count.js';
import { create } from './create.js';
import { createIndexes } from './createIndexes.js';
import { createRole } from './createRole.js';
import { createSearchIndexes } from './createSearchIndexes.js';
import { createUser } from './createUser.js';
import { currentOp } from './currentOp.js';
import { dbStats } from './dbStats.js';
import { deleteCommand } from './delete.js';
import { distinct } from './distinct.js';
import { drop } from './drop.js';
import { dropAllRolesFromDatabase } from './dropAllRolesFromDatabase.js';
import { dropAllUsersFromDatabase } from './dropAllUsersFromDatabase.js';
import { dropDatabase } from './dropDatabase.js';
import { dropIndexes } from './dropIndexes.js';
import { dropRole } from './dropRole.js';
import { dropSearchIndex } from './dropSearchIndex.js';
import { dropUser } from './dropUser.js';
import { endSessions } from './endSessions.js';
import { find } from './find.js';
import { findAndModify } from './findAndModify.js';
import { fsync } from './fsync.js';
import { fsyncUnlock } from './fsyncUnlock.js';
import { getCmdLineOpts } from './getCmdLineOpts.js';
import { getLog } from './getLog.js';
import { getMore } from './getMore.js';
import { getParameter } from './getParameter.js';
import { grantPrivilegesToRole } from './grantPrivilegesToRole.js';
import { grantRolesToRole } from './grantRolesToRole.js';
import { grantRolesToUser } from './grantRolesToUser.js';
import { hello } from './hello.js';
import { hostInfo } from './hostInfo.js';
import { insert } from './insert.js';
import { killAllSessions } from './killAllSessions.js';
import { killAllSessionsByPattern } from './killAllSessionsByPattern.js';
import { killCursors } from './killCursors.js';
import { killOp } from './killOp.js';
import { killSessions } from './killSessions.js';
import { listCollections } from './listCollections.js';
import { listCommands } from './listCommands.js';
import { listDatabases } from './listDatabases.js';
import { listIndexes } from './listIndexes.js';
import { logout } from './logout.js';
import { ping } from './ping.js';
import { explain } from './explain.js';
import { profile } from './profile.js';
import { refreshSessions } from './refreshSessions.js';
import { renameCollection } from './renameCollection.js';
import { replSetGetConfig } from './replSetGetConfig.js';
import { replSetGetStatus } from './replSetGetStatus.js';
import { revokePrivilegesFromRole } from './revokePrivilegesFromRole.js';
import { revokeRolesFromRole } from './revokeRolesFromRole.js';
import { revokeRolesFromUser } from './revokeRolesFromUser.js';
import { rolesInfo } from './rolesInfo.js';
import { saslContinue } from './saslContinue.js';
import { saslStart } from './saslStart.js';
import { serverStatus } from './serverStatus.js';
import { setParameter } from './setParameter.js';
import { startSession } from './startSession.js';
import { update } from './update.js';
import { updateRole } from './updateRole.js';
import { updateSearchIndex } from './updateSearchIndex.js';
import { updateUser } from './updateUser.js';
import { usersInfo } from './usersInfo.js';
import { validate } from './validate.js';
import { waitForFailPoint } from './waitForFailPoint.js';
import { whatsmyuri } from './whatsmyuri.js';

/** A command and the other spellings of its name that mongod also accepts. */
export interface Registration {
  command: CommandDefinition;
  aliases?: readonly string[];
}

/**
 * Every command, sorted by name. An unknown name is CommandNotFound (59), answered in dispatch. `isdbgrid` is
 * deliberately absent: answering it would make clients take this server for a mongos.
 */
const COMMANDS: readonly Registration[] = [
  { command: abortTransaction },
  { command: aggregate },
  { command: authenticate },
  { command: buildInfo, aliases: ['buildinfo'] },
  { command: bulkWrite },
  { command: collMod },
  { command: collStats, aliases: ['collstats'] },
  { command: commitTransaction },
  { command: configureFailPoint },
  { command: connectionStatus },
  { command: count },
  { command: create },
  { command: createIndexes },
  { command: createRole },
  { command: createSearchIndexes },
  { command: createUser },
  { command: currentOp },
  { command: dbStats, aliases: ['dbstats'] },
  { command: deleteCommand },
  { command: distinct },
  { command: drop },
  { command: dropAllRolesFromDatabase },
  { command: dropAllUsersFromDatabase },
  { command: dropDatabase },
  { command: dropIndexes, aliases: ['deleteIndexes'] },
  { command: dropRole },
  { command: dropSearchIndex },
  { command: dropUser },
  { command: endSessions },
  { command: explain },
  { command: find },
  { command: findAndModify, aliases: ['findandmodify'] },
  { command: fsync },
  { command: fsyncUnlock },
  { command: getCmdLineOpts },
  { command: getLog },
  { command: getMore },
  { command: getParameter },
  { command: grantPrivilegesToRole },
  { command: grantRolesToRole },
  { command: grantRolesToUser },
  { command: hello, aliases: ['isMaster', 'ismaster'] },
  { command: hostInfo },
  { command: insert },
  { command: killAllSessions },
  { command: killAllSessionsByPattern },
  { command: killCursors },
  { command: killOp },
  { command: killSessions },
  { command: listCollections },
  { command: listCommands },
  { command: listDatabases },
  { command: listIndexes },
  { command: logout },
  { command: ping },
  { command: profile },
  { command: refreshSessions },
  { command: renameCollection },
  { command: replSetGetConfig },
  { command: replSetGetStatus },
  { command: revokePrivilegesFromRole },
  { command: revokeRolesFromRole },
  { command: revokeRolesFromUser },
  { command: rolesInfo },
  { command: saslContinue },
  { command: saslStart },
  { command: serverStatus },
  { command: setParameter },
  { command: startSession },
  { command: update },
  { command: updateRole },
  { command: updateSearchIndex },
  { command: updateUser },
  { command: usersInfo },
  { command: validate },
  { command: waitForFailPoint },
  { command: whatsmyuri },
];

const byName = new Map<string, CommandDefinition>();
for (const { command, aliases } of COMMANDS) {
  byName.set(command.name, command);
  for (const alias of aliases ?? []) byName.set(alias, command);
}

/** The command registered under `name` (or an alias); test-only commands only when test commands are enabled. */
export function findCommand(name: string, enableTestCommands: boolean): CommandDefinition | undefined {
  const command = byName.get(name);
  if (!command || (command.testOnly && !enableTestCommands)) return undefined;
  return command;
}

export function allCommands(): readonly Registration[] {
  return COMMANDS;
}
