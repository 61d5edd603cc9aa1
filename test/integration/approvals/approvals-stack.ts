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
import { createGateway, type Gateway } from '../../../apps/gateway/src';
import { startSigner, type Signer } from '../../../apps/signer/src';
import { requireTestEnv } from '../../support/test-env';
import { TestLog } from '../../support/transparency-log';
import { gatewayTestEnv, pollUntil, uniqueSuffix } from '../gateway/gateway-harness';
import { tokenKey } from '../signer/signer-test-kit';
import { testS3StorageConfig } from '../../support/s3-server';

// A gateway and a signer in this process on the shared Redis, S3 and SoftHSM token, with
// profiles that require approvals and the API keys to exercise dual control.

/** ESP32-C6 boots ECDSA P-256 Secure Boot V2 images. */
const ESP32_C6 = 13;
/** Two distinct approvers: approver-1, approver-2, or any key of the tenant with the approve scope. */
export const DUAL_PROFILE = 'dual-ec';
/** One approver (approver-1), expiring after 2 s. */
export const QUICK_PROFILE = 'quick-ec';
/** No approval: the control. */
export const PLAIN_PROFILE = 'plain-ec';

const token = (tag: string) => `fsk_${tag}_${randomBytes(24).toString('base64url')}`;

export class ApprovalsStack {
  readonly prefix = `{fst-appr-${uniqueSuffix()}}`;
  readonly tenant = `aacme-${uniqueSuffix()}`;
  readonly tenantB = `aglobex-${uniqueSuffix()}`;
  /** The requester: it also holds the approve scope, and still may not approve its own requests. */
  readonly requester = token('req');
  readonly approver1 = token('ap1');
  readonly approver2 = token('ap2');
  /** An approver by scope (approve), named nowhere. */
  readonly scoped = token('ap3');
  /** Same tenant, read scope only, not an approver. */
  readonly outsider = token('out');
  /** Another tenant's key with the approve scope. */
  readonly foreign = token('for');
  readonly dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'approvals-'));
  readonly configPath = join(this.dir, 'fleetsign.yaml');
  readonly log = new TestLog();
  readonly redis: Redis = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
  readonly store: ObjectStore = new S3ObjectStore(testS3StorageConfig());
  readonly signQueue: FleetSignQueue<QueueName.Sign> = createQueue(QueueName.Sign, this.redis, this.prefix);
  readonly webhookQueue: FleetSignQueue<QueueName.Webhook> = createQueue(QueueName.Webhook, this.redis, this.prefix);
  signer!: Signer;
  gateway!: Gateway;
  private seed = 1000;

  private constructor() {
    const pinFile = join(this.dir, 'pin');
    writeFileSync(pinFile, requireTestEnv('tokenPin'), { mode: 0o600 });
    const profile = (name: string, approval?: Record<string, unknown>) => ({
      name,
      scheme: 'sbv2-ecdsa-p256',
      keys: [tokenKey('p256', pinFile)],
      state: 'active',
      ...(approval ? { approval } : {}),
    });
    const key = (id: string, secret: string, tenant: string, scopes: string[]) => ({
      id,
      token_sha256: hashApiToken(secret),
      tenant,
      profiles: ['*'],
      scopes,
    });
    const config = {
      version: 1,
      profiles: [
        profile(DUAL_PROFILE, { required: 2, approvers: ['approver-1', 'approver-2', 'scope:approve'], expires_after: '1h' }),
        profile(QUICK_PROFILE, { required: 1, approvers: ['approver-1'], expires_after: '2s' }),
        profile(PLAIN_PROFILE),
      ],
      tenants: [{ name: this.tenant }, { name: this.tenantB }],
      api_keys: [
        key('requester', this.requester, this.tenant, ['sign', 'batch', 'read', 'approve']),
        key('approver-1', this.approver1, this.tenant, ['read']),
        key('approver-2', this.approver2, this.tenant, ['read']),
        key('approver-3', this.scoped, this.tenant, ['read', 'approve']),
        key('outsider', this.outsider, this.tenant, ['read']),
        key('foreign', this.foreign, this.tenantB, ['read', 'approve']),
      ],
      transparency_log: this.log.configSection(this.dir),
    };
    writeFileSync(this.configPath, stringify(config));
  }

  /** Starts the gateway and one signer. */
  static async start(): Promise<ApprovalsStack> {
    const stack = new ApprovalsStack();
    await stack.startGateway();
    stack.signer = await startSigner({
      configPath: stack.configPath,
      env: {
        REDIS_URL: requireTestEnv('redisUrl'),
        FLEETSIGN_REDIS_PREFIX: stack.prefix,
        FLEETSIGN_STORAGE_DRIVER: 's3',
        FLEETSIGN_S3_ENDPOINT: requireTestEnv('s3Endpoint'),
        FLEETSIGN_S3_BUCKET: requireTestEnv('s3Bucket'),
        FLEETSIGN_S3_ACCESS_KEY_ID: requireTestEnv('s3AccessKeyId'),
        FLEETSIGN_S3_SECRET_ACCESS_KEY: requireTestEnv('s3SecretAccessKey'),
      },
      logger: pino({ level: 'silent' }),
      config: { process: { metrics: undefined }, signer: { concurrency: 2, shutdownTimeoutMs: 10_000 } },
    });
    return stack;
  }

  /** (Re)starts the gateway process part (a new instance on the same Redis). */
  async startGateway(): Promise<void> {
    this.gateway = await createGateway({ env: gatewayTestEnv(this.configPath, this.prefix), logLevel: 'silent' });
  }

  /** HSM signing operations this signer made so far (one observation per signing with the profile keys). */
  async hsmSignings(): Promise<number> {
    const metric = await this.signer.metrics.signDuration.get();
    return metric.values.filter((v) => v.metricName?.endsWith('_count')).reduce((sum, v) => sum + v.value, 0);
  }

  api(path: string, init: RequestInit & { token: string; json?: unknown }): Promise<Response> {
    const { token: bearer, json, headers, ...rest } = init;
    const all = new Headers(headers);
    all.set('authorization', `Bearer ${bearer}`);
    if (json !== undefined) all.set('content-type', 'application/json');
    return fetch(`${this.gateway.url}${path}`, { ...rest, headers: all, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  }

  async json<T = Record<string, unknown>>(path: string, init: RequestInit & { token: string; json?: unknown }): Promise<{ status: number; body: T }> {
    const res = await this.api(path, init);
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Uploads a fresh ESP32-C6 image under the tenant's incoming/ prefix; returns its key. */
  async putImage(): Promise<string> {
    const key = `incoming/${this.tenant}/${randomBytes(8).toString('hex')}.bin`;
    await this.store.put(key, buildEspImage({ chipId: ESP32_C6, size: 2048, seed: this.seed++ }));
    return key;
  }

  /** POST /v1/jobs by the requester. */
  async submit(profile: string, webhook?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    return this.json('/v1/jobs', {
      method: 'POST',
      token: this.requester,
      json: { profile, source: { key: await this.putImage() }, ...(webhook ? { webhook: { url: webhook } } : {}) },
    });
  }

  /** A decision on a job or batch. */
  decide(kind: 'jobs' | 'batches', id: string, bearer: string, decision: 'approve' | 'reject', comment?: string) {
    return this.json(`/v1/${kind}/${id}/approvals`, { method: 'POST', token: bearer, json: { decision, ...(comment ? { comment } : {}) } });
  }

  /** Polls GET /v1/jobs/:id until its state is one of `states`. */
  async jobIn(id: string, states: string[], attempts = 600): Promise<Record<string, unknown>> {
    const last = await pollUntil(
      () => this.json(`/v1/jobs/${id}`, { token: this.requester }),
      (r) => states.includes(r.body.state as string),
      attempts,
    );
    if (!states.includes(last.body.state as string)) throw new Error(`job ${id} never reached ${states.join('|')}: ${JSON.stringify(last.body)}`);
    return last.body;
  }

  async close(): Promise<void> {
    await this.signer?.close();
    await this.gateway?.close();
    await Promise.all([this.signQueue.close(), this.webhookQueue.close()]);
    await this.store.close();
    await this.redis.quit();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
