import type { Document } from '../bson/index.js';
import { uuidBinary } from '../engine/catalog.js';
import { validateCollection } from '../engine/validate.js';
import { mongoError } from '../errors/index.js';
import { collectionArg } from './support/args.js';
import type { CommandDefinition } from './support/context.js';

/**
 * validate: checks one collection's documents (checksum, BSON, key) and its indexes against them, and answers in
 * mongod's shape. There is no cheaper partial check here, so every mode (`full`, `background`, `metadata`,
 * `checkBSONConformance`) runs all of it; `repair` is refused as mongod refuses it on a replica-set member.
 */
export const validate: CommandDefinition = {
  name: 'validate',
  async run(cmd, ctx) {
    const name = collectionArg(cmd, 'validate');
    // mongod reads these options by truthiness.
    if (cmd.full && cmd.background) {
      throw mongoError('InvalidOptions', 'Running the validate command with both { background: true } and { full: true } is not supported.');
    }
    if (cmd.repair) {
      throw mongoError('InvalidOptions', 'Running the validate command with { repair: true } can only be performed in standalone mode.');
    }
    const ns = `${ctx.db}.${name}`;
    const results = await validateCollection(ctx.engine, ctx.db, name);
    const log = ctx.server.options.log;
    for (const { recordId, problem } of results.logged) {
      log?.({ msg: 'Document failed validation', component: 'STORAGE', attr: { namespace: ns, recordId, problem } });
    }
    const keysPerIndex: Document = {};
    const indexDetails: Document = {};
    for (const spec of results.info.indexes) {
      keysPerIndex[spec.name] = results.keysPerIndex.get(spec.name) ?? 0;
      const errors = results.indexErrors.get(spec.name);
      indexDetails[spec.name] = errors ? { valid: false, errors } : { valid: true };
    }
    const valid = results.errors.length === 0;
    const reply: Document = {
      ns,
      uuid: uuidBinary(results.info.uuid),
      nInvalidDocuments: results.nInvalidDocuments,
      nNonCompliantDocuments: results.nNonCompliantDocuments,
      nrecords: results.nrecords,
      nIndexes: results.info.indexes.length,
      keysPerIndex,
      indexDetails,
      valid,
      repaired: false,
      warnings: results.warnings,
      errors: results.errors,
      extraIndexEntries: results.extraIndexEntries,
      missingIndexEntries: results.missingIndexEntries,
      corruptRecords: results.corruptRecords,
    };
    if (!valid) reply.advice = 'A corrupt namespace has been detected. See http://dochub.mongodb.org/core/data-recovery for recovery steps.';
    reply.ok = 1;
    return reply;
  },
};
