import { join, resolve } from 'node:path';

/** Folder of a local installation when --dir is not given (relative to the working directory). */
export const DEFAULT_INSTALL_DIR = '.fleetsign';

/** Gateway port `fleetsign init` writes into client.env and `fleetsign serve` listens on (--port overrides). */
export const DEFAULT_SERVE_PORT = 7300;

/** Every file and folder of a local installation (`fleetsign init` makes it, `fleetsign serve` runs it). */
export interface InstallLayout {
  dir: string;
  configFile: string;
  /** Settings of serve that are not FleetSign configuration: port, token location. */
  installFile: string;
  clientEnvFile: string;
  secretsDir: string;
  pinFile: string;
  webhookSecretFile: string;
  fsSigningSecretFile: string;
  /** The transparency log's checkpoint key (ECDSA P-256 PEM). */
  logKeyFile: string;
  softHsmDir: string;
  objectsDir: string;
  redisDir: string;
  logsDir: string;
  runDir: string;
  processesFile: string;
}

/** Lays out an installation under `dir` (default .fleetsign in the working directory). */
export function installLayout(dir: string = DEFAULT_INSTALL_DIR): InstallLayout {
  const root = resolve(dir);
  const secretsDir = join(root, 'secrets');
  const runDir = join(root, 'run');
  return {
    dir: root,
    configFile: join(root, 'fleetsign.yaml'),
    installFile: join(root, 'install.json'),
    clientEnvFile: join(root, 'client.env'),
    secretsDir,
    pinFile: join(secretsDir, 'hsm-user-pin'),
    webhookSecretFile: join(secretsDir, 'webhook-secret'),
    fsSigningSecretFile: join(secretsDir, 'fs-signing-secret'),
    logKeyFile: join(secretsDir, 'log-key.pem'),
    softHsmDir: join(root, 'softhsm'),
    objectsDir: join(root, 'objects'),
    redisDir: join(root, 'redis'),
    logsDir: join(root, 'logs'),
    runDir,
    processesFile: join(runDir, 'processes.json'),
  };
}
