import type { Document } from '../bson/index.js';
import type { CommandDefinition } from './support/context.js';
import { commandRequiresAuth } from './support/command_privileges.js';

/**
 * listCommands: every command this server answers, by name and alias, sorted, as mongod lists them. Test-only
 * commands appear only when test commands are enabled.
 */
export const listCommands: CommandDefinition = {
  name: 'listCommands',
  async run(_cmd, ctx) {
    // registry.ts imports this file; importing it back lazily keeps the cycle out of module initialisation.
    const { allCommands } = await import('./registry.js');
    const enableTestCommands = ctx.server.options.enableTestCommands;
    const entries: [string, Document][] = [];
    for (const { command, aliases } of allCommands()) {
      if (command.testOnly && !enableTestCommands) continue;
      const info: Document = {
        help: `${command.name}: see the MongoDB manual`,
        requiresAuth: commandRequiresAuth(command.name),
        secondaryOk: true,
        adminOnly: command.adminOnly === true,
        apiVersions: [],
        deprecatedApiVersions: [],
      };
      for (const name of [command.name, ...(aliases ?? [])]) entries.push([name, info]);
    }
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { commands: Object.fromEntries(entries) };
  },
};
