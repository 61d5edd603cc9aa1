import { DevStackError, findRepoRoot, readLogTail } from '@fleetsign/devstack';
import { isFleetSignError } from '@fleetsign/errors';
import { DemoError } from './demo-error';
import { demoPaths } from './demo-paths';
import { runDemo } from './run-demo';
import { resultLine, summaryLines } from './summary';

// `npm run demo`: the whole FleetSign stack on this machine (Redis, SoftHSM2, gateway,
// signer, notifier as separate processes), one firmware image signed through the API.
// ensure-env and the build have run before; this installs nothing.

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** One line for any error: ours carry a clear message; anything else gets its type. */
function describe(err: unknown): string {
  if (err instanceof DemoError || err instanceof DevStackError) return err.message;
  if (isFleetSignError(err)) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

async function main(): Promise<number> {
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    // A second Ctrl-C stops at once; the child processes die with us (pdeathsig / exit hook).
    if (interrupt.signal.aborted) process.exit(130);
    process.stderr.write(`fleetsign demo: ${signal}: stopping the services...\n`);
    interrupt.abort(new DemoError(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const paths = demoPaths(findRepoRoot(__dirname));
    const report = await runDemo(paths, (line) => print(`[demo] ${line}`), interrupt.signal);
    for (const line of summaryLines(report)) print(line);
    print(JSON.stringify(resultLine(report)));
    return 0;
  } catch (err) {
    process.stderr.write(`fleetsign demo: FAILED: ${describe(err)}\n`);
    const logPath = err instanceof DemoError || err instanceof DevStackError ? err.logPath : undefined;
    const tail = logPath ? await readLogTail(logPath, 15) : '';
    if (tail) process.stderr.write(`--- last lines of ${logPath} ---\n${tail}\n---\n`);
    return 1;
  }
}

void main().then((code) => process.exit(code));
