import { createServiceRegistry } from '@fleetsign/observability';
import { Counter, Gauge, Histogram } from 'prom-client';

/** Pipeline steps whose duration is measured. */
export type SignStep = 'fetch' | 'validate' | 'policy' | 'digest' | 'reuse' | 'usage' | 'sign' | 'verify' | 'store' | 'log';

/**
 * The signer's Prometheus metrics in a registry of its own, so two signers in one
 * process (tests) never collide on the global registry.
 */
export class SignerMetrics {
  readonly registry = createServiceRegistry('signer');

  readonly jobsSucceeded = new Counter({
    name: 'fleetsign_signer_jobs_succeeded_total',
    help: 'Sign jobs completed, by profile and whether an earlier attempt had already produced the output',
    labelNames: ['profile', 'reused'] as const,
    registers: [this.registry],
  });

  readonly attemptsFailed = new Counter({
    name: 'fleetsign_signer_job_attempts_failed_total',
    help: 'Failed sign job attempts, by error code and whether the job will be retried',
    labelNames: ['code', 'retry'] as const,
    registers: [this.registry],
  });

  readonly imagesReused = new Counter({
    name: 'fleetsign_signer_images_reused_total',
    help: 'Jobs answered with the signed file of an earlier job for the same image, profile and keys (no HSM operation)',
    labelNames: ['profile'] as const,
    registers: [this.registry],
  });

  readonly batchItemsFinished = new Counter({
    name: 'fleetsign_signer_batch_items_finished_total',
    help: 'Batch items counted as final, by outcome (succeeded, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly batchesCompleted = new Counter({
    name: 'fleetsign_signer_batches_completed_total',
    help: 'Batches whose manifest was written',
    registers: [this.registry],
  });

  readonly signDuration = new Histogram({
    name: 'fleetsign_signer_sign_duration_seconds',
    help: 'Time the keys (HSM, KMS) took to sign one image with all profile keys, by scheme',
    labelNames: ['scheme'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly stepDuration = new Histogram({
    name: 'fleetsign_signer_step_duration_seconds',
    help: 'Time spent in each pipeline step (fetch, validate, policy, digest, reuse, usage, sign, verify, store, log)',
    labelNames: ['step'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'fleetsign_signer_job_duration_seconds',
    help: 'Time one sign job attempt took, by outcome (succeeded, failed)',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly profileAvailable = new Gauge({
    name: 'fleetsign_signer_profile_available',
    help: 'Whether a profile can sign on this signer (1) or not (0: keys did not open, or revoked)',
    labelNames: ['profile', 'state'] as const,
    registers: [this.registry],
  });

  readonly keySignaturesRemaining = new Gauge({
    name: 'fleetsign_signer_key_signatures_remaining',
    help: 'Signatures a key with a usage_limit has left, by profile, key index and limit (total: max_signatures; window: max per window), as this signer last counted',
    labelNames: ['profile', 'key', 'limit'] as const,
    registers: [this.registry],
  });

  /** Records the state of every profile (replacing earlier values). */
  setProfiles(profiles: ReadonlyArray<{ name: string; state: string }>): void {
    this.profileAvailable.reset();
    for (const { name, state } of profiles) this.profileAvailable.set({ profile: name, state }, state === 'available' ? 1 : 0);
  }
}
