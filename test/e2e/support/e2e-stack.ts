import { type WebhookEvent, webhookEventSchema } from '@fleetsign/api';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadFleetSignConfig, loadNotifierConfig, loadRedisConfig } from '@fleetsign/config';
import { pollUntil } from '@fleetsign/devstack';
import { createQueue, createRedisConnection, type FleetSignQueue, QueueName } from '@fleetsign/queue';
import { createObjectStore, type ObjectStore } from '@fleetsign/storage';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { createGateway, type Gateway } from '../../../apps/gateway/src';
import { type Notifier, startNotifier } from '../../../apps/notifier/src';
import { type Signer, startSigner } from '../../../apps/signer/src';
import { gatewayTestEnv, listKeys } from '../../integration/gateway/gateway-harness';
import {
  type ReceivedRequest,
  type Receiver,
  replyWith,
  startReceiver,
  uniquePrefix,
  webhookHeaders,
} from '../../integration/notifier/notifier-test-kit';
import { testS3StorageConfig } from '../../support/s3-server';
import { requireTestEnv } from '../../support/test-env';
import type { LogEntry } from '@fleetsign/tlog';
import { type E2eApiKeyOptions, type E2eConfig, type E2eProfile, writeE2eConfig } from './e2e-config';
import { SigningClient } from './signing-client';

// One spec file's FleetSign deployment on the shared test services: its own queue
// prefix, tenant, configuration file and (for the fs store) object directory. The
// services run in this process unless a spec starts one as a child process
// (node-service.ts) with `env`.

/** The object store driver every service of the stack uses. */
export type E2eStorage = 's3' | 'fs';

/** Largest image the stack's services accept (FLEETSIGN_MAX_IMAGE_BYTES). */
export const E2E_MAX_IMAGE_BYTES = 1024 * 1024;

const silent = () => pino({ level: 'silent' });

export class E2eStack {
  readonly prefix: string;
  /** The environment every service of the stack reads its settings from. */
  readonly env: Record<string, string>;
  /** The store, read directly (what the signer wrote). */
  readonly store: ObjectStore;
  /** A connection of the test's own (queue state, cached log head). */
  readonly redis: Redis;
  readonly signQueue: FleetSignQueue<QueueName.Sign>;
  gateway?: Gateway;
  signer?: Signer;
  notifier?: Notifier;
  /** Webhook receiver on 127.0.0.1 (answers 204), once the notifier runs. */
  receiver?: Receiver;
  private gatewayUrl?: string;

  private constructor(
    readonly name: string,
    readonly storage: E2eStorage,
    readonly config: E2eConfig,
  ) {
    this.prefix = uniquePrefix(`e2e-${name}`);
    const fsRoot = join(config.dir, 'objects');
    const fsSecret = randomBytes(32).toString('base64url');
    this.env = {
      ...gatewayTestEnv(config.configPath, this.prefix),
      FLEETSIGN_MAX_IMAGE_BYTES: String(E2E_MAX_IMAGE_BYTES),
      FLEETSIGN_SIGNER_METRICS_PORT: '0',
      FLEETSIGN_NOTIFIER_METRICS_PORT: '0',
      FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.1',
      FLEETSIGN_WEBHOOK_ATTEMPTS: '3',
      ...(storage === 'fs'
        ? { FLEETSIGN_STORAGE_DRIVER: 'fs', FLEETSIGN_FS_ROOT: fsRoot, FLEETSIGN_FS_SIGNING_SECRET: fsSecret }
        : {}),
    };
    // The fs store is only read here; its URL base is never used (the gateway presigns).
    this.store =
      storage === 'fs'
        ? createObjectStore({ driver: 'fs', root: fsRoot, publicBaseUrl: 'http://127.0.0.1:1', signingSecret: fsSecret })
        : createObjectStore(testS3StorageConfig());
    this.redis = createRedisConnection(requireTestEnv('redisUrl'), 'producer');
    this.signQueue = createQueue(QueueName.Sign, this.redis, this.prefix);
  }

  /** Writes the configuration for `profiles`; starts no service yet. */
  static create(name: string, storage: E2eStorage, profiles: E2eProfile[], apiKey: E2eApiKeyOptions = {}): E2eStack {
    return new E2eStack(name, storage, writeE2eConfig(name, profiles, apiKey));
  }

