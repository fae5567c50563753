import { Long, type Document } from '../bson/index.js';
import { toTimestamp } from '../oplog/cluster_clock.js';
import type { CommandContext, CommandDefinition } from './support/context.js';

/** The one member of eddydb's replica set, as replSetGetStatus lists it. */
function selfMember(ctx: CommandContext): Document {
  const server = ctx.server;
  const ts = server.engine.committedTs;
  const optime = { ts: toTimestamp(ts), t: Long.fromNumber(1) };
  const optimeDate = new Date(Number(ts >> 32n) * 1000);
  return {
    _id: 0,
    name: ctx.connection.localAddress,
    health: 1,
    state: 1,
    stateStr: 'PRIMARY',
    uptime: Math.floor((Date.now() - server.startTime.getTime()) / 1000),
    optime,
    optimeDate,
    optimeDurable: optime,
    optimeDurableDate: optimeDate,
    optimeWritten: optime,
    optimeWrittenDate: optimeDate,
    lastAppliedWallTime: optimeDate,
    lastDurableWallTime: optimeDate,
    lastWrittenWallTime: optimeDate,
    syncSourceHost: '',
    syncSourceId: -1,
    infoMessage: '',
    electionTime: toTimestamp(BigInt(Math.floor(server.startTime.getTime() / 1000)) << 32n),
    electionDate: server.startTime,
    configVersion: 1,
    configTerm: 1,
    self: true,
    lastHeartbeatMessage: '',
  };
}

/**
 * replSetGetStatus: a healthy one-member set whose only member, this server, is primary. Tools (mongosh's
 * rs.status(), readiness checks) read `myState` and `members[].stateStr`.
 */
export const replSetGetStatus: CommandDefinition = {
  name: 'replSetGetStatus',
  adminOnly: true,
  async run(_cmd, ctx) {
    const member = selfMember(ctx);
    const opTime = member.optime;
    return {
      set: ctx.server.options.replSetName,
      date: new Date(),
      myState: 1,
      term: Long.fromNumber(1),
      syncSourceHost: '',
      syncSourceId: -1,
      heartbeatIntervalMillis: Long.fromNumber(2000),
      majorityVoteCount: 1,
      writeMajorityCount: 1,
      votingMembersCount: 1,
      writableVotingMembersCount: 1,
      optimes: {
        lastCommittedOpTime: opTime,
        lastCommittedWallTime: member.optimeDate,
        readConcernMajorityOpTime: opTime,
        appliedOpTime: opTime,
        durableOpTime: opTime,
        writtenOpTime: opTime,
        lastAppliedWallTime: member.optimeDate,
        lastDurableWallTime: member.optimeDate,
        lastWrittenWallTime: member.optimeDate,
      },
      // A one-member set commits what it applies: every committed write is stable at once.
      lastStableRecoveryTimestamp: (opTime as Document).ts,
      members: [member],
    };
  },
};
