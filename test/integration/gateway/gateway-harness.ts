import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashApiToken } from '@fleetsign/config';
import { type FleetSignQueue, QueueName, createQueue, createRedisConnection } from '@fleetsign/queue';
import { type ObjectStore, S3ObjectStore } from '@fleetsign/storage';
import type { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { createGateway, type Gateway } from '../../../apps/gateway/src';
import { requireTestEnv } from '../../support/test-env';
import { testS3StorageConfig } from '../../support/s3-server';

/** Image size limit the test gateways run with, so 413 cases stay small. */
export const TEST_MAX_IMAGE_BYTES = 64 * 1024;
/** JSON body limit the test gateways run with. */
export const TEST_BODY_LIMIT = 16 * 1024;

/** A random suffix that keeps tenants, prefixes and keys of parallel spec files apart. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** Tokens, tenants and profile names of the harness configuration. */
export interface HarnessIdentities {
  tenantA: string;
  tenantB: string;
  /** Tenant A, scopes sign+batch+read, profiles rel-rsa, rel-p256, old-v1. */
  tokenA: string;
  /** Tenant A, scope read only, every profile. */
  tokenAReadOnly: string;
  /** Tenant B, scopes sign+read, profile b-only. */
  tokenB: string;
  /** Tenant A, scope audit only (its own transparency log entries). */
  tokenAAudit: string;
  /** Tenant B, scope operator (every tenant, read-only). */
  tokenOperator: string;
}

/** Profiles of the harness configuration. */
export const PROFILES = {
  rsa: 'rel-rsa',
  p256: 'rel-p256',
  revoked: 'old-v1',
  tenantBOnly: 'b-only',
} as const;

/** Extra top-level sections of the harness configuration (e.g. `transparency_log`). */
export type HarnessConfigExtras = Record<string, unknown>;

function configYaml(ids: HarnessIdentities, pkcs11Module: string, extras: HarnessConfigExtras = {}): string {
  const hsmKey = (label: string) => ({
    provider: 'pkcs11',
    module: pkcs11Module,
    token_label: 'fwsign',
    key_label: label,
    pin_env: 'FLEETSIGN_TEST_UNUSED_PIN',
  });
  return stringify({
    version: 1,
    profiles: [
      { name: PROFILES.rsa, scheme: 'sbv2-rsa3072', keys: [hsmKey('fw-rsa-3072')], allowed_chips: ['esp32s3'], state: 'active' },
      { name: PROFILES.p256, scheme: 'sbv2-ecdsa-p256', keys: [hsmKey('fw-ec-p256'), hsmKey('fw-ec-p256-b')], state: 'active' },
      { name: PROFILES.revoked, scheme: 'sbv1-ecdsa-p256', keys: [{ provider: 'pem', path: 'keys/v1.pem' }], state: 'revoked' },
      { name: PROFILES.tenantBOnly, scheme: 'sbv2-ecdsa-p256', keys: [hsmKey('fw-ec-p256')], state: 'active' },
    ],
    tenants: [{ name: ids.tenantA }, { name: ids.tenantB }],
    api_keys: [
      {
        id: 'a-ci',
        token_sha256: hashApiToken(ids.tokenA),
        tenant: ids.tenantA,
        profiles: [PROFILES.rsa, PROFILES.p256, PROFILES.revoked],
        scopes: ['sign', 'batch', 'read'],
      },
      { id: 'a-viewer', token_sha256: hashApiToken(ids.tokenAReadOnly), tenant: ids.tenantA, profiles: ['*'], scopes: ['read'] },
      { id: 'b-ci', token_sha256: hashApiToken(ids.tokenB), tenant: ids.tenantB, profiles: [PROFILES.tenantBOnly], scopes: ['sign', 'read'] },
      { id: 'a-audit', token_sha256: hashApiToken(ids.tokenAAudit), tenant: ids.tenantA, profiles: ['*'], scopes: ['audit'] },
      { id: 'ops', token_sha256: hashApiToken(ids.tokenOperator), tenant: ids.tenantB, profiles: ['*'], scopes: ['operator'] },
    ],
    ...extras,
  });
}

/** A running gateway on the shared test Redis and S3, with its own prefix and tenants. */
export interface GatewayHarness extends HarnessIdentities {
  gateway: Gateway;
  url: string;
  prefix: string;
  /** The environment the gateway was started from (to start a second process alike). */
  env: Record<string, string>;
  /** A connection of the test's own, to inspect what the gateway wrote. */
  redis: Redis;
  signQueue: FleetSignQueue<QueueName.Sign>;
  webhookQueue: FleetSignQueue<QueueName.Webhook>;
  /** The S3 bucket, read directly. */
  store: ObjectStore;
  /** fetch against the gateway; `token` becomes a bearer header. */
  api(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/** Environment that points a gateway at the shared test services, the given config file and prefix. */
export function gatewayTestEnv(configPath: string, prefix: string): Record<string, string> {
  return {
    FLEETSIGN_CONFIG: configPath,
    REDIS_URL: requireTestEnv('redisUrl'),
    FLEETSIGN_REDIS_PREFIX: prefix,
    // Stacks share one bucket: each reconciles only the intake records of its own prefix.
    FLEETSIGN_INTAKE_PREFIX: `intake/${prefix.replace(/[^A-Za-z0-9._-]/g, '')}/`,
    FLEETSIGN_STORAGE_DRIVER: 's3',
    FLEETSIGN_S3_ENDPOINT: requireTestEnv('s3Endpoint'),
    FLEETSIGN_S3_BUCKET: requireTestEnv('s3Bucket'),
    FLEETSIGN_S3_ACCESS_KEY_ID: requireTestEnv('s3AccessKeyId'),
    FLEETSIGN_S3_SECRET_ACCESS_KEY: requireTestEnv('s3SecretAccessKey'),
    FLEETSIGN_MAX_IMAGE_BYTES: String(TEST_MAX_IMAGE_BYTES),
    FLEETSIGN_GATEWAY_BODY_LIMIT: String(TEST_BODY_LIMIT),
  };
}

/** Writes the two-tenant configuration into a temp dir; returns its path and identities. `extras(dir)` adds sections. */
export function writeHarnessConfig(extras?: (dir: string, ids: HarnessIdentities) => HarnessConfigExtras): { dir: string; configPath: string; ids: HarnessIdentities } {
  const suffix = uniqueSuffix();
  const ids: HarnessIdentities = {
    tenantA: `acme-${suffix}`,
    tenantB: `globex-${suffix}`,
    tokenA: `fsk_a_${randomBytes(24).toString('base64url')}`,
    tokenAReadOnly: `fsk_r_${randomBytes(24).toString('base64url')}`,
    tokenB: `fsk_b_${randomBytes(24).toString('base64url')}`,
    tokenAAudit: `fsk_au_${randomBytes(24).toString('base64url')}`,
    tokenOperator: `fsk_op_${randomBytes(24).toString('base64url')}`,
  };
  const dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'gateway-'));
  const configPath = join(dir, 'fleetsign.yaml');
  writeFileSync(configPath, configYaml(ids, requireTestEnv('pkcs11Module'), extras?.(dir, ids)));
  return { dir, configPath, ids };
}

/** Starts a gateway in this process with the harness configuration. */
export async function startGatewayHarness(
  extraEnv: Record<string, string> = {},
  configExtras?: (dir: string, ids: HarnessIdentities) => HarnessConfigExtras,
): Promise<GatewayHarness> {
  const { dir, configPath, ids } = writeHarnessConfig(configExtras);
  const prefix = `{fst-gw-${uniqueSuffix()}}`;
  const env = { ...gatewayTestEnv(configPath, prefix), ...extraEnv };
  const gateway = await createGateway({ env, logLevel: 'silent' });
  const redis = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
  const store = new S3ObjectStore(testS3StorageConfig());
  const signQueue = createQueue(QueueName.Sign, redis, prefix);
  const webhookQueue = createQueue(QueueName.Webhook, redis, prefix);
  const api: GatewayHarness['api'] = (path, init = {}) => {
    const { token, json, headers, ...rest } = init;
    const all = new Headers(headers);
    if (token !== undefined) all.set('authorization', `Bearer ${token}`);
    if (json !== undefined) all.set('content-type', 'application/json');
    return fetch(`${gateway.url}${path}`, { ...rest, headers: all, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  };
  return {
    ...ids,
    gateway,
    url: gateway.url,
    prefix,
    env,
    redis,
    signQueue,
    webhookQueue,
    store,
    api,
    async close() {
      await gateway.close();
      await Promise.all([signQueue.close(), webhookQueue.close(), store.close()]);
      await redis.quit();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `read` until `done` holds, at most `attempts` times 50 ms apart; returns the last value. */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, attempts = 200): Promise<T> {
  let value = await read();
  for (let i = 1; i < attempts && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

/** Every key under a prefix of the bucket. */
export async function listKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys;
}
