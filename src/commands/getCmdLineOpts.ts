import type { CommandDefinition } from './support/context.js';

/**
 * getCmdLineOpts: the command line as given (`argv`) and as understood (`parsed`, mongod's YAML option tree:
 * net.port, net.bindIp, replication.replSet, setParameter.enableTestCommands as the string "1", storage.dbPath).
 * pymongo 3.11 decides whether test commands are on from `parsed.setParameter.enableTestCommands == "1"`.
 */
export const getCmdLineOpts: CommandDefinition = {
  name: 'getCmdLineOpts',
  adminOnly: true,
  async run(_cmd, ctx) {
    const { argv, parsed } = ctx.server.options;
    return { argv: [...argv], parsed };
  },
};
