/** The one JSON line a child prints: one scenario run against one subject. */
import type { Figure } from './scenarios/types.js';
import type { SubjectName } from './subjects/names.js';

export interface RunResult {
  scenario: string;
  subject: SubjectName;
  mode: 'full' | 'quick';
  ok: boolean;
  error?: string;
  work?: Record<string, number | string | boolean>;
  metrics?: Record<string, Figure>;
  /** Peak resident memory of the child process (the measuring process), in KiB. */
  peakRssKiB?: number;
  serverPeakRssKiB?: number | null;
  elapsedMs: number;
  /** The 1-minute load average when this run started. */
  loadAverage?: number;
  notes?: string[];
  /**
   * When the scenario ran in several rounds: the headline metric of every round, in run order. This result is the
   * round with the median headline.
   */
  rounds?: (number | null)[];
}
