import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { objectSource } from '@fleetsign/storage';
import { MAX_LOG_OBJECT_BYTES, verifyLog } from '@fleetsign/tlog';
import { FleetSignApi } from '@fleetsign/api';
import { startWebhookReceiver, type WebhookReceiver } from '../../../bench/src/e2e/webhook-receiver';
import { BENCH_PROFILES } from '../../../bench/src/stack/fleet-config';
import { auditVerify } from '../../../chaos/src/audit-verify';
import { type ChaosStack, startChaosStack } from '../../../chaos/src/chaos-stack';
import { type FaultBatch, runFaultBatches } from '../../../chaos/src/fault-batches';
import { hsmOutage, redisCrash, signerKills, storeOutage } from '../../../chaos/src/faults';
import { countDuplicated, tallyItems } from '../../../chaos/src/tally';
import { requireTestEnv } from '../../support/test-env';

// `npm run chaos`, smaller: one batch of 60 per fault, on real processes (the built
// gateway, two signers and the notifier under the launcher, which restarts what dies), a
// private Redis with AOF, a SoftHSM2 token and an fs store. Faults: the signers SIGKILLed
// in turn while they hold jobs, Redis SIGKILLed and restarted (AOF replay), the store
// root and the token folder taken away for a while. Every item must end signed (no
// infrastructure fault may fail one), each batch completes with its webhook, the log
// verifies (also by `fleetsign audit verify`) and no job has a second entry.

jest.setTimeout(600_000);

const ROOT = resolve(__dirname, '../../..');
const ITEMS = 60;
const FAULTS = ['signer-kills', 'redis-crash', 'store-outage', 'hsm-outage'] as const;
const BATCH_TIMEOUT_MS = 120_000;

let workDir: string;
let stack: ChaosStack;
let receiver: WebhookReceiver;
let batches: FaultBatch[];

beforeAll(async () => {
  workDir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'batch-faults-'));
  stack = await startChaosStack(ROOT, workDir);
  receiver = await startWebhookReceiver(stack.config.webhookSecret);
  const client = new FleetSignApi({ baseUrl: stack.fleet.gatewayUrl, apiKey: stack.config.apiToken });
  const inject = { 'signer-kills': signerKills(3), 'redis-crash': redisCrash, 'store-outage': storeOutage, 'hsm-outage': hsmOutage };
  const phases = FAULTS.map((name) => ({ name, inject: inject[name] }));
  batches = await runFaultBatches(stack, client, receiver, BENCH_PROFILES['ecdsa-p256'].name, phases, ITEMS, BATCH_TIMEOUT_MS);
  // A graceful stop: the signers write their last checkpoint.
  await stack.fleet.stop(20_000);
});

afterAll(async () => {
  await receiver?.close();
  await stack?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('batches under faults (the chaos scenarios, small)', () => {
  it.each(FAULTS)('%s: the fault hit a running batch, which completed with every item signed', (name) => {
    const batch = batches[FAULTS.indexOf(name)];
    // A batch that finished before the fault landed proves nothing: the fault must have hit it.
    expect(batch.fault.injected).toBe(true);
    expect(batch.completed).toBe(true);
    expect(receiver.events.has(batch.batchId)).toBe(true);
    expect(tallyItems(ITEMS, batch.outcomes)).toEqual({ tried: ITEMS, succeeded: ITEMS, failedByCode: {}, failedByInfrastructure: 0, lost: 0 });
  });

  it('leaves a log that verifies, with one entry per item and none twice', async () => {
    const log = await verifyLog(objectSource(stack.store, MAX_LOG_OBJECT_BYTES));
    if (!log.ok) throw new Error(`the log does not verify: ${log.reason}`);
    const jobIds = batches.flatMap((batch) => batch.signed.map((item) => item.jobId));
    expect(jobIds).toHaveLength(FAULTS.length * ITEMS);
    expect(countDuplicated(log.entries.map((entry) => entry.jobId), jobIds)).toBe(0);
    expect(new Set(log.entries.map((entry) => entry.jobId))).toEqual(new Set(jobIds));
    const audit = await auditVerify(ROOT, stack.storeRoot);
    expect(audit).toMatchObject({ ok: true, line: expect.stringMatching(/^ok: /) });
  });
});
