import { type FleetSignApi, type ProfilePublicKeys, fetchBytes } from '@fleetsign/api';
import { builtServiceEntry, FLEET_ROLES, lockDataDir, pollUntil, writeFileAtomic } from '@fleetsign/devstack';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bounded } from './bounded';
import { CleanupStack } from './cleanup-stack';
import { DEMO_PROFILE } from './demo-config';
import { DemoError } from './demo-error';
import { buildDemoImage, type DemoImage } from './demo-image';
import type { DemoPaths } from './demo-paths';
import { startDemoStack } from './demo-stack';
import { type SignedJob, signThroughApi } from './sign-through-api';
import { StepTimer } from './step-timer';
import { verifySignedImageLocally, type LocalVerification } from './verify-signed-image';

/** Largest signed image the demo downloads (its own image is a few KiB; ESP flash ends at 32 MiB). */
const SIGNED_IMAGE_MAX_BYTES = 32 * 1024 * 1024;

/** Everything the summary shows about a successful run. */
export interface DemoReport extends SignedJob {
  paths: DemoPaths;
  gatewayUrl: string;
  redis: string;
  token: { label: string; reused: boolean };
  image: DemoImage;
  publicKey: ProfilePublicKeys['keys'][number];
  /** The gateway's view of the webhook delivery once the receiver had answered. */
  deliveryState: string;
  verification: LocalVerification;
  signedPath: string;
  publicKeyPath: string;
  timings: StepTimer;
}

/** Progress output of a run. */
export type ProgressLog = (line: string) => void;

function checkBuilt(paths: DemoPaths): void {
  const missing = FLEET_ROLES.filter((role) => !existsSync(builtServiceEntry(paths.root, role)));
  if (missing.length) {
    const first = builtServiceEntry(paths.root, missing[0]);
    throw new DemoError(`${missing.join(', ')} not built (${first} missing): run npm run build`);
  }
}

/** Polls the job until the gateway reports its webhook delivered or failed (the notifier records it just after the receiver answers). */
async function deliveryState(client: FleetSignApi, jobId: string, signal: AbortSignal): Promise<string> {
  return pollUntil(
    async () => {
      const job = await client.getJob(jobId);
      return job.webhook && job.webhook.state !== 'pending' ? job.webhook.state : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 100, description: 'the gateway to report the webhook delivery', signal },
  );
}

/**
 * One demo run: prepares the data directory, starts Redis and the three services,
 * signs a generated ESP32-S3 image through the public API, receives and verifies the
 * webhook, downloads and verifies the signed image, then stops everything (also on
 * failure). Every wait is bounded; `signal` (Ctrl-C) ends the run early.
 */
export async function runDemo(paths: DemoPaths, log: ProgressLog, signal: AbortSignal): Promise<DemoReport> {
  checkBuilt(paths);
  const timings = new StepTimer();
  const cleanup = new CleanupStack();
  // Aborted on Ctrl-C and when the run ends, so no poll outlives it.
  const runAbort = new AbortController();
  const onAbort = () => runAbort.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let report: DemoReport | undefined;
  let failure: unknown;
  try {
    await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
    cleanup.push('unlock', await lockDataDir(paths.lockFile, 'demo'));
    log(`data directory ${paths.dataDir}`);
    const runId = randomBytes(6).toString('hex');
    const stack = await startDemoStack(paths, runId, { log, timings, cleanup, signal: runAbort.signal });

    const image = buildDemoImage();
    const signed = await signThroughApi(stack, image, runId, { paths, log, timings });
    const { job } = signed;

    const signedPath = join(paths.outDir, `${job.id}.signed.bin`);
    const publicKeyPath = join(paths.outDir, `${DEMO_PROFILE}.pub.pem`);
    const verification = await timings.time('download and verify', async () => {
      const bytes = await bounded(fetchBytes(job.result.downloadUrl, SIGNED_IMAGE_MAX_BYTES, runAbort.signal), {
        timeoutMs: 30_000,
        description: 'the signed image download',
        stop: stack.stop,
      });
      await writeFileAtomic(signedPath, bytes);
      await writeFileAtomic(publicKeyPath, stack.profileKey.publicKeyPem);
      return verifySignedImageLocally(image.bytes, bytes, {
        publicKeyPem: stack.profileKey.publicKeyPem,
        keyDigestEfuse: stack.profileKey.keyDigestEfuse,
        imageSha256: job.result.imageSha256,
        signedSha256: job.result.signedSha256,
      });
    });
    log('signed image verified locally (verifyV2 + node:crypto)');

    report = {
      ...signed,
      paths,
      gatewayUrl: stack.gatewayUrl,
      redis: stack.redis.description,
      token: { label: stack.setup.token.tokenLabel, reused: !stack.setup.token.createdToken },
      image,
      publicKey: stack.profileKey,
      deliveryState: await Promise.race([deliveryState(stack.client, job.id, runAbort.signal), stack.stop]),
      verification,
      signedPath,
      publicKeyPath,
      timings,
    };
  } catch (err) {
    failure = err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    runAbort.abort(new DemoError('the run ended'));
    const cleanupFailure = await timings.time('shut down', () => cleanup.runAll());
    failure ??= cleanupFailure;
  }
  if (failure !== undefined || !report) throw failure ?? new DemoError('the demo ended without a result');
  return report;
}