  get tenant(): string {
    return this.config.tenant;
  }

  /** The tenant's API client against the running gateway. */
  client(): SigningClient {
    if (!this.gatewayUrl) throw new Error('no gateway is running for this stack');
    return new SigningClient(this.gatewayUrl, this.config.token);
  }

  /** Uses a gateway started elsewhere (a child process) for client(). */
  useGatewayAt(url: string): void {
    this.gatewayUrl = url;
  }

  /** Starts the gateway in this process on 127.0.0.1 and a free port. */
  async startGateway(): Promise<Gateway> {
    this.gateway = await createGateway({ env: this.env, logLevel: 'silent' });
    this.gatewayUrl = this.gateway.url;
    return this.gateway;
  }

  /** Starts a signer in this process; resolves once it takes jobs. */
  async startSigner(): Promise<Signer> {
    this.signer = await startSigner({ env: this.env, logger: silent(), config: { signer: { shutdownTimeoutMs: 5_000 } } });
    return this.signer;
  }

  /** Starts a webhook receiver on 127.0.0.1 and a notifier allowed to reach it. */
  async startNotifier(): Promise<Notifier> {
    this.receiver = await startReceiver(replyWith(204));
    this.notifier = await startNotifier({
      redis: loadRedisConfig(this.env),
      notifier: loadNotifierConfig(this.env),
      tenants: loadFleetSignConfig(undefined, this.env).tenants,
      env: this.env,
      concurrency: 4,
      logger: silent(),
    });
    return this.notifier;
  }

  /** Starts the gateway, a signer and a notifier in this process; returns the tenant's client. */
  async startAll(): Promise<SigningClient> {
    await this.startGateway();
    await this.startSigner();
    await this.startNotifier();
    return this.client();
  }

  /** URL of the receiver for a webhook of this spec. */
  webhookUrl(path = '/hooks/fleetsign'): string {
    if (!this.receiver) throw new Error('startNotifier() first');
    return `${this.receiver.origin}${path}`;
  }

  /** Waits (bounded) until the receiver got event `eventId`; returns the requests that carried it. */
  webhookRequests(eventId: string, timeoutMs = 10_000): Promise<ReceivedRequest[]> {
    const receiver = this.receiver;
    if (!receiver) throw new Error('startNotifier() first');
    return pollUntil(
      async () => {
        const matching = receiver.requests.filter((request) => request.headers['webhook-id'] === eventId);
        return matching.length > 0 ? matching : undefined;
      },
      { timeoutMs, intervalMs: 20, description: `webhook ${eventId} at the receiver` },
    );
  }

  /**
   * The event of a received webhook, verified with the tenant's secret by the standardwebhooks
   * package and parsed with the documented event schema (throws if either refuses it).
   */
  verifyWebhook(request: ReceivedRequest): WebhookEvent {
    return webhookEventSchema.parse(new Webhook(this.config.webhookSecret).verify(request.body, webhookHeaders(request)));
  }

  /** Every object key under `<kind>/<tenant>/`. */
  keys(kind: 'incoming' | 'signed'): Promise<string[]> {
    return listKeys(this.store, `${kind}/${this.tenant}/`);
  }

  /** The stack's transparency log, verified whole; its entries. */
  logEntries(): Promise<LogEntry[]> {
    return this.config.log.entries(this.store);
  }

  /** The one entry of a job in the verified log (throws when there is none or more than one). */
  async logEntryOf(jobId: string): Promise<LogEntry> {
    const entries = (await this.logEntries()).filter((entry) => entry.jobId === jobId);
    if (entries.length !== 1) throw new Error(`job ${jobId} has ${entries.length} log entries, expected exactly one`);
    return entries[0];
  }

  /** Stops whatever runs (notifier, signer, gateway), then the test's own connections; removes the temp files. */
  async close(): Promise<void> {
    await this.notifier?.close();
    await this.receiver?.close();
    await this.signer?.close();
    await this.gateway?.close();
    await this.signQueue.close();
    await this.redis.quit();
    await this.store.close();
    rmSync(this.config.dir, { recursive: true, force: true });
  }
}
