import { createPublicKey } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { findRepoRoot } from '@fleetsign/devstack';
import { objectSource } from '@fleetsign/storage';
import { LogLayout, MAX_LOG_OBJECT_BYTES, verifyLog } from '@fleetsign/tlog';
import { progress, setProgressLabel } from '../../bench/src/core/progress';
import { FleetSignApi } from '@fleetsign/api';
import { startWebhookReceiver } from '../../bench/src/e2e/webhook-receiver';
import { BENCH_PROFILES, BENCH_TENANT } from '../../bench/src/stack/fleet-config';
import { auditVerify } from './audit-verify';
import { type ChaosStack, startChaosStack } from './chaos-stack';
import { activeAgainAt, type FaultBatch, type FaultPhase, runFaultBatches } from './fault-batches';
import { hsmOutage, redisCrash, signerKills, storeOutage } from './faults';
import { renderChaosTable, type ChaosResults, writeChaosResults } from './report';
import { checkSignedObjects } from './signed-objects';
import { countDuplicated, takeoverSummary, takeoverTimes, tallyItems } from './tally';
import { runTamperCases } from './tamper';

// Entry of `npm run chaos`: batches signed while parts of FleetSign are killed or taken
// away, then the record is checked (nothing lost, duplicated or corrupt; the log verifies
// and tampering with a copy of it is detected). Progress on stderr, the table on stdout,
// everything in chaos/results/latest.json; exit 0 only when every check holds.

/** The bound on takeover after a signer kill (issue 7). */
const TAKEOVER_P99_BOUND_MS = 15_000;
const PROFILE = BENCH_PROFILES['ecdsa-p256'];

interface ChaosOptions {
  quick: boolean;
  output?: string;
  keepWorkDir: boolean;
}

function parseOptions(argv: readonly string[]): ChaosOptions {
  const program = new Command('fleetsign-chaos')
    .description('signs batches while killing and removing parts of FleetSign, then checks the record')
    .option('--quick', 'about 300 images instead of 4,000', false)
    .option('--output <file>', 'results file (default chaos/results/latest.json)')
    .option('--keep-work-dir', 'keep the work folder (logs, store, Redis data)', false)
    .exitOverride();
  program.parse(argv, { from: 'user' });
  return program.opts<ChaosOptions>();
}

function phases(quick: boolean): FaultPhase[] {
  return [
    { name: 'signer-kills', inject: signerKills(quick ? 2 : 6) },
    { name: 'redis-crash', inject: redisCrash },
    { name: 'store-outage', inject: storeOutage },
    { name: 'hsm-outage', inject: hsmOutage },
  ];
}

async function profileKeys(gatewayUrl: string, apiToken: string) {
  const published = await new FleetSignApi({ baseUrl: gatewayUrl, apiKey: apiToken }).profilePublicKeys(PROFILE.name);
  return published.keys.map((key) => createPublicKey(key.publicKeyPem));
}

async function runChaos(options: ChaosOptions): Promise<number> {
  const root = findRepoRoot(__dirname);
  const output = resolve(options.output ?? join(root, 'chaos', 'results', 'latest.json'));
  const workDir = await mkdtemp(join(tmpdir(), 'fleetsign-chaos-'));
  const started = Date.now();
  progress(`${options.quick ? 'quick' : 'full'} chaos run in ${workDir}`);
  const stack = await startChaosStack(root, workDir);
  let results: ChaosResults;
  try {
    results = await runOnStack(root, workDir, stack, options, started);
  } finally {
    await stack.stop();
  }
  await writeChaosResults(output, results);
  process.stdout.write(renderChaosTable(results));
  if (options.keepWorkDir) progress(`work folder kept: ${workDir}`);
  else await rm(workDir, { recursive: true, force: true });
  progress(`done in ${results.durationSeconds} s; results in ${output}`);
  return results.passed ? 0 : 1;
}

