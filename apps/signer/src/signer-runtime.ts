import { BatchItemStore, checkRedisPersistence, SIGN_JOB_MAX_STALLED, createWorker, type FleetSignQueue, type FleetSignWorker, QueueName, type RetryPolicy, SIGN_RETRY_FIRST_DELAY_MS } from '@fleetsign/queue';
import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { waitForRedis } from '@fleetsign/process-kit';
import { publishProfileKeys } from '@fleetsign/queue/profile-key-directory';
import { type ObjectStore, STORE_PROBE_KEY } from '@fleetsign/storage';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BatchAccounting } from './batch/batch-accounting';
import { createBatchFinaliser } from './batch/batch-finaliser';
import { BatchLogProofs } from './batch/batch-log-proofs';
import { watchFinalFailures } from './batch/final-failure-watch';
import { ProfileKeyRegistry } from './keys/profile-key-registry';
import { type OpenProfile, profileKeysRecord } from './keys/profile-keys';
import { readCertificatePems } from './policy/certificate-material';
import { WebhookEnqueuer } from './notify/webhook-enqueuer';
import { type HealthServer, startHealthServer } from '@fleetsign/observability';
import { SignerHealthReporter } from './observability/signer-health-reporter';
import { SignerMetrics } from './observability/signer-metrics';
import { SignPipeline } from './pipeline/sign-pipeline';
import type { SignerSettings } from './settings/signer-settings';
import { BATCH_QUEUE, CHECKPOINTER, OBJECT_STORE, REDIS_CONNECTIONS, SIGNER_LOGGER, SIGNER_SETTINGS, WEBHOOK_QUEUE } from './signer.tokens';
import type { Checkpointer } from './transparency-log/checkpointer';
import { TransparencyLog } from './transparency-log/transparency-log';
import { LogLayout } from '@fleetsign/tlog';
import { createSignJobProcessor } from './worker/sign-job-processor';
import { KeyUsageGuard } from './usage/key-usage-guard';

/** The signer's two Redis connections. */
export interface SignerRedis {
  /** Queue adds, the audit chain and the key directory: fails fast when Redis is away. */
  commands: Redis;
  /** Handed to the BullMQ worker (which duplicates it for blocking reads). */
  worker: Redis;
}

/** Batches finalised at once per signer: each streams one manifest. */
const BATCH_FINALISER_CONCURRENCY = 2;

/** How long start-up waits for Redis: a signer without Redis has nothing to do, so it then fails. */
const REDIS_START_TIMEOUT_MS = 15_000;

async function quit(redis: Redis): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}

/**
 * Starts and stops the signer around its keys: publishes each available profile's
 * public keys, starts the `sign` worker, the `batch` worker (batch manifests) and the
 * metrics/health listener, and on
 * shutdown lets running jobs finish (bounded by shutdownTimeoutMs) before closing the
 * keys (PKCS#11 finalise), the queues and Redis.
 */
@Injectable()
export class SignerRuntime implements BeforeApplicationShutdown {
  private signWorker?: FleetSignWorker<QueueName.Sign>;
  private batchWorker?: FleetSignWorker<QueueName.Batch>;
  private health?: HealthServer;
  private healthReporter?: SignerHealthReporter;
  private ready = false;
  private stopping?: Promise<void>;

  constructor(
    @Inject(SIGNER_SETTINGS) private readonly settings: SignerSettings,
    @Inject(SIGNER_LOGGER) private readonly logger: Logger,
    @Inject(REDIS_CONNECTIONS) private readonly redis: SignerRedis,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(WEBHOOK_QUEUE) private readonly webhookQueue: FleetSignQueue<QueueName.Webhook>,
    @Inject(BATCH_QUEUE) private readonly batchQueue: FleetSignQueue<QueueName.Batch>,
    @Inject(BatchAccounting) private readonly batches: BatchAccounting,
    @Inject(BatchItemStore) private readonly batchItems: BatchItemStore,
    @Inject(ProfileKeyRegistry) private readonly registry: ProfileKeyRegistry,
    @Inject(SignPipeline) private readonly pipeline: SignPipeline,
    @Inject(WebhookEnqueuer) private readonly webhooks: WebhookEnqueuer,
    @Inject(SignerMetrics) private readonly metrics: SignerMetrics,
    @Inject(CHECKPOINTER) private readonly checkpointer: Checkpointer | null,
    @Inject(KeyUsageGuard) private readonly usage: KeyUsageGuard,
    @Inject(TransparencyLog) private readonly log: TransparencyLog,
    @Inject(LogLayout) private readonly layout: LogLayout,
  ) {
    for (const [role, connection] of Object.entries(redis)) {
      connection.on('error', (err: Error) => logger.warn({ connection: role, reason: err.message }, 'redis connection error'));
    }
    for (const queue of [webhookQueue, batchQueue]) {
      queue.on('error', (err: Error) => logger.warn({ queue: queue.name, reason: err.message }, 'queue error'));
    }
  }

