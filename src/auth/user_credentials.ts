/**
 * The `credentials` of a user document, built as createUser and updateUser build them: one SCRAM credential per
 * mechanism (both by default), never the password itself. SCRAM-SHA-1 hashes mongod's digest of the password, or
 * the digest the client sent with `digestPassword: false`; SCRAM-SHA-256 needs the password itself, SASLprep'd.
 */
import { saslprep } from '@mongodb-js/saslprep';
import type { Document } from '../bson/types.js';
import { MongoServerError, mongoError } from '../errors/index.js';
import { mechanismPassword, scramCredentialFromHashed, SCRAM_MECHANISMS, type ScramMechanism } from './scram.js';

/** What the server allows: its authenticationMechanisms and the iteration counts new credentials get. */
export interface CredentialSettings {
  authenticationMechanisms: readonly string[];
  iterations: Readonly<Record<ScramMechanism, number>>;
}

/** Which SCRAM credentials to build: those named (each checked), or every SCRAM mechanism the server allows. */
export function credentialMechanisms(mechanisms: readonly string[] | undefined, allowed: readonly string[]): ScramMechanism[] {
  if (!mechanisms || mechanisms.length === 0) return SCRAM_MECHANISMS.filter((m) => allowed.includes(m));
  const chosen = new Set<ScramMechanism>();
  for (const mech of mechanisms) {
    if (mech !== 'SCRAM-SHA-1' && mech !== 'SCRAM-SHA-256') throw mongoError('BadValue', `Unknown auth mechanism '${mech}'`);
    if (!allowed.includes(mech)) throw mongoError('BadValue', `${mech} not supported in authMechanisms`);
    chosen.add(mech);
  }
  return SCRAM_MECHANISMS.filter((m) => chosen.has(m));
}

/**
 * The password SASLprep'd for SCRAM-SHA-256, failing as mongod's ICU-based SASLprep fails (its location codes and
 * ICU's error names, never the password).
 */
function preparedPassword(password: string): string {
  if (password.length === 0) throw new MongoServerError(50687, 'Error preflighting UTF-8 conversion: U_STRING_NOT_TERMINATED_WARNING');
  try {
    return saslprep(password);
  } catch (err) {
    const reason = String((err as Error)?.message ?? '');
    const icuName = /unassigned/i.test(reason) ? 'U_STRINGPREP_UNASSIGNED_ERROR' : /bidirectional|RandALCat/i.test(reason) ? 'U_STRINGPREP_CHECK_BIDI_ERROR' : 'U_STRINGPREP_PROHIBITED_ERROR';
    throw new MongoServerError(50692, `Error preflighting normalization: ${icuName}`);
  }
}

/** `credentials` for a password; `digestPassword: false` means `password` is already SCRAM-SHA-1's digest. */
export function buildCredentials(user: string, password: string, mechanisms: readonly string[] | undefined, digestPassword: boolean, settings: CredentialSettings): Document {
  const credentials: Document = {};
  for (const mechanism of credentialMechanisms(mechanisms, settings.authenticationMechanisms)) {
    const iterations = settings.iterations[mechanism];
    if (mechanism === 'SCRAM-SHA-1') {
      const hashed = digestPassword ? mechanismPassword('SCRAM-SHA-1', user, password) : password;
      credentials[mechanism] = { ...scramCredentialFromHashed(mechanism, hashed, iterations) };
    } else {
      if (!digestPassword) throw mongoError('BadValue', 'Use of SCRAM-SHA-256 requires undigested passwords');
      credentials[mechanism] = { ...scramCredentialFromHashed(mechanism, preparedPassword(password), iterations) };
    }
  }
  return credentials;
}
