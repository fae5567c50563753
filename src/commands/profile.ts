import { isDocument, type Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import { validateDbName } from '../engine/namespace.js';
import { ensureProfileCollection } from '../engine/profile_collection.js';
import { optionalNumber } from './support/args.js';
import type { CommandDefinition } from './support/context.js';
import { compileProfileFilter, previousSettingsReply, type DatabaseProfile } from './support/profiler.js';

/**
 * profile: `{profile: <level>, slowms?, sampleRate?, filter?}` sets the database's profiling level (0 off, 1 slow
 * operations, 2 all) and filter, and the server's slowms and sampleRate, answering the previous values (`was`,
 * `slowms`, `sampleRate`, `filter`). A level outside 0 to 2 (mongod's shells send -1) changes no level, so
 * `{profile: -1}` only reads. Turning profiling on creates `<db>.system.profile`.
 */
export const profile: CommandDefinition = {
  name: 'profile',
  async run(cmd, ctx) {
    validateDbName(ctx.db);
    const level = Math.trunc(optionalNumber(cmd, 'profile', 'profile') ?? Number.NaN);
    if (Number.isNaN(level)) throw mongoError('TypeMismatch', "BSON field 'profile.profile' is missing but a required field");
    const slowms = optionalNumber(cmd, 'profile', 'slowms');
    const sampleRate = optionalNumber(cmd, 'profile', 'sampleRate');
    let filter: DatabaseProfile['filter'] | null | undefined;
    if (cmd.filter !== undefined) {
      if (isDocument(cmd.filter)) filter = compileProfileFilter(cmd.filter);
      else if (cmd.filter === 'unset') filter = null;
      else throw mongoError('BadValue', "Expected an object, or the string 'unset'.");
    }
    if (sampleRate !== undefined && !(sampleRate >= 0 && sampleRate <= 1)) {
      throw mongoError('BadValue', "'sampleRate' must be between 0.0 and 1.0 inclusive");
    }
    const settings = ctx.server.profiler;
    const previous = settings.of(ctx.db);
    const from = { level: previous.level, slowms: settings.slowMs, sampleRate: settings.sampleRate, ...(previous.filter ? { filter: previous.filter.spec } : {}) };
    const reply: Document = previousSettingsReply(settings, previous, filter !== undefined);
    const next: DatabaseProfile = { level: level >= 0 && level <= 2 ? level : previous.level };
    const nextFilter = filter === undefined ? previous.filter : filter ?? undefined;
    if (nextFilter) next.filter = nextFilter;
    if (next.level > 0 && previous.level === 0) await ensureProfileCollection(ctx.server.engine, ctx.db);
    settings.set(ctx.db, next);
    if (slowms !== undefined) settings.slowMs = Math.trunc(slowms);
    if (sampleRate !== undefined) settings.sampleRate = sampleRate;
    if (level !== -1 || slowms !== undefined || sampleRate !== undefined || filter !== undefined) {
      ctx.server.options.log?.({
        msg: 'Profiler settings changed',
        attr: {
          from,
          to: { level: next.level, slowms: settings.slowMs, sampleRate: settings.sampleRate, ...(next.filter ? { filter: next.filter.spec } : {}) },
        },
      });
    }
    return reply;
  },
};
