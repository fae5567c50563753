/** What every scenario module offers the child runner, and what it reports. */
import type { SubjectName } from '../subjects/names.js';

export type Figure = number | null;

export interface ScenarioResult {
  /** The work actually done (counts, rates, durations), so a reader can see quick runs are smaller. */
  work: Record<string, number | string | boolean>;
  metrics: Record<string, Figure>;
  /** Peak resident memory of a separate server process, in KiB, for wire subjects. */
  serverPeakRssKiB?: number | null;
  notes?: string[];
}

export interface Scenario {
  name: string;
  title: string;
  subjects: readonly SubjectName[];
  /** The metric that ranks repeated runs of this scenario (the run with the median value is reported). */
  headline: string;
  /**
   * How many rounds a full run makes over the subjects (default 1). Short scenarios repeat so that one burst of
   * other work on a shared machine does not decide a ratio; each round runs every subject once, in turn.
   */
  fullRunRounds?: number;
  run(subject: SubjectName, quick: boolean): Promise<ScenarioResult>;
}
