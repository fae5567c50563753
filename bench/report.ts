/**
 * BENCHMARKS.md from one run: the machine, the date, one table per scenario, and each target next to its figure
 * with "met" or "MISSED". The "Where the time goes" section between the markers belongs to people, and is carried
 * over from the existing file on every regeneration.
 */
import { byMetric, int } from './format.js';
import type { MachineInfo } from './machine.js';
import { COLUMNS } from './report_columns.js';
import { describe } from './report_text.js';
import type { RunResult } from './result.js';
import type { Scenario } from './scenarios/types.js';
import { SUBJECT_LABELS } from './subjects/names.js';
import { evaluateAll, type TargetOutcome } from './targets.js';

export interface BenchRun {
  mode: 'full' | 'quick';
  startedAt: string;
  durationMs: number;
  machine: MachineInfo;
  loadAverageAtEnd: number[];
  results: RunResult[];
}

export const KEEP_START = '<!-- where-the-time-goes:start (kept when the bench regenerates this file) -->';
export const KEEP_END = '<!-- where-the-time-goes:end -->';
const KEEP_DEFAULT = [
  '_Nothing yet. When a target is missed, explain it here with a profile of where the time goes._',
  '',
  'To profile one run: `node --cpu-prof --cpu-prof-dir=prof dist/bench/child.js <scenario> <subject> [--quick]`',
  '(scenarios: single_inserts, insert_many, fan_out, catch_up, mixed, transactions, queries, large_documents, indexed_queries, auth, lookup, geo_near; subjects as in',
  'the tables: eddydb-memory, eddydb-file, eddydb-wire, raw-sqlite, raw-sqlite-indexed, pouchdb, rxdb-memory). For the server of a wire run add',
  '`BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof"` to the environment.',
].join('\n');

/** The hand-written section of an existing BENCHMARKS.md, or the placeholder. */
export function keptSection(existing: string | null): string {
  if (existing === null) return KEEP_DEFAULT;
  const start = existing.indexOf(KEEP_START);
  const end = existing.indexOf(KEEP_END);
  if (start < 0 || end < start) return KEEP_DEFAULT;
  return existing.slice(start + KEEP_START.length, end).trim() || KEEP_DEFAULT;
}

function table(headers: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

function duration(msTotal: number): string {
  const s = Math.round(msTotal / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

const COMPARE_TEXT = { atLeast: '≥', above: '>', below: '<', atMost: '≤' } as const;

function targetRow(o: TargetOutcome, quick: boolean): string[] {
  const t = o.target;
  let figure = byMetric(t.metric, o.figure);
  let threshold = `${COMPARE_TEXT[t.compare]} ${byMetric(t.metric, o.threshold)}`;
  if (t.relativeTo) {
    const base = o.threshold === null ? null : o.threshold / t.relativeTo.factor;
    const peer = SUBJECT_LABELS[t.relativeTo.subject];
    if (o.figure !== null && base) figure += ` (${(o.figure / base).toFixed(2)} × ${peer})`;
    threshold += ` (${t.relativeTo.factor} × ${byMetric(t.metric, base)})`;
  } else if (t.sameAs) {
    threshold = `${int(o.threshold)} (all)`;
  }
  const status = o.status === 'met' ? 'met' : `**${o.status}**`;
  return [SUBJECT_LABELS[t.subject], t.text, figure, threshold, quick ? `${status} (quick)` : status];
}

function scenarioSection(scenario: Scenario, run: BenchRun, outcomes: TargetOutcome[]): string {
  const runs = run.results.filter((r) => r.scenario === scenario.name);
  if (runs.length === 0) return '';
  const columns = COLUMNS[scenario.name] ?? [];
  const rows = runs.map((r) => [
    SUBJECT_LABELS[r.subject],
    ...(r.ok ? columns.map((c) => c.cell(r, run.results)) : columns.map(() => 'failed')),
  ]);
  const parts = [`## ${scenario.title}`, describe(scenario.name, runs), table(['subject', ...columns.map((c) => c.header)], rows)];
  const mine = outcomes.filter((o) => o.target.scenario === scenario.name);
  if (mine.length > 0) {
    parts.push('Targets, from this run:');
    parts.push(table(['subject', 'target', 'figure', 'threshold', 'status'], mine.map((o) => targetRow(o, run.mode === 'quick'))));
  }
  const remarks = runs.flatMap((r) => [
    ...(r.ok ? [] : [`${SUBJECT_LABELS[r.subject]} failed: ${(r.error ?? '').split('\n')[0]}`]),
    ...(r.notes ?? []).map((n) => `${SUBJECT_LABELS[r.subject]}: ${n}`),
  ]);
  if (remarks.length > 0) parts.push(remarks.map((x) => `- ${x}`).join('\n'));
  return parts.filter((p) => p.length > 0).join('\n\n');
}

/** The whole markdown document for `run`, with `kept` as the hand-written section. */
export function renderMarkdown(run: BenchRun, scenarios: readonly Scenario[], kept: string): string {
  const m = run.machine;
  const outcomes = evaluateAll(run.results);
  const met = outcomes.filter((o) => o.status === 'met').length;
  const missed = outcomes.filter((o) => o.status !== 'met');
  const header = [
    '# eddydb benchmarks',
    `Written by \`npm run bench\` (bench/run.ts, ${run.mode} run). Every figure below comes from one run on one machine, ` +
      'peers included; ratios compare figures from that same run. Each (scenario, subject) ran in its own Node process. ' +
      'The tables are regenerated by each full run; only the "Where the time goes" section is kept.',
    table(['', ''], [
      ['date', run.startedAt],
      ['CPU', `${m.cpuModel} × ${m.cpuCount}`],
      ['memory', `${m.totalMemoryGiB} GiB`],
      ['OS', m.os],
      ['Node', m.node],
      ['SQLite (better-sqlite3)', m.sqlite],
      ['eddydb commit', m.commit ?? 'unknown'],
      ['run time', duration(run.durationMs)],
      ['load average at start (1, 5, 15 min)', m.loadAverage.join(', ')],
      ['load average at end (1, 5, 15 min)', run.loadAverageAtEnd.join(', ')],
    ]),
    `The machine has ${m.cpuCount} cores and may be shared: a load average above ${m.cpuCount} means other work ` +
      'competed for the CPU during the run, which lowers throughput and raises tail latency for every subject alike.',
    ...(run.mode === 'quick'
      ? ['**Quick run**: less work than the issue asks for (fewer inserts, streams and entries, shorter runs; see ' +
          '`work` in bench/results/quick.json), so the statuses below only hint at a full run; no target is met by a quick run.']
      : []),
    `**${met} of ${outcomes.length} targets met${run.mode === 'quick' ? ' at quick size' : ''}.**` +
      (missed.length > 0
        ? ' Missed: ' + missed.map((o) => `${SUBJECT_LABELS[o.target.subject]}, ${o.target.text} (${o.target.scenario})`).join('; ') + '.'
        : ''),
  ];
  const sections = scenarios.map((s) => scenarioSection(s, run, outcomes)).filter((s) => s.length > 0);
  const footer = ['## Where the time goes', KEEP_START, kept, KEEP_END];
  return `${[...header, ...sections, ...footer].join('\n\n')}\n`;
}
