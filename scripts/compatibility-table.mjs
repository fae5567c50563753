#!/usr/bin/env node
// Generates the tables at the end of docs/compatibility.md: every stage, operator, index type and command MongoDB
// 8.0 lists (scripts/compatibility-data.mjs) with eddydb's state, read from eddydb's own registries in dist/, so
// the tables say what the build does. Run after `npm run build`:
//   node scripts/compatibility-table.mjs            rewrites the generated part of docs/compatibility.md
//   node scripts/compatibility-table.mjs --check    exits 1 when that part is out of date
// `--file <path>` works on another copy of the document (the test uses it).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ACCUMULATORS, COMMANDS, EXPRESSION_OPERATORS, INDEX_TYPES, QUERY_OPERATORS, STAGES, UPDATE_OPERATORS,
  WINDOW_FUNCTIONS,
} from './compatibility-data.mjs';

export const BEGIN = '<!-- generated: compatibility tables (npm run docs:compatibility); do not edit by hand -->';
export const END = '<!-- end generated: compatibility tables -->';
export const REGENERATE = 'npm run build && npm run docs:compatibility';

const root = join(import.meta.dirname, '..');
const load = (path) => import(pathToFileURL(join(root, 'dist', 'src', path)).href);

const [
  stagesModule, expressions, accumulators, topBottom, windows, filterRegistry, filterUnsupported, filter, updates,
  indexSpec, commands,
] = await Promise.all([
  load('query/pipeline/registry.js'), load('query/expressions/registry.js'), load('query/expressions/accumulators.js'),
  load('query/pipeline/top_bottom.js'), load('query/pipeline/window/registry.js'), load('query/filter/registry.js'),
  load('query/filter/unsupported.js'), load('query/filter/index.js'), load('query/update/registry.js'),
  load('engine/index_spec.js'), load('commands/registry.js'),
]);

const SUPPORTED = 'supported';

/** How an error reads in a table cell: codeName and code. */
function refusal(error) {
  return error.codeName ? `${error.codeName} (${error.code})` : `code ${error.code}`;
}

/** The state of a thing eddydb refuses when it runs `attempt`; SUPPORTED when `attempt` succeeds. */
function attempted(attempt) {
  try {
    attempt();
    return SUPPORTED;
  } catch (error) {
    if (typeof error?.code !== 'number') throw error;
    return `refused: ${refusal(error)}`;
  }
}

/**
 * Stages the pipeline compiler only recognizes, which src/commands/aggregate.ts (and the change stream code) serve
 * themselves when they come first. They are named here because no registry lists them.
 */
const FIRST_STAGE_SERVED = new Set(['$changeStream', '$collStats', '$currentOp', '$indexStats']);

/**
 * The codes of a registered stage or command that exists only to refuse: it throws one of them before it reads its
 * arguments or touches its context, so parsing an empty stage or running a bare command with no context shows it.
 * Any other outcome (another error, a TypeError from the missing context) means the real work would run.
 */
const REFUSALS = new Set([238 /* NotImplemented */, 31082 /* SearchNotEnabled */]);

async function probe(attempt) {
  try {
    await attempt();
  } catch (error) {
    if (REFUSALS.has(error?.code)) return `refused: ${refusal(error)}`;
  }
  return SUPPORTED;
}

async function stageState(name) {
  const parser = stagesModule.lookupStage(name);
  if (parser) return probe(() => parser({}, {}));
  if (stagesModule.isKnownStage(name)) {
    return FIRST_STAGE_SERVED.has(name) ? 'supported as the first stage of `aggregate`' : 'refused: NotImplemented (238)';
  }
  return 'unknown: Location40324';
}

/**
 * eddydb runs no JavaScript: $function and $accumulator parse and validate as on mongod, and running one answers
 * what a mongod with server-side JavaScript disabled answers.
 */
const JAVASCRIPT_DISABLED = 'refused when run: Location31264, as mongod without server-side JavaScript';
const JAVASCRIPT_OPERATORS = new Set(['$function', '$accumulator']);

/**
 * Names the manual lists among the expression operators that mongod parses elsewhere: `$sampleRate` is a query
 * operator of `$match`, `$accumulator` an accumulator of `$group`. As expressions, mongod does not know them either.
 */
const NOT_EXPRESSIONS = {
  $sampleRate: () => (filterRegistry.topLevelOperators.has('$sampleRate') ? 'supported in `$match` (a query operator, as on mongod)' : undefined),
  $accumulator: () => (accumulatorNames.has('$accumulator') ? `an accumulator only, as on mongod; ${JAVASCRIPT_DISABLED}` : undefined),
};

const expressionNames = new Set(expressions.expressionOperatorNames());
function expressionState(name) {
  const elsewhere = NOT_EXPRESSIONS[name]?.();
  if (elsewhere) return elsewhere;
  if (!expressionNames.has(name)) return 'unknown: InvalidPipelineOperator (168)';
  return JAVASCRIPT_OPERATORS.has(name) ? JAVASCRIPT_DISABLED : SUPPORTED;
}

// $count is the one accumulator $group rewrites itself (to $sum: 1) rather than looking up.
const accumulatorNames = new Set([
  ...Object.keys(accumulators.accumulatorFactories), ...Object.keys(topBottom.initializedAccumulatorParsers), '$count',
]);
function accumulatorState(name) {
  if (!accumulatorNames.has(name)) return 'unknown: Location15952';
  return JAVASCRIPT_OPERATORS.has(name) ? JAVASCRIPT_DISABLED : SUPPORTED;
}

