import type { Scenario } from './core/scenario';
import { bullmqNoopRateScenario } from './limits/bullmq-noop-rate';
import { hsmSignRateScenario } from './limits/hsm-sign-rate';
import { pemSignRateScenario } from './limits/pem-sign-rate';
import { sha256RateScenario } from './limits/sha256-rate';
import { cliBaselineScenario } from './baseline/cli-baseline';
import { batchScenario } from './e2e/batch-scenario';
import { logCostScenario } from './e2e/log-cost-scenario';
import { releaseLatencyScenario } from './e2e/release-latency-scenario';
import { signerMemoryScenario } from './e2e/signer-memory-scenario';
import { signerScaleScenario } from './e2e/signer-scale-scenario';
import { throughputScenario } from './e2e/throughput-scenario';

const KIB_64 = 64 * 1024;
const MIB_1 = 1024 * 1024;

/** Every scenario, in the order a full run executes them: this machine's limits first. */
export const SCENARIOS: readonly Scenario[] = [
  hsmSignRateScenario,
  pemSignRateScenario,
  sha256RateScenario,
  bullmqNoopRateScenario,
  // The targets: ECDSA P-256 (fs) against the queue's no-op rate, RSA-3072 against the HSM.
  batchScenario({
    algorithm: 'ecdsa-p256',
    store: 'fs',
    imageBytes: KIB_64,
    count: 2_000,
    quickCount: 300,
    target: { kind: 'ratio-at-least', min: 0.15 },
  }),
  batchScenario({
    algorithm: 'rsa3072',
    store: 'fs',
    imageBytes: KIB_64,
    count: 2_000,
    quickCount: 300,
    target: { kind: 'ratio-at-least', min: 0.7 },
  }),
  batchScenario({ algorithm: 'ecdsa-p256', store: 'fs', imageBytes: MIB_1, count: 200, quickCount: 40 }),
  batchScenario({ algorithm: 'rsa3072', store: 'fs', imageBytes: MIB_1, count: 200, quickCount: 40 }),
  batchScenario({ algorithm: 'ecdsa-p256', store: 's3', imageBytes: KIB_64, count: 500, quickCount: 100 }),
  batchScenario({ algorithm: 'rsa3072', store: 's3', imageBytes: KIB_64, count: 500, quickCount: 100 }),
  // Single jobs (POST /v1/jobs) with the same images, to compare with batches.
  throughputScenario({
    algorithm: 'ecdsa-p256',
    store: 'fs',
    imageBytes: KIB_64,
    count: 500,
    quickCount: 100,
  }),
  throughputScenario({ algorithm: 'rsa3072', store: 'fs', imageBytes: KIB_64, count: 500, quickCount: 100 }),
  // What checkpoints and proofs cost a batch, against the same batch without them (same run).
  logCostScenario({ algorithm: 'ecdsa-p256', imageBytes: KIB_64, count: 2_000, quickCount: 300, rounds: 2 }),
  logCostScenario({ algorithm: 'rsa3072', imageBytes: KIB_64, count: 2_000, quickCount: 300, rounds: 2 }),
  releaseLatencyScenario,
  signerScaleScenario,
  signerMemoryScenario,
  cliBaselineScenario,
];

/**
 * The scenarios to run for `only` (all when undefined), plus every scenario they
 * compare to, in registry order. Unknown names are an error listing the known ones.
 */
export function selectScenarios(only: readonly string[] | undefined): Scenario[] {
  if (!only) return [...SCENARIOS];
  const byName = new Map(SCENARIOS.map((scenario) => [scenario.name, scenario]));
  const unknown = only.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  const chosen = new Set<string>();
  const add = (name: string): void => {
    if (chosen.has(name)) return;
    chosen.add(name);
    for (const need of byName.get(name)?.needs ?? []) add(need);
  };
  only.forEach(add);
  return SCENARIOS.filter((scenario) => chosen.has(scenario.name));
}
