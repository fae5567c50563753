import { MongoServerError } from '../../errors/index.js';
import type { StageParser } from './types.js';

/**
 * The registry's entry: the engine lists the sessions for a leading `$listLocalSessions` (its specification is
 * `$listSessions`', see list_sessions.ts) and removes it before compiling, so reaching this parser means the stage
 * was not first.
 */
export const parseListLocalSessions: StageParser = () => {
  throw new MongoServerError(40602, '$listLocalSessions is only valid as the first stage in a pipeline');
};