  /** The `sign` worker, once started. */
  get worker(): FleetSignWorker<QueueName.Sign> | undefined {
    return this.signWorker;
  }

  /** Base URL of the metrics/health listener, when one runs. */
  get metricsUrl(): string | undefined {
    return this.health?.url;
  }

  /** True once keys are loaded and the worker takes jobs; false again while stopping. */
  isReady(): boolean {
    return this.ready && this.signWorker?.isRunning() === true && this.batchWorker?.isRunning() === true && this.redis.commands.status === 'ready';
  }

  /** Publishes the available profiles' keys, then starts the worker and the listener. */
  async start(): Promise<void> {
    if (!(await waitForRedis(this.redis.commands, REDIS_START_TIMEOUT_MS))) {
      throw new FleetSignError(ErrorCode.Internal, `Redis did not answer within ${REDIS_START_TIMEOUT_MS} ms (check REDIS_URL)`);
    }
    await checkRedisPersistence(this.redis.commands, {
      allowVolatile: this.settings.redis.allowVolatile,
      process: 'signer',
      warn: (message) => this.logger.warn(message),
    });
    for (const profile of this.registry.availableProfiles()) await this.publish(profile);
    this.registry.onProfileOpened(async (profile) => {
      this.metrics.setProfiles(this.registry.status());
      await this.publish(profile);
    });
    this.registry.onStateChanged(() => this.metrics.setProfiles(this.registry.status()));
    this.metrics.setProfiles(this.registry.status());

    const { signer, redis, process: proc } = this.settings;
    const retry: RetryPolicy = { horizonMs: signer.retryHorizonMs, firstDelayMs: SIGN_RETRY_FIRST_DELAY_MS, maxDelayMs: signer.retryMaxDelayMs };
    const processor = createSignJobProcessor({
      retry,
      profiles: this.registry,
      pipeline: this.pipeline,
      webhooks: this.webhooks,
      metrics: this.metrics,
      logger: this.logger,
      batches: this.batches,
    });
    const lock = { lockDuration: proc.lockDurationMs, stalledInterval: proc.stalledIntervalMs, maxStalledCount: SIGN_JOB_MAX_STALLED };
    this.signWorker = createWorker(QueueName.Sign, processor, {
      connection: this.redis.worker,
      prefix: redis.prefix,
      concurrency: signer.concurrency,
      retry,
      ...lock,
    });
    this.signWorker.on('error', (err) => this.logger.error({ err }, 'sign worker error'));
    watchFinalFailures(this.signWorker, this.batches, this.logger);
    const finaliser = createBatchFinaliser({
      items: this.batchItems,
      store: this.store,
      webhookQueue: this.webhookQueue,
      fleet: this.settings.fleet,
      logger: this.logger,
      metrics: this.metrics,
      ...(this.checkpointer ? { logProofs: new BatchLogProofs(this.checkpointer, this.store, this.layout) } : {}),
    });
    this.batchWorker = createWorker(QueueName.Batch, finaliser, {
      connection: this.redis.worker,
      prefix: redis.prefix,
      concurrency: BATCH_FINALISER_CONCURRENCY,
      ...lock,
    });
    this.batchWorker.on('error', (err) => this.logger.error({ err }, 'batch worker error'));
    await Promise.all([this.signWorker.waitUntilReady(), this.batchWorker.waitUntilReady()]);
    await this.checkpointer?.start();

    if (proc.metrics) {
      this.health = await startHealthServer({
        ...proc.metrics,
        registry: this.metrics.registry,
        isReady: () => this.isReady(),
        details: () => ({ profiles: this.registry.status() }),
        readinessProbes: {
          redis: () => this.redis.commands.ping(),
          store: () => this.store.head(STORE_PROBE_KEY),
          // Ready to sign every profile it serves: a profile whose keys are away makes it unready.
          keys: async () => {
            const away = this.registry.status().filter((profile) => profile.state === 'unavailable');
            if (away.length > 0) throw new Error(`keys unavailable for ${away.map((profile) => profile.name).join(', ')}`);
          },
        },
      });
    }
    // The operator console's view of this signer: profiles, keys, sessions.
    this.healthReporter = new SignerHealthReporter(this.redis.commands, redis.prefix, this.registry, this.logger);
    await this.healthReporter.start();
    this.ready = true;
    this.indexLogInBackground();
    this.logger.info(
      { queue: QueueName.Sign, prefix: redis.prefix, concurrency: signer.concurrency, metricsUrl: this.health?.url, profiles: this.registry.status() },
      'signer started',
    );
  }

