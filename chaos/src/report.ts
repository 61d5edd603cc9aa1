import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@fleetsign/devstack';
import type { AuditVerdict } from './audit-verify';
import type { FaultBatch } from './fault-batches';
import type { TamperOutcome } from './tamper';
import type { ChaosTally } from './tally';

/** Everything one chaos run found, as written to chaos/results/latest.json. */
export interface ChaosResults extends ChaosTally {
  date: string;
  mode: 'quick' | 'full';
  durationSeconds: number;
  /** Signed objects that are missing, differ from their reported digest or do not verify. */
  corrupt: number;
  logEntries?: number;
  logVerifies: boolean;
  /** `fleetsign audit verify --store-dir` on the store after the run. */
  audit: AuditVerdict;
  tampering: TamperOutcome[];
  batches: Array<Omit<FaultBatch, 'outcomes' | 'signed'>>;
  /** Every check held (the exit code is 0). */
  passed?: boolean;
}

/** Writes the results as JSON so a reader never sees a half-written file. */
export async function writeChaosResults(path: string, results: ChaosResults): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, `${JSON.stringify(results, null, 2)}\n`);
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`;
}

/** The table `npm run chaos` prints. */
export function renderChaosTable(results: ChaosResults): string {
  const failed = Object.entries(results.failedByCode);
  const detected = results.tampering.filter((outcome) => outcome.detected).length;
  const rows: Array<[string, string]> = [
    ...results.batches.map((batch): [string, string] => [
      `fault: ${batch.fault.fault}`,
      `${batch.fault.injected ? batch.fault.detail : `not injected (${batch.fault.detail})`}; batch of ${batch.items} ${batch.completed ? 'completed' : 'NOT completed'} in ${batch.seconds.toFixed(1)} s`,
    ]),
    ['tried', String(results.tried)],
    ['succeeded', String(results.succeeded)],
    ['failed by code', failed.length === 0 ? '0' : failed.map(([code, n]) => `${code} ${n}`).join(', ')],
    ['failed by infrastructure faults', String(results.failedByInfrastructure)],
    ['lost (accepted, never final)', String(results.lost)],
    ['duplicated (log entries or signed objects)', String(results.duplicated)],
    ['corrupt (re-verified with the profile key)', String(results.corrupt)],
    [
      'takeover after signer SIGKILL',
      results.takeover.samples === 0
        ? 'no job was taken over'
        : `p50 ${seconds(results.takeover.p50Ms)}, p99 ${seconds(results.takeover.p99Ms)} (${results.takeover.samples} jobs)`,
    ],
    // The CLI's own line starts with its verdict (`ok: …` or `audit: <reason>`).
    ['audit verify', results.audit.ok ? results.audit.line : `FAILED: ${results.audit.line}`],
    ['tampering detected', `${detected}/${results.tampering.length}`],
    ...results.tampering.map((outcome): [string, string] => [`  ${outcome.name}`, `${outcome.detected ? 'detected' : 'NOT DETECTED'}: ${outcome.reason}`]),
    ['verdict', results.passed ? 'PASS' : 'FAIL'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return `${rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')}\n`;
}
