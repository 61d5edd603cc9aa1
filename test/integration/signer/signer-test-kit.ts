import { constants, createHash, type KeyObject, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createQueue,
  createQueueEvents,
  createRedisConnection,
  type FleetSignJob,
  type FleetSignQueue,
  QueueName,
  type SignJobData,
  type SignJobResult,
  signedObjectKey,
} from '@fleetsign/queue';
import { type KeyAlgorithm, SECTOR_SIZE } from '@fleetsign/secure-boot';
import { createObjectStore, type ObjectStore } from '@fleetsign/storage';
import type { LogEntry } from '@fleetsign/tlog';
import type { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { stringify } from 'yaml';
import { startSigner, type Signer, type StartSignerOptions } from '../../../apps/signer/src';
import { requireTestEnv, TEST_TOKEN_KEYS } from '../../support/test-env';
import { TestLog } from '../../support/transparency-log';

/** The shared SoftHSM test token's keys, by name. */
export type TokenKeyName = keyof typeof TEST_TOKEN_KEYS;

/** How a finished job ended. */
export type JobOutcome = { state: 'completed'; result: SignJobResult } | { state: 'failed'; code: string; message: string };

/** A pkcs11 key entry of the configuration file for a key of the shared test token. */
export function tokenKey(name: TokenKeyName, pinFile: string): Record<string, unknown> {
  return {
    provider: 'pkcs11',
    module: requireTestEnv('pkcs11Module'),
    token_label: requireTestEnv('tokenLabel'),
    key_label: TEST_TOKEN_KEYS[name].label,
    pin_file: pinFile,
    sessions: 2,
  };
}

/**
 * One spec file's private corner of the shared services: its own queue prefix (so its
 * own queues), its own tenant and transparency log folder in the bucket, a temp directory
 * for the configuration file, PIN files and PEM keys.
 */
export class SignerHarness {
  readonly prefix = `{fst-${randomBytes(4).toString('hex')}}`;
  readonly tenant = `t${randomBytes(4).toString('hex')}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'signer-it-'));
  readonly log = new TestLog();
  readonly store: ObjectStore;
  readonly redis: Redis;
  readonly signQueue: FleetSignQueue<QueueName.Sign>;
  readonly webhookQueue: FleetSignQueue<QueueName.Webhook>;
  private readonly events: QueueEvents;
  private readonly signers: Signer[] = [];

  /** `redisUrl`: a private Redis the spec may wipe or restart (default: the shared one). */
  constructor(readonly redisUrl = requireTestEnv('redisUrl')) {
    this.store = createObjectStore({
      driver: 's3',
      endpoint: requireTestEnv('s3Endpoint'),
      region: 'us-east-1',
      bucket: requireTestEnv('s3Bucket'),
      accessKeyId: requireTestEnv('s3AccessKeyId'),
      secretAccessKey: requireTestEnv('s3SecretAccessKey'),
      forcePathStyle: true,
    });
    this.redis = createRedisConnection(redisUrl, 'worker');
    this.signQueue = createQueue(QueueName.Sign, this.redis, this.prefix);
    // Each job.waitUntilFinished listens for the queue closing; specs wait on many jobs at once.
    this.signQueue.setMaxListeners(100);
    this.webhookQueue = createQueue(QueueName.Webhook, this.redis, this.prefix);
    this.events = createQueueEvents(QueueName.Sign, redisUrl, this.prefix);
  }

  /** The environment a signer of this harness reads (Redis, S3; nothing else from the process). */
  get env(): Record<string, string> {
    return {
      REDIS_URL: this.redisUrl,
      FLEETSIGN_REDIS_PREFIX: this.prefix,
      FLEETSIGN_STORAGE_DRIVER: 's3',
      FLEETSIGN_S3_ENDPOINT: requireTestEnv('s3Endpoint'),
      FLEETSIGN_S3_BUCKET: requireTestEnv('s3Bucket'),
      FLEETSIGN_S3_ACCESS_KEY_ID: requireTestEnv('s3AccessKeyId'),
      FLEETSIGN_S3_SECRET_ACCESS_KEY: requireTestEnv('s3SecretAccessKey'),
      FLEETSIGN_SIGNER_METRICS_PORT: '0',
    };
  }

  async ready(): Promise<void> {
    await this.events.waitUntilReady();
  }

  /** Writes a file into the harness directory (mode 0600) and returns its path. */
  writeFile(name: string, content: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  }

  /** Writes the configuration file with these profiles; returns its path. */
  writeConfig(profiles: Array<Record<string, unknown>>): string {
    return this.writeFile('fleetsign.yaml', stringify({ version: 1, profiles, transparency_log: this.log.configSection(this.dir) }));
  }

  /** Starts a signer on this harness's Redis prefix and bucket (metrics on a free loopback port). */
  async startSigner(configPath: string, options: Partial<StartSignerOptions> = {}): Promise<Signer> {
    const signer = await startSigner({
      configPath,
      env: this.env,
      logger: pino({ level: 'silent' }),
      ...options,
      config: {
        ...options.config,
        process: { metrics: { port: 0, host: '127.0.0.1' }, ...options.config?.process },
        signer: { shutdownTimeoutMs: 10_000, ...options.config?.signer },
      },
    });
    this.signers.push(signer);
    return signer;
  }

  /** Uploads an unsigned image under the tenant's incoming/ prefix; returns its key. */
  async putSource(data: Buffer): Promise<string> {
    const key = `incoming/${this.tenant}/${randomBytes(8).toString('hex')}.bin`;
    await this.store.put(key, data);
    return key;
  }

  /** Adds a sign job as the gateway would; the id is `job_<hex>` unless given. */
  async addJob(profile: string, sourceKey: string, extra: Partial<SignJobData> & { jobId?: string } = {}): Promise<FleetSignJob<QueueName.Sign>> {
    const { jobId = `job_${randomBytes(16).toString('hex')}`, ...data } = extra;
    const payload: SignJobData = {
      tenant: this.tenant,
      profile,
      source: { key: sourceKey },
      signedKey: signedObjectKey(this.tenant, jobId),
      requestedAt: new Date().toISOString(),
      ...data,
    };
    return this.signQueue.add(QueueName.Sign, payload, { jobId, attempts: 2, backoff: { type: 'fixed', delay: 50 } });
  }

  /** Waits (event-driven, bounded) until the job completes or fails for good. */
  async finished(job: FleetSignJob<QueueName.Sign>, timeoutMs = 30_000): Promise<JobOutcome> {
    try {
      return { state: 'completed', result: (await job.waitUntilFinished(this.events, timeoutMs)) as SignJobResult };
    } catch (err) {
      const reason = (err as Error).message;
      if (/timed out/i.test(reason)) throw err;
      const parsed = JSON.parse(reason) as { code: string; message: string };
      return { state: 'failed', code: parsed.code, message: parsed.message };
    }
  }

  /** This harness's tenant's entries in its transparency log, after verifying the whole log. */
  logEntries(): Promise<LogEntry[]> {
    return this.log.entriesOf(this.store, this.tenant);
  }

  /** Object keys under a prefix of this harness's tenant, e.g. 'signed/'. */
  async keys(kind: 'signed'): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of this.store.list(`${kind}/${this.tenant}/`)) keys.push(key);
    return keys;
  }

  async close(): Promise<void> {
    for (const signer of this.signers) await signer.close();
    await this.events.close();
    await this.signQueue.close();
    await this.webhookQueue.close();
    await this.redis.quit();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** SHA-256 hex. */
export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A little-endian field of a block, as a big-endian buffer. */
function beFromLe(block: Buffer, offset: number, length: number): Buffer {
  return Buffer.from(block.subarray(offset, offset + length)).reverse();
}

/**
 * Verifies signature block `index` of a V2-signed file with node:crypto alone, reading
 * the block by the byte layout of the format spec (independent of FleetSign's decoder):
 * RSA-3072 signature at 812 (384 bytes LE), P-256 r at 101 and s at 133 (32 bytes LE each).
 */
export function blockVerifiesWithNode(file: Buffer, index: number, algorithm: KeyAlgorithm, publicKey: KeyObject): boolean {
  const signedData = file.subarray(0, file.length - SECTOR_SIZE);
  const start = file.length - SECTOR_SIZE + index * 1216;
  const block = file.subarray(start, start + 1216);
  if (block[0] !== 0xe7) return false;
  if (!block.subarray(4, 36).equals(createHash('sha256').update(signedData).digest())) return false;
  if (algorithm === 'rsa3072') {
    const signature = beFromLe(block, 812, 384);
    return verify('sha256', signedData, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
  }
  if (algorithm !== 'ecdsa-p256') throw new Error(`blockVerifiesWithNode does not read ${algorithm} blocks`);
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x as string, 'base64url');
  if (!beFromLe(block, 37, 32).equals(x)) return false;
  const signature = Buffer.concat([beFromLe(block, 101, 32), beFromLe(block, 133, 32)]);
  return verify('sha256', signedData, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
}
