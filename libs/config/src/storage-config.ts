import { resolve } from 'node:path';
import { z } from 'zod';
import { type Env, ENV_SOURCE, flag, httpUrl, parseEnvSettings, readEnv } from './env-settings';
import { invalidConfig } from './config-error';
import { type SecretRef, secretFromEnv } from './secret-ref';

/** Object storage on S3 or any S3-compatible server (MinIO, Ceph, ...). */
export interface S3StorageConfig {
  driver: 's3';
  /** Custom endpoint for S3-compatible servers; unset means AWS S3. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Path-style URLs (http://host/bucket/key): needed by most S3-compatible servers. */
  forcePathStyle: boolean;
  /** Static credentials; both unset means the AWS SDK's default credential chain. */
  accessKeyId?: SecretRef;
  secretAccessKey?: SecretRef;
  /** Endpoint used in presigned URLs when clients reach the store at another address than FleetSign does. */
  publicEndpoint?: string;
}

/** Object storage in a local directory, for a single machine; downloads go through signed gateway URLs. */
export interface FsStorageConfig {
  driver: 'fs';
  /** Absolute directory holding the objects. */
  root: string;
  /** Base URL of the gateway route that serves presigned fs URLs, without a trailing slash. */
  publicBaseUrl: string;
  /** HMAC key for presigned fs URLs; every process sharing the directory needs the same one. */
  signingSecret: SecretRef;
}

export type StorageConfig = S3StorageConfig | FsStorageConfig;

export const STORAGE_DRIVER_ENV = 'FLEETSIGN_STORAGE_DRIVER';

export const S3_ENV = {
  endpoint: 'FLEETSIGN_S3_ENDPOINT',
  region: 'FLEETSIGN_S3_REGION',
  bucket: 'FLEETSIGN_S3_BUCKET',
  forcePathStyle: 'FLEETSIGN_S3_FORCE_PATH_STYLE',
  publicEndpoint: 'FLEETSIGN_S3_PUBLIC_ENDPOINT',
} as const;

/** Secrets of the s3 driver: each read from NAME or from the file named by NAME_FILE. */
export const S3_SECRET_ENV = {
  accessKeyId: 'FLEETSIGN_S3_ACCESS_KEY_ID',
  secretAccessKey: 'FLEETSIGN_S3_SECRET_ACCESS_KEY',
} as const;

export const FS_ENV = {
  root: 'FLEETSIGN_FS_ROOT',
  publicBaseUrl: 'FLEETSIGN_FS_PUBLIC_BASE_URL',
} as const;

/** Secret of the fs driver, from NAME or NAME_FILE. */
export const FS_SIGNING_SECRET_ENV = 'FLEETSIGN_FS_SIGNING_SECRET';

const driverSchema = z.object({ driver: z.enum(['s3', 'fs']).default('fs') });

const s3Schema = z.object({
  endpoint: httpUrl().optional(),
  region: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'must be a region name such as eu-west-1')
    .default('us-east-1'),
  bucket: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'must be a bucket name (3-63 lower-case letters, digits, "." or "-")',
    ),
  forcePathStyle: flag().optional(),
  publicEndpoint: httpUrl().optional(),
});

const fsSchema = z.object({
  root: z.string().default('.data/objects'),
  publicBaseUrl: httpUrl().optional(),
});

function loadS3(env: Env): S3StorageConfig {
  const settings = parseEnvSettings(s3Schema, S3_ENV, env);
  const accessKeyId = secretFromEnv(env, S3_SECRET_ENV.accessKeyId);
  const secretAccessKey = secretFromEnv(env, S3_SECRET_ENV.secretAccessKey);
  if (!accessKeyId !== !secretAccessKey) {
    const missing = accessKeyId ? S3_SECRET_ENV.secretAccessKey : S3_SECRET_ENV.accessKeyId;
    throw invalidConfig(ENV_SOURCE, [
      { setting: missing, problem: `is required when the other S3 key is set (or set ${missing}_FILE)` },
    ]);
  }
  return {
    driver: 's3',
    ...settings,
    // S3-compatible servers rarely have virtual-host DNS; AWS itself wants virtual-host style.
    forcePathStyle: settings.forcePathStyle ?? settings.endpoint !== undefined,
    accessKeyId,
    secretAccessKey,
  };
}

function loadFs(env: Env): FsStorageConfig {
  const settings = parseEnvSettings(fsSchema, FS_ENV, env);
  const signingSecret = secretFromEnv(env, FS_SIGNING_SECRET_ENV);
  if (!signingSecret) {
    throw invalidConfig(ENV_SOURCE, [
      {
        setting: FS_SIGNING_SECRET_ENV,
        problem: `is required by the fs storage driver (or set ${FS_SIGNING_SECRET_ENV}_FILE)`,
      },
    ]);
  }
  const publicBaseUrl =
    settings.publicBaseUrl ??
    readEnv(env, 'FLEETSIGN_PUBLIC_BASE_URL')?.replace(/\/+$/, '') ??
    'http://127.0.0.1:3000';
  return { driver: 'fs', root: resolve(settings.root), publicBaseUrl, signingSecret };
}

/**
 * Object store settings. FLEETSIGN_STORAGE_DRIVER = fs (default) | s3.
 * s3: FLEETSIGN_S3_ENDPOINT, _REGION (us-east-1), _BUCKET (required), _FORCE_PATH_STYLE
 * (default: true when an endpoint is set), _PUBLIC_ENDPOINT, and _ACCESS_KEY_ID /
 * _SECRET_ACCESS_KEY (or their *_FILE forms; both unset: AWS default chain).
 * fs: FLEETSIGN_FS_ROOT (.data/objects), FLEETSIGN_FS_PUBLIC_BASE_URL (FLEETSIGN_PUBLIC_BASE_URL,
 * else http://127.0.0.1:3000), FLEETSIGN_FS_SIGNING_SECRET or its _FILE form (required).
 */
export function loadStorageConfig(env: Env = process.env): StorageConfig {
  const { driver } = parseEnvSettings(driverSchema, { driver: STORAGE_DRIVER_ENV }, env);
  return driver === 's3' ? loadS3(env) : loadFs(env);
}
