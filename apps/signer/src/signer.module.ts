import { BatchItemStore, createQueue, createRedisConnection, QueueName } from '@fleetsign/queue';
import { type DynamicModule, Module } from '@nestjs/common';
import { createObjectStore, type ObjectStore, type ObjectStoreConfig } from '@fleetsign/storage';
import { LogLayout } from '@fleetsign/tlog';
import type { Logger } from 'pino';
import { BatchAccounting } from './batch/batch-accounting';
import { createKeyOpener } from './keys/key-opener';
import { ProfileKeyRegistry } from './keys/profile-key-registry';
import { WebhookEnqueuer } from './notify/webhook-enqueuer';
import { SignerMetrics } from './observability/signer-metrics';
import { ImageBufferPool } from './pipeline/image-buffer-pool';
import { SignPipeline } from './pipeline/sign-pipeline';
import { SecureVersionLedger } from './policy/secure-version-ledger';
import { SigningPolicy } from './policy/signing-policy';
import { ReuseIndex } from './reuse/reuse-index';
import type { SignerSettings } from './settings/signer-settings';
import { SignerRuntime, type SignerRedis } from './signer-runtime';
import { AppendLease } from './transparency-log/append-lease';
import { LogHeadCache } from './transparency-log/log-head-cache';
import { LogStore } from './transparency-log/log-store';
import { TransparencyLog } from './transparency-log/transparency-log';
import { BATCH_QUEUE, CHECKPOINTER, OBJECT_STORE, REDIS_CONNECTIONS, SIGNER_LOGGER, SIGNER_SETTINGS, WEBHOOK_QUEUE } from './signer.tokens';
import { Checkpointer } from './transparency-log/checkpointer';
import { KeyUsageGuard } from './usage/key-usage-guard';
import { UsageRecovery } from './usage/usage-recovery';
import { KeyUsageLedger } from '@fleetsign/queue/key-usage-ledger';

/**
 * The signer's object graph: Redis connections, object store, the profile keys
 * (opened while the module is created, so readiness follows key loading), the
 * pipeline and the runtime that starts and stops the worker.
 */
