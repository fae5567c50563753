import { isDocument, type Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import type { WriteContext } from '../engine/engine.js';
import { buildCredentials } from '../auth/user_credentials.js';
import { checkRolesExist } from '../auth/role_descriptions.js';
import { findUserInWrite, roleNameDocument, rolesInWrite, updateAuthDocuments } from '../auth/user_store_writes.js';
import { USERS_COLLECTION } from '../auth/user_store.js';
import type { CommandDefinition } from './support/context.js';
import { nameParameter, parseUmcCommand, resolveRoleNames, restrictionDocuments } from './support/umc_args.js';
import { authWrite } from './support/umc_write.js';
import { credentialSettings, USER_FIELDS } from './createUser.js';

/**
 * updateUser without `pwd` but with `mechanisms`: keeps only those of the user's credentials (which must be a
 * subset of what it has), matching the update on the credentials read so a concurrent change is not undone.
 */
async function trimCredentials(w: WriteContext, user: string, db: string, mechanisms: readonly string[], query: Document, unset: Document): Promise<void> {
  const doc = await findUserInWrite(w, user, db);
  if (!doc) throw mongoError('UserNotFound', `Could not find user "${user}" for db "${db}"`);
  const creds = doc.credentials;
  if (!isDocument(creds)) throw mongoError('UnsupportedFormat', 'Unable to trim credentials from a user document with no credentials');
  query.credentials = creds;
  let keepSha1 = false;
  let keepSha256 = false;
  for (const mech of mechanisms) {
    if (!Object.prototype.hasOwnProperty.call(creds, mech)) throw mongoError('BadValue', 'mechanisms field must be a subset of previously set mechanisms');
    if (mech === 'SCRAM-SHA-1') keepSha1 = true;
    else if (mech === 'SCRAM-SHA-256') keepSha256 = true;
  }
  if (!keepSha1 && !keepSha256) throw mongoError('BadValue', 'mechanisms field must contain at least one previously set known mechanism');
  if (!keepSha1) unset['credentials.SCRAM-SHA-1'] = '';
  if (!keepSha256) unset['credentials.SCRAM-SHA-256'] = '';
}

/**
 * Changes a user's password (new SCRAM credentials), mechanisms, customData, authentication restrictions or roles.
 * https://www.mongodb.com/docs/manual/reference/command/updateUser/
 */
export const updateUser: CommandDefinition = {
  name: 'updateUser',
  async run(cmd, ctx) {
    const args = parseUmcCommand(cmd, 'updateUser', USER_FIELDS);
    const user = nameParameter(cmd, 'updateUser');
    const db = ctx.db;
    if (args.mechanisms !== undefined && args.mechanisms.length === 0) throw mongoError('BadValue', 'mechanisms field must not be empty');
    const set: Document = {};
    const unset: Document = {};
    if (args.pwd !== undefined) {
      if (db === '$external') throw mongoError('BadValue', "Cannot set the password for users defined on the '$external' database");
      set.credentials = buildCredentials(user, args.pwd, args.mechanisms, args.digestPassword ?? true, credentialSettings(ctx));
    }
    const roles = args.roles ? resolveRoleNames(args.roles, db) : undefined;
    await authWrite(ctx, async (w) => {
      const query: Document = { user, db };
      if (args.pwd === undefined && args.mechanisms) await trimCredentials(w, user, db, args.mechanisms, query, unset);
      if (args.customData) set.customData = args.customData;
      if (args.authenticationRestrictions) {
        if (args.authenticationRestrictions.length === 0) unset.authenticationRestrictions = '';
        else set.authenticationRestrictions = restrictionDocuments(args.authenticationRestrictions);
      }
      if (roles) set.roles = roles.map(roleNameDocument);
      if (Object.keys(set).length === 0 && Object.keys(unset).length === 0) throw mongoError('BadValue', 'Must specify at least one field to update in updateUser');
      if (roles) checkRolesExist(roles, await rolesInWrite(w));
      const update: Document = {};
      if (Object.keys(set).length > 0) update.$set = set;
      if (Object.keys(unset).length > 0) update.$unset = unset;
      if ((await updateAuthDocuments(w, USERS_COLLECTION, query, update)) === 0) throw mongoError('UserNotFound', `User ${user}@${db} not found`);
    });
    return {};
  },
};
