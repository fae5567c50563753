import type { Document } from '../bson/index.js';
import type { CommandDefinition } from './support/context.js';
import { authorizationSession } from './support/authentication.js';

/** connectionStatus: the connection's user, every role it holds (inherited too) and, on request, its privileges. */
export const connectionStatus: CommandDefinition = {
  name: 'connectionStatus',
  async run(cmd, ctx) {
    const session = authorizationSession(ctx);
    await session.refresh();
    const user = session.authenticatedUser;
    const authInfo: Document = {
      authenticatedUsers: user ? [{ user: user.name.user, db: user.name.db }] : [],
      authenticatedUserRoles: user ? user.resolved.roles.map((r) => ({ role: r.role, db: r.db })) : [],
    };
    if (cmd.showPrivileges === true) authInfo.authenticatedUserPrivileges = user ? mergedPrivileges(user.resolved.privileges) : [];
    return { authInfo };
  },
};

/** One entry per resource with the union of its actions, sorted, as mongod lists them. */
function mergedPrivileges(privileges: readonly { resource: Document; actions: readonly string[] }[]): Document[] {
  const byResource = new Map<string, { resource: Document; actions: Set<string> }>();
  for (const p of privileges) {
    const key = JSON.stringify(p.resource);
    let entry = byResource.get(key);
    if (!entry) byResource.set(key, (entry = { resource: p.resource, actions: new Set() }));
    for (const a of p.actions) entry.actions.add(a);
  }
  return [...byResource.values()].map((e) => ({ resource: e.resource, actions: [...e.actions].sort() }));
}
