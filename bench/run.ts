/**
 * `npm run bench` (`node dist/bench/run.js [--quick] [--only <scenario>] [--subject <name>[,<name>...]]`): runs every
 * (scenario, subject) pair in a child process of its own, one after the other, and writes
 * bench/results/latest.json and BENCHMARKS.md (full run) or bench/results/quick.json (quick run). A run limited
 * with --only or --subject writes only its own JSON file, so BENCHMARKS.md always holds a complete full run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './machine.js';
import { keptSection, renderMarkdown, type BenchRun } from './report.js';
import type { RunResult } from './result.js';
import { medianRun } from './rounds.js';
import { SCENARIOS } from './scenarios/index.js';
import { needsPostgres, type SubjectName } from './subjects/names.js';
import { postgresMissing } from './util/postgres.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

/** The repository root: the build output folder (dist/ or dist-*) sits directly in it. */
function repoRoot(): string {
  const fromBuild = fileURLToPath(new URL('../../', import.meta.url));
  return existsSync(join(fromBuild, 'package.json')) ? fromBuild : process.cwd();
}

interface Args {
  quick: boolean;
  only: string | null;
  subject: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, only: null, subject: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--only') args.only = argv[++i] ?? null;
    else if (a === '--subject') args.subject = argv[++i] ?? null;
    else throw new Error(`unknown argument ${a} (use --quick, --only <scenario>, --subject <name>)`);
  }
  if (args.only && !SCENARIOS.some((s) => s.name === args.only)) {
    throw new Error(`unknown scenario ${args.only}; scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  return args;
}

/** Runs one child and returns its result line, or a failed result if it produced none in time. */
function runChild(scenario: string, subject: SubjectName, quick: boolean): Promise<RunResult> {
  const limitMs = quick ? 120_000 : 600_000;
  const start = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, scenario, subject, ...(quick ? ['--quick'] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      if (line) {
        resolve(JSON.parse(line) as RunResult);
        return;
      }
      resolve({
        scenario, subject, mode: quick ? 'quick' : 'full', ok: false,
        error: signal === 'SIGKILL' ? `killed after ${limitMs / 1000} s` : `exited with ${code ?? signal} and no result`,
        elapsedMs: Math.round(performance.now() - start),
      });
    });
  });
}

/** A one-line summary of a result for the progress log. */
function summary(r: RunResult): string {
  if (!r.ok) return `FAILED: ${(r.error ?? '').split('\n')[0]}`;
  const figures = Object.entries(r.metrics ?? {})
    .filter(([, v]) => v !== null)
    .slice(0, 6)
    .map(([k, v]) => `${k}=${String(v)}`);
  return `${(r.elapsedMs / 1000).toFixed(1)} s; ${figures.join(' ')}`;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  // A machine without PostgreSQL skips its subjects with one line; that is not a failure.
  const pgMissing = postgresMissing();
  const skipped = new Set<SubjectName>();
  const plan = SCENARIOS.filter((s) => !args.only || s.name === args.only).flatMap((s) => {
    const subjects = s.subjects.filter((subject) => !args.subject || args.subject.split(',').includes(subject)).filter((subject) => {
      if (pgMissing === undefined || !needsPostgres(subject)) return true;
      skipped.add(subject);
      return false;
    });
    const rounds = args.quick ? 1 : (s.fullRunRounds ?? 1);
    return Array.from({ length: rounds }, (_, round) => subjects.map((subject) => ({ scenario: s, subject, round }))).flat();
  });
  const mode = args.quick ? 'quick' : 'full';
  const started = new Date();
  const t0 = performance.now();
  const machine = machineInfo();
  process.stderr.write(`bench: ${mode} run, ${plan.length} runs, ${machine.cpuCount} × ${machine.cpuModel}, Node ${machine.node}\n`);

  if (skipped.size > 0) process.stderr.write(`bench: skipping ${[...skipped].join(', ')}: ${pgMissing}\n`);

  const runs: RunResult[] = [];
  for (const [i, { scenario, subject, round }] of plan.entries()) {
    const label = `[${i + 1}/${plan.length}] ${scenario.name} / ${subject}${round > 0 ? ` (round ${round + 1})` : ''}`;
    process.stderr.write(`${label} ...\n`);
    const result = await runChild(scenario.name, subject, args.quick);
    runs.push(result);
    process.stderr.write(`${label}: ${summary(result)}\n`);
  }
  const results = SCENARIOS.flatMap((s) =>
    s.subjects.flatMap((subject) => {
      const mine = runs.filter((r) => r.scenario === s.name && r.subject === subject);
      return mine.length > 0 ? [medianRun(mine, s.headline)] : [];
    }),
  );

  const run: BenchRun = {
    mode, startedAt: started.toISOString(), durationMs: Math.round(performance.now() - t0), machine,
    loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100), results,
  };
  const root = repoRoot();
  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const partial = args.only !== null || args.subject !== null;
  const name = partial ? `${mode}-${args.only ?? 'all'}-${args.subject?.replaceAll(',', '+') ?? 'all'}.json` : `${mode === 'full' ? 'latest' : 'quick'}.json`;
  const record = mode === 'quick'
    ? { ...run, note: 'quick mode: less work than a full run and than the issue asks for (see each result\'s work); no target is met by a quick run' }
    : run;
  writeFileSync(join(resultsDir, name), `${JSON.stringify(record, null, 2)}\n`);
  process.stderr.write(`bench: wrote bench/results/${name}\n`);

  const benchmarksPath = join(root, 'BENCHMARKS.md');
  const existing = existsSync(benchmarksPath) ? readFileSync(benchmarksPath, 'utf8') : null;
  const markdown = renderMarkdown(run, SCENARIOS, keptSection(existing));
  if (mode === 'full' && !partial) {
    writeFileSync(benchmarksPath, markdown);
    process.stderr.write('bench: wrote BENCHMARKS.md\n');
  }
  process.stdout.write(markdown);
  process.stderr.write(`bench: done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
