import { isDocument, isNumeric, toNumber, type Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import { runAggregation } from '../engine/read_ops.js';
import type { UserName } from '../auth/privilege.js';
import { describeUser } from '../auth/role_descriptions.js';
import { AUTH_DB, findUser, loadRoles, USERS_COLLECTION } from '../auth/user_store.js';
import type { CommandContext, CommandDefinition } from './support/context.js';
import { parseUmcCommand, parseUserNameOrString } from './support/umc_args.js';

const FIELDS = {
  showPrivileges: 'safeBool', showCredentials: 'safeBool', showAuthenticationRestrictions: 'safeBool', showCustomData: 'safeBool',
  authenticatedMechanism: 'string', filter: 'object',
} as const;

/** What usersInfo asks about: the command's database (`1`), every database, or named users. */
type Target = { kind: 'db' } | { kind: 'all' } | { kind: 'names'; names: UserName[] };

function parseTarget(arg: unknown, db: string): Target {
  if (isNumeric(arg) && Math.trunc(toNumber(arg)) === 1) return { kind: 'db' };
  if (isDocument(arg) && arg.forAllDBs !== undefined && truthy(arg.forAllDBs)) return { kind: 'all' };
  if (Array.isArray(arg)) return { kind: 'names', names: arg.map((v) => parseUserNameOrString(v, db)) };
  return { kind: 'names', names: [parseUserNameOrString(arg, db)] };
}

function truthy(v: unknown): boolean {
  return v !== false && v !== null && v !== undefined && !(isNumeric(v) && toNumber(v) === 0);
}

interface Show {
  credentials: boolean;
  customData: boolean;
  restrictions: boolean;
}

/** The users with what their roles grant, looked up one by one in the order named (mongod's exact-match path). */
async function describedUsers(ctx: CommandContext, names: readonly UserName[], show: Show): Promise<Document[]> {
  const roles = await loadRoles(ctx.engine);
  const users: Document[] = [];
  for (const name of names) {
    const doc = await findUser(ctx.engine, name);
    if (!doc) continue;
    const shown: Document = {};
    for (const [key, value] of Object.entries(describeUser(doc, roles))) {
      if (key === 'credentials') {
        shown.mechanisms = isDocument(value) ? Object.keys(value) : [];
        if (!show.credentials) continue;
      }
      if (key === 'authenticationRestrictions' && !show.restrictions) continue;
      if (key === 'customData' && !show.customData) continue;
      shown[key] = value;
    }
    users.push(shown);
  }
  return users;
}

/** The users as mongod's usersInfo aggregation over `admin.system.users` gives them, sorted by user then db. */
function usersPipeline(target: Target, db: string, show: Show, filter: Document | undefined): Document[] {
  const pipeline: Document[] = [];
  if (target.kind === 'db') pipeline.push({ $match: { db } });
  else if (target.kind === 'names') pipeline.push({ $match: { $or: target.names.map((n) => ({ user: n.user, db: n.db })) } });
  pipeline.push(
    { $sort: { user: 1, db: 1 } },
    { $project: { authenticationRestrictions: false } },
    { $addFields: { mechanisms: { $map: { input: { $objectToArray: '$credentials' }, as: 'cred', in: '$$cred.k' } } } },
  );
  if (!show.credentials) pipeline.push({ $project: { credentials: false } });
  if (!show.customData) pipeline.push({ $project: { customData: false } });
  if (filter) pipeline.push({ $match: filter });
  return pipeline;
}

/**
 * Describes users: mechanisms always, credentials only with `showCredentials` (the stored SCRAM keys, never a
 * password), inherited roles and privileges with `showPrivileges`. https://www.mongodb.com/docs/manual/reference/command/usersInfo/
 */
export const usersInfo: CommandDefinition = {
  name: 'usersInfo',
  async run(cmd, ctx) {
    const args = parseUmcCommand(cmd, 'usersInfo', FIELDS);
    const target = parseTarget(cmd.usersInfo, ctx.db);
    const show: Show = { credentials: args.showCredentials ?? false, customData: args.showCustomData ?? true, restrictions: args.showAuthenticationRestrictions ?? false };
    const details = (args.showPrivileges ?? false) || show.restrictions;
    if (details && (target.kind !== 'names' || args.filter)) {
      throw mongoError('IllegalOperation', 'Privilege or restriction details require exact-match usersInfo queries.');
    }
    if (details && target.kind === 'names') return { users: await describedUsers(ctx, target.names, show) };
    const pipeline = usersPipeline(target, ctx.db, show, args.filter);
    const users = await ctx.engine.read((reader) => runAggregation(reader, AUTH_DB, USERS_COLLECTION, pipeline, null));
    return { users };
  },
};
