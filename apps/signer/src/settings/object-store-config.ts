import { type Env, resolveSecret, type StorageConfig } from '@fleetsign/config';
import type { ObjectStoreConfig } from '@fleetsign/storage';

/** The object store settings with their secrets read (S3 keys, fs URL signing key). */
export function objectStoreConfig(storage: StorageConfig, env: Env): ObjectStoreConfig {
  if (storage.driver === 'fs') {
    return { driver: 'fs', root: storage.root, publicBaseUrl: storage.publicBaseUrl, signingSecret: resolveSecret(storage.signingSecret, env) };
  }
  return {
    driver: 's3',
    endpoint: storage.endpoint,
    region: storage.region,
    bucket: storage.bucket,
    forcePathStyle: storage.forcePathStyle,
    publicEndpoint: storage.publicEndpoint,
    accessKeyId: storage.accessKeyId && resolveSecret(storage.accessKeyId, env),
    secretAccessKey: storage.secretAccessKey && resolveSecret(storage.secretAccessKey, env),
  };
}
