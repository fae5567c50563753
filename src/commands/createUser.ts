import { randomUUID } from 'node:crypto';
import { Binary } from '../bson/index.js';
import type { Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import { buildCredentials, type CredentialSettings } from '../auth/user_credentials.js';
import { checkRolesExist } from '../auth/role_descriptions.js';
import { insertUserDocument, roleNameDocument, rolesInWrite } from '../auth/user_store_writes.js';
import type { UserDocument } from '../auth/user_store.js';
import type { CommandContext, CommandDefinition } from './support/context.js';
import { DEFAULT_AUTHENTICATION_MECHANISMS } from './support/authentication.js';
import { nameParameter, parseUmcCommand, resolveRoleNames, restrictionDocuments } from './support/umc_args.js';
import { authWrite } from './support/umc_write.js';

/** createUser's fields, shared with updateUser (where `roles` is optional). */
export const USER_FIELDS = {
  pwd: 'string', customData: 'object', roles: 'roles', digestPassword: 'safeBool', authenticationRestrictions: 'restrictions', mechanisms: 'strings',
} as const;

/** The server's authenticationMechanisms and scramIterationCount / scramSHA256IterationCount, for new credentials. */
export function credentialSettings(ctx: CommandContext): CredentialSettings {
  return { authenticationMechanisms: ctx.server.options.authenticationMechanisms ?? DEFAULT_AUTHENTICATION_MECHANISMS, iterations: ctx.server.accessControl.iterations };
}

/**
 * Stores a user in `admin.system.users` with SCRAM credentials for its password (never the password), or
 * `{external: true}` in `$external`. https://www.mongodb.com/docs/manual/reference/command/createUser/
 */
export const createUser: CommandDefinition = {
  name: 'createUser',
  async run(cmd, ctx) {
    const args = parseUmcCommand(cmd, 'createUser', USER_FIELDS, ['roles']);
    const user = nameParameter(cmd, 'createUser');
    const db = ctx.db;
    if (db === 'local') throw mongoError('BadValue', 'Cannot create users in the local database');
    if (user.includes('\0')) throw mongoError('BadValue', 'Username cannot contain NULL characters');
    const external = db === '$external';
    if (args.pwd === undefined && !external) {
      throw mongoError('BadValue', "Must provide a 'pwd' field for all user documents, except those with '$external' as the user's source db");
    }
    if (args.pwd !== undefined && external) throw mongoError('BadValue', "Cannot set the password for users defined on the '$external' database");
    if (args.mechanisms !== undefined && args.mechanisms.length === 0) throw mongoError('BadValue', 'mechanisms field must not be empty');
    const credentials: Document = args.pwd === undefined ? { external: true } : buildCredentials(user, args.pwd, args.mechanisms, args.digestPassword ?? true, credentialSettings(ctx));
    const roles = resolveRoleNames(args.roles ?? [], db);
    // mongod's field order: restrictions and customData come before roles.
    const doc: Document = {
      _id: `${db}.${user}`,
      userId: new Binary(Buffer.from(randomUUID().replace(/-/g, ''), 'hex'), Binary.SUBTYPE_UUID),
      user, db, credentials,
    };
    if (args.authenticationRestrictions && args.authenticationRestrictions.length > 0) doc.authenticationRestrictions = restrictionDocuments(args.authenticationRestrictions);
    if (args.customData) doc.customData = args.customData;
    doc.roles = roles.map(roleNameDocument);
    if (user === '') throw mongoError('BadValue', "User document needs 'user' field to be non-empty");
    await authWrite(ctx, async (w) => {
      checkRolesExist(roles, await rolesInWrite(w));
      await insertUserDocument(w, doc as UserDocument);
    });
    return {};
  },
};