/** The batches under faults, then the checks of the record; the stack is stopped by the caller. */
async function runOnStack(root: string, workDir: string, stack: ChaosStack, options: ChaosOptions, started: number): Promise<ChaosResults> {
  const batchSize = options.quick ? 75 : 1_000;
  let batches: FaultBatch[];
  let receiverClose: (() => Promise<void>) | undefined;
  let publicKeys;
  let takeoverAt;
  try {
    const client = new FleetSignApi({ baseUrl: stack.fleet.gatewayUrl, apiKey: stack.config.apiToken });
    const receiver = await startWebhookReceiver(stack.config.webhookSecret);
    receiverClose = () => receiver.close();
    publicKeys = await profileKeys(stack.fleet.gatewayUrl, stack.config.apiToken);
    batches = await runFaultBatches(stack, client, receiver, PROFILE.name, phases(options.quick), batchSize, options.quick ? 180_000 : 420_000);
    const kills = batches.flatMap((batch) => batch.fault.kills ?? []);
    takeoverAt = takeoverTimes(kills, await activeAgainAt(stack, kills.flatMap((kill) => kill.activeJobIds)));
  } finally {
    await receiverClose?.();
    // A graceful stop: the signers write their last checkpoint.
    await stack.fleet.stop(20_000);
  }

  const outcomes = batches.flatMap((batch) => batch.outcomes);
  const items = tallyItems(batches.reduce((n, batch) => n + batch.items, 0), outcomes);
  const log = await verifyLog(objectSource(stack.store, MAX_LOG_OBJECT_BYTES));
  const signed = await checkSignedObjects(stack.store, BENCH_TENANT, batches.flatMap((batch) => batch.signed), publicKeys);
  const duplicated = countDuplicated(log.ok ? log.entries.map((entry) => entry.jobId) : [], signed.jobIds);
  progress('running fleetsign audit verify on the store');
  const audit = await auditVerify(root, stack.storeRoot);

  const layout = new LogLayout();
  const trust = {
    checkpointFile: join(workDir, 'trusted-checkpoint'),
    logKeyFile: join(workDir, 'log-public-key.pem'),
    origin: '',
  };
  await copyFile(join(stack.storeRoot, ...layout.latestCheckpointKey.split('/')), trust.checkpointFile);
  await copyFile(join(stack.storeRoot, ...layout.publicKeyKey.split('/')), trust.logKeyFile);
  trust.origin = (await readFile(trust.checkpointFile, 'utf8')).split('\n')[0];
  progress('tampering with copies of the log');
  const tampering = await runTamperCases(root, stack.storeRoot, workDir, trust);

  const results: ChaosResults = {
    date: new Date().toISOString(),
    mode: options.quick ? 'quick' : 'full',
    durationSeconds: Math.round((Date.now() - started) / 1000),
    ...items,
    duplicated,
    corrupt: signed.corrupt.length,
    logEntries: log.ok ? log.size : undefined,
    logVerifies: log.ok,
    takeover: takeoverSummary(takeoverAt),
    audit,
    tampering,
    batches: batches.map(({ outcomes: _outcomes, signed: _signed, ...batch }) => batch),
  };
  const checks = [
    results.lost === 0,
    results.duplicated === 0,
    results.corrupt === 0,
    results.failedByInfrastructure === 0,
    results.logVerifies && audit.ok,
    tampering.every((outcome) => outcome.detected),
    (results.takeover.p99Ms ?? 0) < TAKEOVER_P99_BOUND_MS,
  ];
  results.passed = checks.every(Boolean);
  return results;
}

async function main(): Promise<void> {
  setProgressLabel('chaos');
  let options: ChaosOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.exitCode = (err as { exitCode?: number }).exitCode === 0 ? 0 : 2;
    return;
  }
  // Ctrl-C: exit, which stops every child process the run started (devstack's exit hook).
  process.once('SIGINT', () => {
    progress('interrupted');
    process.exit(130);
  });
  process.exitCode = await runChaos(options);
}

main().catch((err: unknown) => {
  process.stderr.write(`fleetsign-chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
