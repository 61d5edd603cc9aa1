import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CommanderError } from 'commander';
import { cpus } from 'node:os';
import type { Figure, MissingFigure } from './core/figures';
import {
  busyShare,
  collectMachineInfo,
  cpuIdleShare,
  cpuJiffies,
  loadAverage,
  loadAverages,
} from './core/machine-info';
import { nowMs } from './core/measure';
import { parseBenchOptions, type BenchOptions } from './core/options';
import { progress } from './core/progress';
import { renderTable } from './core/report-table';
import { RESULTS_FORMAT, writeResults, type ScenarioRun } from './core/results-file';
import { findRepoRoot } from '@fleetsign/devstack';
import { RunContext } from './core/run-context';
import type { Scenario } from './core/scenario';
import { SCENARIOS, selectScenarios } from './scenarios';

// Entry of `npm run bench`: measures this machine's limits, then FleetSign end to end
// and the per-process baseline; progress on stderr, the table on stdout, every figure
// in bench/results/latest.json.

async function runBench(options: BenchOptions, scenarios: readonly Scenario[]): Promise<number> {
  const root = findRepoRoot(__dirname);
  const output = resolve(options.output ?? join(root, 'bench', 'results', 'latest.json'));
  const workDir = await mkdtemp(join(tmpdir(), 'fleetsign-bench-'));
  const profileDir = options.profileSigner === undefined ? undefined : resolve(options.profileSigner);
  const ctx = new RunContext(options.quick, root, workDir, profileDir);
  const started = nowMs();
  const figures: Figure[] = [];
  const missing: MissingFigure[] = [];
  const runs: ScenarioRun[] = [];
  let failures = 0;
  const loadsAtStart = loadAverages();
  const idleAtStart = await cpuIdleShare();
  // The load average also counts tasks waiting on I/O; the idle share says whether others use the CPUs now.
  if (idleAtStart !== undefined && idleAtStart < 0.8) {
    progress(
      `warning: the CPUs were only ${Math.round(idleAtStart * 100)}% idle before the run (load average ${loadsAtStart.join(', ')} on ${cpus().length} CPUs); other work will lower every figure`,
    );
  }
  progress(
    `${options.quick ? 'quick' : 'full'} run: ${scenarios.map((s) => s.name).join(', ')} (work folder ${workDir})`,
  );
  try {
    for (const scenario of scenarios) {
      progress(`${scenario.name}: ${scenario.title}`);
      const run: ScenarioRun = {
        name: scenario.name,
        ok: false,
        seconds: 0,
        loadAverageAtStart: loadAverage(),
        loadAverageAtEnd: 0,
      };
      const scenarioStart = nowMs();
      const jiffiesAtStart = await cpuJiffies().catch(() => undefined);
      runs.push(run);
      try {
        const outcome = await scenario.run(ctx);
        ctx.addFigures(outcome.figures);
        figures.push(...outcome.figures);
        missing.push(...(outcome.missing ?? []));
        run.ok = true;
      } catch (err) {
        failures++;
        const reason = err instanceof Error ? err.message : String(err);
        progress(`${scenario.name} FAILED: ${reason}`);
        if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
        missing.push({ id: scenario.name, label: scenario.title, reason: `failed: ${reason}` });
      }
      run.seconds = (nowMs() - scenarioStart) / 1000;
      run.loadAverageAtEnd = loadAverage();
      const jiffiesAtEnd = await cpuJiffies().catch(() => undefined);
      if (jiffiesAtStart && jiffiesAtEnd) run.cpuBusyShare = busyShare(jiffiesAtStart, jiffiesAtEnd);
    }
  } finally {
    await ctx.close().catch((err: unknown) => progress(`stopping services failed: ${String(err)}`));
    if (options.keepWorkDir) progress(`work folder kept: ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }
  const durationSeconds = (nowMs() - started) / 1000;
  await writeResults(output, {
    format: RESULTS_FORMAT,
    date: new Date().toISOString(),
    mode: options.quick ? 'quick' : 'full',
    scenarios: runs,
    durationSeconds,
    machine: await collectMachineInfo(loadsAtStart, idleAtStart),
    figures,
    missing,
  });
  process.stdout.write(renderTable(figures, missing));
  progress(`done in ${durationSeconds.toFixed(0)} s; results in ${output}`);
  return failures > 0 ? 1 : 0;
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (err) {
    // Commander has printed the help or the problem already.
    process.exitCode = err instanceof CommanderError && err.exitCode === 0 ? 0 : 2;
    return;
  }
  if (options.list) {
    for (const scenario of SCENARIOS) process.stdout.write(`${scenario.name.padEnd(30)} ${scenario.title}\n`);
    return;
  }
  // Ctrl-C: exit, which stops every child process the run started (devstack's exit hook).
  process.once('SIGINT', () => {
    progress('interrupted');
    process.exit(130);
  });
  let scenarios: Scenario[];
  try {
    scenarios = selectScenarios(options.only);
  } catch (err) {
    process.stderr.write(`fleetsign-bench: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  process.exitCode = await runBench(options, scenarios);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `fleetsign-bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
