import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@fleetsign/devstack';
import type { Figure, MissingFigure } from './figures';
import type { MachineInfo } from './machine-info';

/** Version of the results file layout. */
export const RESULTS_FORMAT = 2;

/** How one scenario went: its duration and the machine's load around it (others' work skews figures). */
export interface ScenarioRun {
  name: string;
  ok: boolean;
  seconds: number;
  loadAverageAtStart: number;
  loadAverageAtEnd: number;
  /** Share of all CPUs busy during the scenario (/proc/stat), whoever used them. */
  cpuBusyShare?: number;
}

/** Everything one run measured, as written to bench/results/latest.json. */
export interface BenchResults {
  format: typeof RESULTS_FORMAT;
  /** ISO time the run finished. */
  date: string;
  mode: 'quick' | 'full';
  /** Scenarios that ran, in order. */
  scenarios: ScenarioRun[];
  durationSeconds: number;
  machine: MachineInfo;
  figures: Figure[];
  missing: MissingFigure[];
}

/** Writes the results as JSON so a reader never sees a half-written file (temp file + rename). */
export async function writeResults(path: string, results: BenchResults): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(results, null, 2)}\n`);
}
