import { isDocument, Long, toNumber, type Document } from '../bson/index.js';
import { memoryBudgetBytes } from '../engine/memory_budget.js';
import { mongoError } from '../errors/index.js';
import type { CommandDefinition, ServerContext, ServerOptions } from './support/context.js';
import { GENERIC_ARGUMENTS } from './support/generic_arguments.js';
import { DEFAULT_AUTHENTICATION_MECHANISMS } from './support/authentication.js';

/** One server parameter as getParameter reports it. */
export interface ServerParameter {
  name: string;
  /** The current value: from how the server was started, or for a runtime parameter, as last set. */
  value(options: ServerOptions, server: ServerContext): unknown;
  /** True when `--setParameter name=value` may set it (the CLI refuses the others, as mongod does). */
  settableAtStartup: boolean;
  settableAtRuntime: boolean;
  /** Sets a runtime parameter from the setParameter command's value; throws mongod's error for a bad one. */
  set?(server: ServerContext, value: unknown): void;
}

/** mongod's boolean parameter spellings. */
export function parseBoolParameter(text: string): boolean | undefined {
  if (text === '1' || text === 'true') return true;
  if (text === '0' || text === 'false') return false;
  return undefined;
}

/**
 * The parameters eddydb has, sorted by name. Only ones whose value means something here are listed: drivers' test
 * harnesses read `enableTestCommands` (KeyError when absent) and `featureCompatibilityVersion`.
 */
export const SERVER_PARAMETERS: readonly ServerParameter[] = [
  { name: 'authenticationMechanisms', value: (o) => [...(o.authenticationMechanisms ?? DEFAULT_AUTHENTICATION_MECHANISMS)], settableAtStartup: true, settableAtRuntime: false },
  // The engine reaps idle cursors after 10 minutes, mongod's default (engine/cursor_registry.ts).
  { name: 'cursorTimeoutMillis', value: () => Long.fromNumber(600_000), settableAtStartup: false, settableAtRuntime: false },
  { name: 'enableTestCommands', value: (o) => o.enableTestCommands, settableAtStartup: true, settableAtRuntime: false },
  { name: 'featureCompatibilityVersion', value: () => ({ version: '8.0' }), settableAtStartup: false, settableAtRuntime: false },
  // eddydb's own: the process's heap budget (engine/memory_budget.ts), a share of V8's heap limit by default.
  { name: 'maxHeapBudgetMB', value: () => Math.floor(memoryBudgetBytes() / (1024 * 1024)), settableAtStartup: true, settableAtRuntime: false },
  { name: 'quiet', value: (o) => isDocument(o.parsed.systemLog) && o.parsed.systemLog.quiet === true, settableAtStartup: false, settableAtRuntime: false },
  { name: 'requireApiVersion', value: () => false, settableAtStartup: false, settableAtRuntime: false },
  { name: 'internalQueryMaxBlockingSortMemoryUsageBytes', value: (o) => o.internalQueryMaxBlockingSortMemoryUsageBytes ?? 104857600, settableAtStartup: true, settableAtRuntime: false },
  { name: 'allowDiskUseByDefault', value: (o) => o.allowDiskUseByDefault ?? true, settableAtStartup: true, settableAtRuntime: false },
  { name: 'ttlMonitorEnabled', value: (_o, s) => s.engine.ttl.enabled, settableAtStartup: true, settableAtRuntime: true, set: (s, v) => (s.engine.ttl.enabled = coerceBool(v)) },
  {
    name: 'ttlMonitorSleepSecs', value: (_o, s) => s.engine.ttl.sleepSecs, settableAtStartup: true, settableAtRuntime: true,
    set: (s, v) => (s.engine.ttl.sleepSecs = positiveInt('ttlMonitorSleepSecs', v)),
  },
  {
    name: 'scramIterationCount', value: (_o, s) => s.accessControl.iterations['SCRAM-SHA-1'], settableAtStartup: true, settableAtRuntime: true,
    set: (s, v) => (s.accessControl.iterations['SCRAM-SHA-1'] = iterationCount('scramIterationCount', v)),
  },
  {
    name: 'scramSHA256IterationCount', value: (_o, s) => s.accessControl.iterations['SCRAM-SHA-256'], settableAtStartup: true, settableAtRuntime: true,
    set: (s, v) => (s.accessControl.iterations['SCRAM-SHA-256'] = iterationCount('scramSHA256IterationCount', v)),
  },
  { name: 'transactionLifetimeLimitSeconds', value: (o) => o.transactionLifetimeLimitSeconds ?? 60, settableAtStartup: true, settableAtRuntime: false },
];

/** An int parameter's value as mongod coerces a BSON element (numbers only, truncated), checked against `gt: 0`. */
function positiveInt(name: string, value: unknown): number {
  const n = typeof value === 'boolean' ? NaN : toNumber(value);
  if (!Number.isFinite(n) || Math.abs(n) > 2 ** 31 - 1) throw mongoError('BadValue', "Can't coerce value");
  const int = Math.trunc(n);
  if (int <= 0) throw mongoError('BadValue', `Invalid value for parameter ${name}: ${int} is not greater than 0`);
  return int;
}

/** mongod refuses SCRAM iteration counts under 5000. */
function iterationCount(name: string, value: unknown): number {
  const n = positiveInt(name, value);
  if (n < 5000) throw mongoError('BadValue', `Invalid value for parameter ${name}: ${n} is not greater than or equal to 5000`);
  return n;
}

/** A bool parameter's value as mongod coerces a BSON element: its truth value. */
function coerceBool(value: unknown): boolean {
  if (value === false || value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  const n = toNumber(value);
  return Number.isNaN(n) ? true : n !== 0;
}

export const byName = new Map(SERVER_PARAMETERS.map((p) => [p.name, p]));

function describe(param: ServerParameter, server: ServerContext, showDetails: boolean): unknown {
  const value = param.value(server.options, server);
  if (!showDetails) return value;
  return { value, settableAtRuntime: param.settableAtRuntime, settableAtStartup: param.settableAtStartup };
}

/**
 * getParameter: `getParameter: '*'` answers every parameter; `getParameter: 1, <name>: 1, ...` only the named
 * ones (unknown names are skipped, but naming none that exists is InvalidOptions, as mongod);
 * `getParameter: {showDetails, allParameters}` is the newer form.
 */
export const getParameter: CommandDefinition = {
  name: 'getParameter',
  adminOnly: true,
  async run(cmd, ctx) {
    const spec = cmd.getParameter;
    let all = spec === '*';
    let showDetails = false;
    if (isDocument(spec)) {
      all = spec.allParameters === true;
      showDetails = spec.showDetails === true;
    }
    const reply: Document = {};
    if (all) {
      for (const param of SERVER_PARAMETERS) reply[param.name] = describe(param, ctx.server, showDetails);
      return reply;
    }
    for (const name of Object.keys(cmd)) {
      if (name === 'getParameter' || GENERIC_ARGUMENTS.has(name)) continue;
      const param = byName.get(name);
      if (param) reply[name] = describe(param, ctx.server, showDetails);
    }
    if (Object.keys(reply).length === 0) throw mongoError('InvalidOptions', 'no option found to get');
    return reply;
  },
};
