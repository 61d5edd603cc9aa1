import { join, resolve } from 'node:path';
import type { FleetRole } from '@fleetsign/devstack';

/** Environment variable that moves the demo's data directory (default <repo>/.data/demo). */
export const DEMO_DIR_ENV = 'FLEETSIGN_DEMO_DIR';


/** Every file and folder the demo reads or writes. */
export interface DemoPaths {
  root: string;
  dataDir: string;
  lockFile: string;
  configFile: string;
  softHsmDir: string;
  secretsDir: string;
  pinFile: string;
  webhookSecretFile: string;
  fsSigningSecretFile: string;
  objectsDir: string;
  logsDir: string;
  redisDir: string;
  outDir: string;
  /** Where the launcher writes each service's output (<logsDir>/<role>.log). */
  serviceLog: Record<FleetRole, string>;
  redisLog: string;
}

/** Lays out the demo's files under `dataDir` (FLEETSIGN_DEMO_DIR, else <root>/.data/demo). */
export function demoPaths(root: string, env: NodeJS.ProcessEnv = process.env): DemoPaths {
  const configured = env[DEMO_DIR_ENV]?.trim();
  const dataDir = configured ? resolve(configured) : join(root, '.data', 'demo');
  const secretsDir = join(dataDir, 'secrets');
  const logsDir = join(dataDir, 'logs');
  return {
    root,
    dataDir,
    lockFile: join(dataDir, 'demo.lock'),
    configFile: join(dataDir, 'fleetsign.yaml'),
    softHsmDir: join(dataDir, 'softhsm'),
    secretsDir,
    pinFile: join(secretsDir, 'hsm-user-pin'),
    webhookSecretFile: join(secretsDir, 'webhook-secret'),
    fsSigningSecretFile: join(secretsDir, 'fs-signing-secret'),
    objectsDir: join(dataDir, 'objects'),
    logsDir,
    redisDir: join(dataDir, 'redis'),
    outDir: join(dataDir, 'out'),
    serviceLog: {
      gateway: join(logsDir, 'gateway.log'),
      signer: join(logsDir, 'signer.log'),
      notifier: join(logsDir, 'notifier.log'),
    },
    redisLog: join(logsDir, 'redis.log'),
  };
}
