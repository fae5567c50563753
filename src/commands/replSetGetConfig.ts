import { Long } from '../bson/index.js';
import type { CommandDefinition } from './support/context.js';

/** replSetGetConfig: the configuration of the one-member set (mongosh's rs.conf()). */
export const replSetGetConfig: CommandDefinition = {
  name: 'replSetGetConfig',
  adminOnly: true,
  async run(_cmd, ctx) {
    return {
      config: {
        _id: ctx.server.options.replSetName,
        version: 1,
        term: 1,
        members: [
          {
            _id: 0,
            host: ctx.connection.localAddress,
            arbiterOnly: false,
            buildIndexes: true,
            hidden: false,
            priority: 1,
            tags: {},
            secondaryDelaySecs: Long.fromNumber(0),
            votes: 1,
          },
        ],
        protocolVersion: Long.fromNumber(1),
        writeConcernMajorityJournalDefault: true,
        settings: {
          chainingAllowed: true,
          heartbeatIntervalMillis: 2000,
          heartbeatTimeoutSecs: 10,
          electionTimeoutMillis: 10000,
          catchUpTimeoutMillis: -1,
          catchUpTakeoverDelayMillis: 30000,
          getLastErrorModes: {},
          getLastErrorDefaults: { w: 1, wtimeout: 0 },
          replicaSetId: ctx.server.electionId,
        },
      },
    };
  },
};