@Module({})
export class SignerModule {
  /** `storage` is the object store settings with secrets already read, so a bad secret fails before anything connects. */
  static register(settings: SignerSettings, storage: ObjectStoreConfig, logger: Logger): DynamicModule {
    return {
      module: SignerModule,
      providers: [
        { provide: SIGNER_SETTINGS, useValue: settings },
        { provide: SIGNER_LOGGER, useValue: logger },
        { provide: SignerMetrics, useFactory: () => new SignerMetrics() },
        {
          provide: REDIS_CONNECTIONS,
          useFactory: (): SignerRedis => ({
            // Commands fail fast while Redis is away (the job is retried); the worker's own connection rides it out.
            commands: createRedisConnection(settings.redis.url, 'producer'),
            worker: createRedisConnection(settings.redis.url, 'worker'),
          }),
        },
        { provide: OBJECT_STORE, useFactory: () => createObjectStore(storage) },
        {
          provide: ProfileKeyRegistry,
          useFactory: () =>
            ProfileKeyRegistry.open(settings.fleet.profiles, createKeyOpener({ env: settings.env, pkcs11Sessions: settings.signer.pkcs11Sessions }), {
              logger,
              retryIntervalMs: settings.process.profileRetryMs,
            }),
        },
        { provide: LogLayout, useFactory: () => new LogLayout(settings.fleet.transparencyLog?.storePrefix) },
        {
          provide: AppendLease,
          useFactory: (redis: SignerRedis) => new AppendLease(redis.commands, settings.redis.prefix),
          inject: [REDIS_CONNECTIONS],
        },
        {
          provide: TransparencyLog,
          useFactory: (redis: SignerRedis, store: ObjectStore, layout: LogLayout, lease: AppendLease) =>
            new TransparencyLog(new LogStore(store, layout), new LogHeadCache(redis.commands, settings.redis.prefix), lease),
          inject: [REDIS_CONNECTIONS, OBJECT_STORE, LogLayout, AppendLease],
        },
        {
          provide: CHECKPOINTER,
          useFactory: async (redis: SignerRedis, store: ObjectStore, layout: LogLayout, log: TransparencyLog) => {
            const config = settings.fleet.transparencyLog;
            if (!config) {
              logger.warn('no transparency_log section in the configuration: the log gets no signed checkpoints');
              return null;
            }
            const open = createKeyOpener({ env: settings.env, pkcs11Sessions: 1 });
            const key = await open(config.key, 'transparency_log.key');
            return new Checkpointer({
              log,
              store,
              layout,
              redis: redis.commands,
              prefix: settings.redis.prefix,
              key,
              origin: config.origin,
              every: config.checkpointEvery,
              intervalMs: config.checkpointIntervalMs,
              logger,
            });
          },
          inject: [REDIS_CONNECTIONS, OBJECT_STORE, LogLayout, TransparencyLog],
        },
        {
          provide: WEBHOOK_QUEUE,
          useFactory: (redis: SignerRedis) => createQueue(QueueName.Webhook, redis.commands, settings.redis.prefix),
          inject: [REDIS_CONNECTIONS],
        },
        {
          provide: WebhookEnqueuer,
          useFactory: (queue: ReturnType<typeof createQueue<QueueName.Webhook>>) => new WebhookEnqueuer(queue),
          inject: [WEBHOOK_QUEUE],
        },
        {
          provide: BATCH_QUEUE,
          useFactory: (redis: SignerRedis) => createQueue(QueueName.Batch, redis.commands, settings.redis.prefix),
          inject: [REDIS_CONNECTIONS],
        },
        {
          provide: BatchItemStore,
          useFactory: (redis: SignerRedis) => new BatchItemStore(redis.commands, settings.redis.prefix),
          inject: [REDIS_CONNECTIONS],
        },
        {
          provide: BatchAccounting,
          useFactory: (items: BatchItemStore, batchQueue: ReturnType<typeof createQueue<QueueName.Batch>>, metrics: SignerMetrics) =>
            new BatchAccounting({ items, batchQueue, logger, metrics }),
          inject: [BatchItemStore, BATCH_QUEUE, SignerMetrics],
        },
        {
          provide: ReuseIndex,
          useFactory: (redis: SignerRedis, store: ObjectStore) => new ReuseIndex(redis.commands, settings.redis.prefix, store),
          inject: [REDIS_CONNECTIONS, OBJECT_STORE],
        },
        {
          provide: SigningPolicy,
          useFactory: (redis: SignerRedis) => {
            // Read at every signing: a configuration reload applies to the next job.
            return new SigningPolicy({
              ledger: new SecureVersionLedger(redis.commands, settings.redis.prefix),
              profileConfig: (name) => settings.fleet.profiles.find((profile) => profile.name === name),
            });
          },
          inject: [REDIS_CONNECTIONS],
        },
        {
          provide: KeyUsageGuard,
          useFactory: (redis: SignerRedis, store: ObjectStore, layout: LogLayout, metrics: SignerMetrics) => {
            const ledger = new KeyUsageLedger(redis.commands, settings.redis.prefix);
            const profiles = new Map(settings.fleet.profiles.map((profile) => [profile.name, profile]));
            return new KeyUsageGuard({
              ledger,
              recovery: new UsageRecovery(redis.commands, settings.redis.prefix, ledger, new LogStore(store, layout)),
              limits: (name) => profiles.get(name)?.usageLimits,
              redis: redis.commands,
              prefix: settings.redis.prefix,
              metrics,
            });
          },
          inject: [REDIS_CONNECTIONS, OBJECT_STORE, LogLayout, SignerMetrics],
        },
        {
          provide: SignPipeline,
          useFactory: (
            registry: ProfileKeyRegistry,
            store: ObjectStore,
            log: TransparencyLog,
            metrics: SignerMetrics,
            reuse: ReuseIndex,
            policy: SigningPolicy,
            usage: KeyUsageGuard,
          ) =>
            new SignPipeline({
              registry,
              store,
              log,
              metrics,
              reuse,
              policy,
              usage,
              maxImageBytes: settings.signer.maxImageBytes,
              // One buffer per job that can run at once.
              buffers: new ImageBufferPool(settings.signer.concurrency),
            }),
          inject: [ProfileKeyRegistry, OBJECT_STORE, TransparencyLog, SignerMetrics, ReuseIndex, SigningPolicy, KeyUsageGuard],
        },
        SignerRuntime,
      ],
      exports: [SignerRuntime, ProfileKeyRegistry, SignerMetrics, TransparencyLog, OBJECT_STORE, REDIS_CONNECTIONS],
    };
  }
}
