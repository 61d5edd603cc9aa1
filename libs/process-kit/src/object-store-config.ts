import { type Env, resolveSecret, type StorageConfig } from '@fleetsign/config';
import type { ObjectStoreConfig } from '@fleetsign/storage';

/**
 * The object store settings with their secrets read now (S3 keys, the fs URL signing
 * secret). `fsPublicBaseUrl` replaces the configured fs download base URL (the
 * gateway serves fs downloads itself when no other URL is configured).
 */
export function objectStoreConfig(
  storage: StorageConfig,
  env: Env,
  fsPublicBaseUrl?: string,
): ObjectStoreConfig {
  if (storage.driver === 'fs') {
    return {
      driver: 'fs',
      root: storage.root,
      publicBaseUrl: fsPublicBaseUrl ?? storage.publicBaseUrl,
      signingSecret: resolveSecret(storage.signingSecret, env),
    };
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
