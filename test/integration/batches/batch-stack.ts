import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashApiToken } from '@fleetsign/config';
import { type FleetSignQueue, QueueName, createQueue, createRedisConnection } from '@fleetsign/queue';
import { buildEspImage } from '@fleetsign/secure-boot';
import { type ObjectStore, S3ObjectStore } from '@fleetsign/storage';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { stringify } from 'yaml';
import { TestLog } from '../../support/transparency-log';
import { createGateway, type Gateway } from '../../../apps/gateway/src';
import { startSigner, type Signer } from '../../../apps/signer/src';
import { requireTestEnv } from '../../support/test-env';
import { gatewayTestEnv, pollUntil, uniqueSuffix } from '../gateway/gateway-harness';
import { tokenKey } from '../signer/signer-test-kit';
import { testS3StorageConfig } from '../../support/s3-server';

// A gateway and signers in this process on the shared Redis, S3 and SoftHSM token,
// with a queue prefix, tenants and API keys of their own (batch scope included).

/** ESP32-C6 boots ECDSA P-256 Secure Boot V2 images. */
export const ESP32_C6 = 13;
/** The batch profile: one P-256 key of the test token (fast HSM signatures). */
export const EC_PROFILE = 'batch-ec';

/** Body of GET /v1/batches/:id. */
export interface BatchBody {
  id: string;
  state: 'queued' | 'running' | 'completed';
  profile: string;
  total: number;
  counts: { queued: number; active: number; succeeded: number; failed: number };
  progress: number;
  createdAt: string;
  finishedAt?: string;
  manifest?: { key: string; downloadUrl: string };
  webhook?: { url: string; eventId: string; state: string; attempts: number; lastError?: string };
}

/** One entry of GET /v1/batches/:id/items. */
export interface BatchItemBody {
  index: number;
  name: string;
  sourceKey: string;
  jobId: string;
  state: string;
  signedKey?: string;
  downloadUrl?: string;
  imageSha256?: string;
  signedSha256?: string;
  reused?: boolean;
  error?: { code: string; message: string };
}

/** Options of {@link BatchStack.start}. */
export interface BatchStackOptions {
  /** FLEETSIGN_BATCH_FAIR_SHARE_SLICE of the gateway. */
  fairShareSlice?: number;
  /** FLEETSIGN_GATEWAY_BATCH_BODY_LIMIT of the gateway, in bytes. */
  batchBodyLimit?: number;
}

