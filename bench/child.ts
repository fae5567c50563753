/**
 * Runs one scenario against one subject in this process and prints one JSON line (a RunResult) on stdout:
 * `node child.js <scenario> <subject> [--quick]`. The orchestrator starts a fresh process for each run so that
 * peak memory is that run's own and nothing carries over between runs.
 */
import { loadavg } from 'node:os';
import type { RunResult } from './result.js';
import { findScenario } from './scenarios/index.js';
import { isSubjectName } from './subjects/names.js';
import { removeTempDirs } from './util/tmp.js';

async function main(): Promise<number> {
  const [scenarioName = '', subject = '', ...flags] = process.argv.slice(2);
  const scenario = findScenario(scenarioName);
  if (!scenario || !isSubjectName(subject) || !scenario.subjects.includes(subject)) {
    process.stderr.write(`usage: child.js <scenario> <subject> [--quick] (got ${scenarioName} ${subject})\n`);
    return 2;
  }
  const mode = flags.includes('--quick') ? 'quick' : 'full';
  const start = performance.now();
  const loadAverage = Math.round(loadavg()[0]! * 100) / 100;
  let result: RunResult;
  try {
    const out = await scenario.run(subject, mode === 'quick');
    result = {
      scenario: scenario.name, subject, mode, ok: true,
      work: out.work, metrics: out.metrics,
      peakRssKiB: process.resourceUsage().maxRSS,
      serverPeakRssKiB: out.serverPeakRssKiB ?? undefined,
      elapsedMs: Math.round(performance.now() - start),
      loadAverage,
      notes: out.notes && out.notes.length > 0 ? out.notes : undefined,
    };
  } catch (err) {
    result = {
      scenario: scenario.name, subject, mode, ok: false,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      elapsedMs: Math.round(performance.now() - start),
    };
  } finally {
    removeTempDirs();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
