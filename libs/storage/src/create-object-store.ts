import { FsObjectStore } from './fs-object-store';
import type { ObjectStore } from './object-store';
import { S3ObjectStore } from './s3-object-store';

/** Storage settings for the S3 driver, as the config schema produces them. */
export interface S3StorageConfig {
  driver: 's3';
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
  publicEndpoint?: string;
}

/** Storage settings for the filesystem driver. */
export interface FsStorageConfig {
  driver: 'fs';
  root: string;
  publicBaseUrl: string;
  signingSecret: string;
}

/** Validated storage settings. */
export type ObjectStoreConfig = S3StorageConfig | FsStorageConfig;

/** Builds the object store `config` names; `now` replaces the clock used for presigning. */
export function createObjectStore(
  config: ObjectStoreConfig,
  options: { now?: () => Date } = {},
): ObjectStore {
  switch (config.driver) {
    case 's3':
      return new S3ObjectStore({ ...config, ...options });
    case 'fs':
      return new FsObjectStore({ ...config, ...options });
  }
}