export class BatchStack {
  readonly prefix = `{fst-batch-${uniqueSuffix()}}`;
  readonly tenantA = `bacme-${uniqueSuffix()}`;
  readonly tenantB = `bglobex-${uniqueSuffix()}`;
  readonly tokenA = `fsk_a_${randomBytes(24).toString('base64url')}`;
  readonly tokenB = `fsk_b_${randomBytes(24).toString('base64url')}`;
  /** Tenant A without the batch scope. */
  readonly tokenAJobsOnly = `fsk_j_${randomBytes(24).toString('base64url')}`;
  readonly dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'batches-'));
  readonly configPath = join(this.dir, 'fleetsign.yaml');
  /** This stack's own transparency log folder and key. */
  readonly log = new TestLog();
  readonly redis: Redis = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
  readonly store: ObjectStore = new S3ObjectStore(testS3StorageConfig());
  readonly signQueue: FleetSignQueue<QueueName.Sign> = createQueue(QueueName.Sign, this.redis, this.prefix);
  readonly batchQueue: FleetSignQueue<QueueName.Batch> = createQueue(
    QueueName.Batch,
    this.redis,
    this.prefix,
  );
  readonly webhookQueue: FleetSignQueue<QueueName.Webhook> = createQueue(
    QueueName.Webhook,
    this.redis,
    this.prefix,
  );
  readonly signers: Signer[] = [];
  gateway!: Gateway;

  private constructor() {
    const pinFile = join(this.dir, 'pin');
    writeFileSync(pinFile, requireTestEnv('tokenPin'), { mode: 0o600 });
    const profile = {
      name: EC_PROFILE,
      scheme: 'sbv2-ecdsa-p256',
      keys: [tokenKey('p256', pinFile)],
      state: 'active',
    };
    const key = (id: string, token: string, tenant: string, scopes: string[]) => ({
      id,
      token_sha256: hashApiToken(token),
      tenant,
      profiles: [EC_PROFILE],
      scopes,
    });
    const config = {
      version: 1,
      profiles: [profile],
      tenants: [{ name: this.tenantA }, { name: this.tenantB }],
      api_keys: [
        key('a-batch', this.tokenA, this.tenantA, ['sign', 'batch', 'read']),
        key('b-batch', this.tokenB, this.tenantB, ['sign', 'batch', 'read']),
        key('a-jobs', this.tokenAJobsOnly, this.tenantA, ['sign', 'read']),
      ],
      transparency_log: this.log.configSection(this.dir),
    };
    writeFileSync(this.configPath, stringify(config));
  }

  /** Starts the gateway (no signer yet: tests start signers when they want items to run). */
  static async start(options: BatchStackOptions = {}): Promise<BatchStack> {
    const stack = new BatchStack();
    const env = {
      ...gatewayTestEnv(stack.configPath, stack.prefix),
      ...(options.fairShareSlice ? { FLEETSIGN_BATCH_FAIR_SHARE_SLICE: String(options.fairShareSlice) } : {}),
      ...(options.batchBodyLimit
        ? { FLEETSIGN_GATEWAY_BATCH_BODY_LIMIT: String(options.batchBodyLimit) }
        : {}),
    };
    stack.gateway = await createGateway({ env, logLevel: 'silent' });
    return stack;
  }

  /** Starts a signer on this stack's prefix (concurrency 1 unless given). */
  async startSigner(concurrency = 1): Promise<Signer> {
    const signer = await startSigner({
      configPath: this.configPath,
      env: {
        REDIS_URL: requireTestEnv('redisUrl'),
        FLEETSIGN_REDIS_PREFIX: this.prefix,
        FLEETSIGN_STORAGE_DRIVER: 's3',
        FLEETSIGN_S3_ENDPOINT: requireTestEnv('s3Endpoint'),
        FLEETSIGN_S3_BUCKET: requireTestEnv('s3Bucket'),
        FLEETSIGN_S3_ACCESS_KEY_ID: requireTestEnv('s3AccessKeyId'),
        FLEETSIGN_S3_SECRET_ACCESS_KEY: requireTestEnv('s3SecretAccessKey'),
      },
      logger: pino({ level: 'silent' }),
      config: { process: { metrics: undefined }, signer: { concurrency, shutdownTimeoutMs: 10_000 } },
    });
    this.signers.push(signer);
    return signer;
  }

  /** fetch against the gateway with a bearer token and an optional JSON body. */
  api(path: string, init: RequestInit & { token: string; json?: unknown }): Promise<Response> {
    const { token, json, headers, ...rest } = init;
    const all = new Headers(headers);
    all.set('authorization', `Bearer ${token}`);
    if (json !== undefined) all.set('content-type', 'application/json');
    return fetch(`${this.gateway.url}${path}`, {
      ...rest,
      headers: all,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
  }

  /** Uploads bytes under the tenant's incoming/ prefix; returns the key. */
  async putSource(tenant: string, data: Buffer): Promise<string> {
    const key = `incoming/${tenant}/${randomBytes(8).toString('hex')}.bin`;
    await this.store.put(key, data);
    return key;
  }

  /** Uploads `count` distinct small ESP32-C6 images; returns their keys. */
  async putImages(tenant: string, count: number, seedBase: number): Promise<string[]> {
    const keys: string[] = [];
    for (let i = 0; i < count; i += 25) {
      const slice = Array.from({ length: Math.min(25, count - i) }, (_, k) =>
        this.putSource(tenant, buildEspImage({ chipId: ESP32_C6, size: 2048, seed: seedBase + i + k })),
      );
      keys.push(...(await Promise.all(slice)));
    }
    return keys;
  }

  /** POST /v1/batches; returns status and body. */
  async postBatch(
    token: string,
    body: unknown,
    idempotencyKey?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await this.api('/v1/batches', {
      method: 'POST',
      token,
      json: body,
      ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** GET /v1/batches/:id. */
  async batch(token: string, id: string): Promise<{ status: number; body: BatchBody }> {
    const res = await this.api(`/v1/batches/${id}`, { token });
    return { status: res.status, body: (await res.json()) as BatchBody };
  }

  /** Every item of a batch, following nextCursor (bounded by the page count the total allows). */
  async allItems(token: string, id: string, state = 'all', limit = 100): Promise<BatchItemBody[]> {
    const items: BatchItemBody[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const query = new URLSearchParams({ state, limit: String(limit), ...(cursor ? { cursor } : {}) });
      const res = await this.api(`/v1/batches/${id}/items?${query.toString()}`, { token });
      if (res.status !== 200) throw new Error(`items page answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { items: BatchItemBody[]; nextCursor?: string };
      items.push(...body.items);
      cursor = body.nextCursor;
      if (!cursor) return items;
    }
    throw new Error('more item pages than expected');
  }

  /** Polls GET /v1/batches/:id until it is completed (at most `attempts` x 50 ms). */
  async completed(token: string, id: string, attempts = 2400): Promise<BatchBody> {
    const last = await pollUntil(
      () => this.batch(token, id),
      (r) => r.body.state === 'completed',
      attempts,
    );
    if (last.body.state !== 'completed')
      throw new Error(`batch ${id} did not complete: ${JSON.stringify(last.body)}`);
    return last.body;
  }

  async close(): Promise<void> {
    for (const signer of this.signers) await signer.close();
    await this.gateway?.close();
    await Promise.all([this.signQueue.close(), this.batchQueue.close(), this.webhookQueue.close()]);
    await this.store.close();
    await this.redis.quit();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
