import type { FleetRole } from './service-process';

/** The object store every service of a fleet uses. */
export type FleetStore =
  | {
      driver: 'fs';
      root: string;
      /** File holding the HMAC key of presigned URLs (at least 32 characters). */
      signingSecretFile: string;
    }
  | {
      driver: 's3';
      endpoint: string;
      region: string;
      bucket: string;
      accessKeyId: string;
      secretAccessKey: string;
      forcePathStyle?: boolean;
    };

/** Where a fleet's services find each other and their resources. */
export interface FleetWiring {
  /** FLEETSIGN_CONFIG, read by every service. */
  configFile: string;
  redisUrl: string;
  /** Queue prefix (bare; the services wrap it in braces); the services' default when absent. */
  redisPrefix?: string;
  store: FleetStore;
  /** SOFTHSM2_CONF of a SoftHSM2 token; only the signer gets it. */
  softHsmConf?: string;
  gatewayHost: string;
  gatewayPort: number;
  /** Metrics and health listener of each signer (one per signer) and of the notifier, on 127.0.0.1. */
  signerMetricsPorts: readonly number[];
  notifierMetricsPort: number;
  /** FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS of the notifier (e.g. 127.0.0.1 for a local receiver). */
  webhookAllowPrivateTargets?: string;
}

/** The URL clients reach the gateway at. */
export function gatewayUrlOf(wiring: Pick<FleetWiring, 'gatewayHost' | 'gatewayPort'>): string {
  const host = wiring.gatewayHost === '0.0.0.0' ? '127.0.0.1' : wiring.gatewayHost;
  return `http://${host}:${wiring.gatewayPort}`;
}

/** Inherited variables a fleet sets itself, so none from the caller's shell leaks into a service. */
export function inheritedServiceEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('FLEETSIGN_') && name !== 'FLEETSIGN_LOG_LEVEL') continue;
    if (name === 'REDIS_URL' || name === 'SOFTHSM2_CONF') continue;
    kept[name] = value;
  }
  return kept;
}

function storeEnv(store: FleetStore, publicBaseUrl: string): Record<string, string> {
  if (store.driver === 'fs') {
    return {
      FLEETSIGN_STORAGE_DRIVER: 'fs',
      FLEETSIGN_FS_ROOT: store.root,
      FLEETSIGN_FS_SIGNING_SECRET_FILE: store.signingSecretFile,
      FLEETSIGN_FS_PUBLIC_BASE_URL: publicBaseUrl,
    };
  }
  return {
    FLEETSIGN_STORAGE_DRIVER: 's3',
    FLEETSIGN_S3_ENDPOINT: store.endpoint,
    FLEETSIGN_S3_REGION: store.region,
    FLEETSIGN_S3_BUCKET: store.bucket,
    FLEETSIGN_S3_FORCE_PATH_STYLE: String(store.forcePathStyle ?? true),
    FLEETSIGN_S3_ACCESS_KEY_ID: store.accessKeyId,
    FLEETSIGN_S3_SECRET_ACCESS_KEY: store.secretAccessKey,
  };
}

/**
 * The environment of each service, as an operator would set it: configuration, Redis
 * and the public URL for all; the store for the gateway and signer; the token only for
 * the signer; loopback metrics listeners for the signer and notifier. `base` comes
 * first, so the wiring always wins over it.
 */
export function fleetServiceEnv(
  role: FleetRole,
  wiring: FleetWiring,
  base: NodeJS.ProcessEnv,
  signerIndex = 0,
): NodeJS.ProcessEnv {
  const publicBaseUrl = gatewayUrlOf(wiring);
  const common: NodeJS.ProcessEnv = {
    ...base,
    FLEETSIGN_CONFIG: wiring.configFile,
    REDIS_URL: wiring.redisUrl,
    ...(wiring.redisPrefix ? { FLEETSIGN_REDIS_PREFIX: wiring.redisPrefix } : {}),
    FLEETSIGN_PUBLIC_BASE_URL: publicBaseUrl,
  };
  switch (role) {
    case 'gateway':
      return {
        ...common,
        ...storeEnv(wiring.store, publicBaseUrl),
        FLEETSIGN_GATEWAY_HOST: wiring.gatewayHost,
        FLEETSIGN_GATEWAY_PORT: String(wiring.gatewayPort),
      };
    case 'signer':
      return {
        ...common,
        ...storeEnv(wiring.store, publicBaseUrl),
        ...(wiring.softHsmConf ? { SOFTHSM2_CONF: wiring.softHsmConf } : {}),
        FLEETSIGN_SIGNER_METRICS_HOST: '127.0.0.1',
        FLEETSIGN_SIGNER_METRICS_PORT: String(wiring.signerMetricsPorts[signerIndex]),
      };
    case 'notifier':
      return {
        ...common,
        FLEETSIGN_NOTIFIER_METRICS_HOST: '127.0.0.1',
        FLEETSIGN_NOTIFIER_METRICS_PORT: String(wiring.notifierMetricsPort),
        ...(wiring.webhookAllowPrivateTargets
          ? { FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS: wiring.webhookAllowPrivateTargets }
          : {}),
      };
  }
}
