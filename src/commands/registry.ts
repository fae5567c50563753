import type { CommandDefinition } from './support/context.js';
import { aggregate } from './aggregate.js';
import { bulkWrite } from './bulkWrite.js';
import { collMod } from './collMod.js';
import { configureFailPoint } from './configureFailPoint.js';
import { count } from './count.js';
import { create } from './create.js';
import { createIndexes } from './createIndexes.js';
import { deleteCommand } from './delete.js';
import { distinct } from './distinct.js';
import { drop } from './drop.js';
import { dropDatabase } from './dropDatabase.js';
import { dropIndexes } from './dropIndexes.js';
import { find } from './find.js';
import { findAndModify } from './findAndModify.js';
import { getMore } from './getMore.js';
import { insert } from './insert.js';
import { killCursors } from './killCursors.js';
import { listCollections } from './listCollections.js';
import { listDatabases } from './listDatabases.js';
import { listIndexes } from './listIndexes.js';
import { ping } from './ping.js';
import { renameCollection } from './renameCollection.js';
import { endSessions } from './endSessions.js';
import { killAllSessions } from './killAllSessions.js';
import { refreshSessions } from './refreshSessions.js';
import { startSession } from './startSession.js';
import { update } from './update.js';
import { diagnosticCommands } from './diagnostics.js';

/** Every command, sorted by name. An unknown name is CommandNotFound (59), answered in dispatch. */
const COMMANDS: CommandDefinition[] = [
  aggregate, bulkWrite, collMod, configureFailPoint, count, create, createIndexes, deleteCommand, distinct, drop, dropDatabase,
  dropIndexes, endSessions, find, findAndModify, getMore, insert, killAllSessions, killCursors, listCollections,
  listDatabases, listIndexes, ping, refreshSessions, renameCollection, startSession, update, ...diagnosticCommands,
].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

const byName = new Map<string, CommandDefinition>();
for (const command of COMMANDS) {
  byName.set(command.name, command);
  for (const alias of command.aliases ?? []) byName.set(alias, command);
}

/** The command registered under `name` (or an alias); test-only commands only when test commands are enabled. */
export function findCommand(name: string, enableTestCommands: boolean): CommandDefinition | undefined {
  const command = byName.get(name);
  if (!command || (command.testOnly && !enableTestCommands)) return undefined;
  return command;
}

export function allCommands(): readonly CommandDefinition[] {
  return COMMANDS;
}
