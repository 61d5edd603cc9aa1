import { Command, InvalidArgumentError } from 'commander';

/** Command-line options of the benchmark. */
export interface BenchOptions {
  /** Smaller counts and shorter windows, for a quick look (one to two minutes). */
  quick: boolean;
  /** Scenario names to run (plus the limits they compare to); undefined runs every scenario. */
  only?: string[];
  /** Print the scenario names and exit. */
  list: boolean;
  /** Keep the temporary folder (Redis, token, stores, logs) for inspection. */
  keepWorkDir: boolean;
  /** Where the results JSON goes; default bench/results/latest.json. */
  output?: string;
  /** Folder for V8 CPU profiles of every signer process (summarised on stderr); none when undefined. */
  profileSigner?: string;
}

function collectNames(value: string, previous: string[] | undefined): string[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('name at least one scenario');
  return [...(previous ?? []), ...names];
}

/** Parses the benchmark's arguments (without node and the script path). */
export function parseBenchOptions(args: readonly string[]): BenchOptions {
  const program = new Command('npm run bench --')
    .description(
      'FleetSign benchmark: machine limits, end-to-end signing through gateway/signer/notifier, per-process baseline',
    )
    .option('--quick', 'short run with small counts', false)
    .option(
      '--only <scenarios>',
      'run only these scenarios (comma-separated, repeatable) and the limits they need',
      collectNames,
    )
    .option('--list', 'list the scenarios and exit', false)
    .option('--keep-work-dir', 'keep the temporary folder with logs, token and stores', false)
    .option('--output <path>', 'results file (default bench/results/latest.json)')
    .option(
      '--profile-signer <dir>',
      'write a V8 CPU profile of each signer process to <dir> and print where its CPU time went',
    )
    .allowExcessArguments(false)
    .exitOverride();
  program.parse([...args], { from: 'user' });
  const opts = program.opts<{
    quick: boolean;
    only?: string[];
    list: boolean;
    keepWorkDir: boolean;
    output?: string;
    profileSigner?: string;
  }>();
  return {
    quick: opts.quick,
    only: opts.only,
    list: opts.list,
    keepWorkDir: opts.keepWorkDir,
    output: opts.output,
    profileSigner: opts.profileSigner,
  };
}