  /** Gives a log written before the revocation status index its pointers, without holding up signing. */
  private indexLogInBackground(): void {
    this.log.completeDigestIndex().then(
      (entries) => entries > 0 && this.logger.info({ entries }, 'transparency log indexed by SHA-256 for the revocation status'),
      (err: unknown) => this.logger.warn({ err }, 'indexing the transparency log by SHA-256 failed; the next start tries again'),
    );
  }

  /** Nest calls this on app.close() (SIGTERM/SIGINT in main.ts). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Stops in order: worker (running jobs finish), keys, queue, object store, listener, Redis. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.stopInOrder();
    return this.stopping;
  }

  private async stopInOrder(): Promise<void> {
    this.ready = false;
    await this.healthReporter?.stop();
    await Promise.all([this.signWorker, this.batchWorker].map((worker) => worker && this.closeWorker(worker)));
    // The last checkpoint covers every entry the finished jobs appended.
    await this.checkpointer?.stop().catch((err: unknown) => this.logger.warn({ err }, 'the shutdown checkpoint failed'));
    await this.registry.close();
    for (const queue of [this.webhookQueue, this.batchQueue]) {
      await queue.close().catch((err: unknown) => this.logger.warn({ err, queue: queue.name }, 'closing a queue failed'));
    }
    await this.store.close().catch((err: unknown) => this.logger.warn({ err }, 'closing the object store failed'));
    await this.health?.close().catch((err: unknown) => this.logger.warn({ err }, 'closing the health listener failed'));
    await quit(this.redis.commands);
    await quit(this.redis.worker);
    this.logger.info('signer stopped');
  }

  /** Lets running jobs finish, up to shutdownTimeoutMs; past that they are left to BullMQ's stalled-job recovery. */
  private async closeWorker(worker: FleetSignWorker<QueueName.Sign> | FleetSignWorker<QueueName.Batch>): Promise<void> {
    const timeoutMs = this.settings.signer.shutdownTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const closed = worker.close().then(
      () => false as const,
      (err: unknown) => {
        this.logger.warn({ err, queue: worker.name }, 'closing a worker failed');
        return false as const;
      },
    );
    const late = await Promise.race([closed, timedOut]);
    clearTimeout(timer);
    if (late) {
      this.logger.warn({ timeoutMs, queue: worker.name }, 'running jobs did not finish in time; another signer will take them over');
      await worker.disconnect().catch(() => undefined);
    }
  }

  private async publish(profile: OpenProfile): Promise<void> {
    const config = this.settings.fleet.profiles.find((candidate) => candidate.name === profile.name);
    const certificates = await readCertificatePems(config?.certificates);
    await publishProfileKeys(this.redis.commands, this.settings.redis.prefix, profileKeysRecord(profile, new Date(), certificates));
    // The remaining-signatures gauge starts from the shared counts, not from this signer's first job.
    await this.usage.report(profile).catch((err: unknown) => this.logger.warn({ err, profile: profile.name }, 'reading key usage failed'));
  }
}