const windowNames = new Set(windows.windowFunctionNames());
const windowState = (name) => (windowNames.has(name) ? SUPPORTED : 'unknown: FailedToParse (9)');

function queryState(name) {
  const field = filterRegistry.fieldOperators.get(name);
  const topLevel = filterRegistry.topLevelOperators.get(name);
  if (field === filterUnsupported.parseUnsupportedField) return attempted(() => field({ name }));
  if (topLevel === filterUnsupported.parseUnsupportedTopLevel) return attempted(() => topLevel({ name }));
  if (field || topLevel) return SUPPORTED;
  // $not wraps the field operators and is parsed by the filter parser itself, so it is in neither table.
  if (name === '$not') return attempted(() => filter.compileFilter({ a: { $not: { $gt: 1 } } }));
  return 'unknown: BadValue (2)';
}

const updateState = (name) => (updates.MODIFIERS.has(name) ? SUPPORTED : 'unknown: FailedToParse (9)');

const indexState = ({ key }) => attempted(() => indexSpec.validateIndexSpec({ key, name: 'compatibility' }, 0));

async function commandState(name) {
  const command = commands.findCommand(name, true);
  if (!command) return 'unknown: CommandNotFound (59)';
  if (command.testOnly) return 'supported with test commands enabled';
  return probe(() => command.run({ [name]: 'compatibility' }, {}));
}

/** A markdown table of `names` (or `[label, names]` groups) with their states. */
function table(heading, rows) {
  const lines = [`### ${heading}`, ''];
  const supported = rows.filter((row) => row.state.startsWith(SUPPORTED)).length;
  lines.push(`${supported} of ${rows.length} supported.`, '');
  const grouped = rows.some((row) => row.group !== undefined);
  lines.push(grouped ? '| group | name | eddydb |' : '| name | eddydb |');
  lines.push(grouped ? '| --- | --- | --- |' : '| --- | --- |');
  for (const row of rows) {
    const cells = [...(grouped ? [row.group] : []), `\`${row.name}\``, row.state];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('');
  return { text: lines.join('\n'), supported, total: rows.length };
}

const flat = (names, state) => Promise.all(names.map(async (name) => ({ name, state: await state(name) })));
const grouped = (groups, state) => Promise.all(
  Object.entries(groups).flatMap(([group, names]) => names.map(async (name) => ({ group, name, state: await state(name) }))),
);

/** The commands eddydb registers that the manual's list leaves out (test, internal and driver commands). */
function extraCommands() {
  const listed = new Set(Object.values(COMMANDS).flat());
  return commands.allCommands()
    .map(({ command }) => command.name)
    .filter((name) => !listed.has(name))
    .sort();
}

/** The generated tables and the count of supported names per category. */
export async function generate() {
  const sections = await Promise.all([
    ['Aggregation stages', flat(STAGES, stageState)],
    ['Expression operators', grouped(EXPRESSION_OPERATORS, expressionState)],
    ['Accumulators ($group, $bucket, $bucketAuto)', flat(ACCUMULATORS, accumulatorState)],
    ['Window functions ($setWindowFields)', flat(WINDOW_FUNCTIONS, windowState)],
    ['Query operators', grouped(QUERY_OPERATORS, queryState)],
    ['Update operators', flat(UPDATE_OPERATORS, updateState)],
    ['Index types', INDEX_TYPES.map((index) => ({ name: index.type, state: indexState(index) }))],
    ['Commands', [
      ...await grouped(COMMANDS, commandState),
      ...await grouped({ 'not in the manual\'s list': extraCommands() }, commandState),
    ]],
  ].map(async ([heading, rows]) => [heading, await rows]));
  const tables = sections.map(([heading, rows]) => ({ heading, ...table(heading, rows) }));
  const text = [
    BEGIN,
    '',
    '## What eddydb implements',
    '',
    'Every aggregation stage, operator, index type and command the MongoDB 8.0 manual lists, with what eddydb does',
    'with it, generated from eddydb\'s own registries by `scripts/compatibility-table.mjs` (the MongoDB names are in',
    '`scripts/compatibility-data.mjs`). *supported* means eddydb runs it (the sections above say where it answers',
    'differently); *refused* means eddydb knows the name and refuses it with the error shown; *unknown* means eddydb',
    'does not know the name and answers the error shown, the one mongod answers for a name it does not know.',
    '',
    ...tables.map((t) => t.text),
    END,
  ].join('\n');
  return { text, counts: tables.map(({ heading, supported, total }) => ({ heading, supported, total })) };
}

/** `document` with its generated part replaced by `generated`; throws when the markers are missing. */
export function replaceGenerated(document, generated) {
  const begin = document.indexOf(BEGIN);
  const end = document.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`docs/compatibility.md must hold the markers ${BEGIN} and ${END}`);
  return document.slice(0, begin) + generated + document.slice(end + END.length);
}

async function main(args) {
  const fileAt = args.indexOf('--file');
  const file = fileAt >= 0 ? args[fileAt + 1] : join(root, 'docs', 'compatibility.md');
  const document = readFileSync(file, 'utf8');
  const { text, counts } = await generate();
  const updated = replaceGenerated(document, text);
  if (args.includes('--check')) {
    if (updated !== document) {
      console.error(`${file}: the compatibility tables are out of date; regenerate them with \`${REGENERATE}\``);
      return 1;
    }
    return 0;
  }
  if (updated !== document) writeFileSync(file, updated);
  for (const { heading, supported, total } of counts) console.log(`${heading}: ${supported} of ${total} supported`);
  return 0;
}

// exit() rather than exitCode: a command run bare may leave a timer behind.
if (import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(await main(process.argv.slice(2)));
