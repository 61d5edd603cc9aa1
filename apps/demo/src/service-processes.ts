import { exitOf, spawnLogged, stopChildProcess } from '@fleetsign/devstack';
import type { ChildProcess } from 'node:child_process';
import { DemoError } from './demo-error';
import { type DemoPaths, SERVICE_NAMES, type ServiceName } from './demo-paths';

/** How long each service gets to stop on SIGTERM before it is killed. */
export const SERVICE_STOP_TIMEOUT_MS = 15_000;

/** Where the services find Redis, the store and the token for this run. */
export interface ServiceWiring {
  redisUrl: string;
  /** Queue prefix of this run (a bare name; the services wrap it in braces). */
  redisPrefix: string;
  gatewayPort: number;
  /** SOFTHSM2_CONF of the demo token (the signer only). */
  softHsmConf: string;
}

/** Inherited variables the demo sets itself, so none from the caller's shell leaks into a service. */
function inheritedEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('FLEETSIGN_') && name !== 'FLEETSIGN_LOG_LEVEL') continue;
    if (name === 'REDIS_URL' || name === 'SOFTHSM2_CONF') continue;
    kept[name] = value;
  }
  return kept;
}

/**
 * The environment of each service, as an operator would set it: shared Redis and
 * configuration; storage settings for the gateway and signer; the token only for the
 * signer; loopback webhooks allowed only for the notifier. Metrics listeners are off
 * so the demo needs no fixed ports.
 */
export function serviceEnvironments(
  paths: DemoPaths,
  wiring: ServiceWiring,
  env: NodeJS.ProcessEnv = process.env,
): Record<ServiceName, NodeJS.ProcessEnv> {
  const publicBaseUrl = `http://127.0.0.1:${wiring.gatewayPort}`;
  const common = {
    ...inheritedEnv(env),
    FLEETSIGN_CONFIG: paths.configFile,
    REDIS_URL: wiring.redisUrl,
    FLEETSIGN_REDIS_PREFIX: wiring.redisPrefix,
  };
  const storage = {
    FLEETSIGN_STORAGE_DRIVER: 'fs',
    FLEETSIGN_FS_ROOT: paths.objectsDir,
    FLEETSIGN_FS_SIGNING_SECRET_FILE: paths.fsSigningSecretFile,
    FLEETSIGN_PUBLIC_BASE_URL: publicBaseUrl,
  };
  return {
    gateway: {
      ...common,
      ...storage,
      FLEETSIGN_GATEWAY_HOST: '127.0.0.1',
      FLEETSIGN_GATEWAY_PORT: String(wiring.gatewayPort),
    },
    signer: {
      ...common,
      ...storage,
      SOFTHSM2_CONF: wiring.softHsmConf,
      FLEETSIGN_SIGNER_METRICS_PORT: '0',
    },
    notifier: {
      ...common,
      FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.1',
      FLEETSIGN_NOTIFIER_METRICS_PORT: '0',
    },
  };
}

/** The gateway, signer and notifier running as child processes, each logging to its own file. */
export class DemoServices {
  private stopping = false;
  /** Rejects with a DemoError naming the service (and its log) that exits before stop(). */
  readonly failure: Promise<never>;

  private constructor(
    private readonly children: ReadonlyMap<ServiceName, ChildProcess>,
    paths: DemoPaths,
  ) {
    this.failure = new Promise<never>((_, reject) => {
      for (const [name, child] of children) {
        void exitOf(child).then(({ code, signal }) => {
          if (this.stopping) return;
          const how = code !== null ? `exit code ${code}` : `signal ${signal}`;
          reject(new DemoError(`the ${name} exited unexpectedly (${how})`, paths.serviceLog[name]));
        });
      }
    });
    // Nobody may be waiting on it at the moment a service dies.
    this.failure.catch(() => undefined);
  }

  /** Starts the three services (node <dist entry>) and returns once the OS has started each. */
  static async start(paths: DemoPaths, envs: Record<ServiceName, NodeJS.ProcessEnv>): Promise<DemoServices> {
    const children = new Map<ServiceName, ChildProcess>();
    try {
      for (const name of SERVICE_NAMES) {
        const child = await spawnLogged(process.execPath, [paths.serviceEntry[name]], {
          logPath: paths.serviceLog[name],
          env: envs[name],
          cwd: paths.root,
        });
        children.set(name, child);
      }
    } catch (err) {
      await Promise.all(
        [...children.values()].map((child) => stopChildProcess(child, { signal: 'SIGKILL' })),
      );
      throw err;
    }
    return new DemoServices(children, paths);
  }

  /** SIGTERM to every service at once; each gets SERVICE_STOP_TIMEOUT_MS before SIGKILL. Names those that had to be killed. */
  async stop(): Promise<ServiceName[]> {
    this.stopping = true;
    const killed: ServiceName[] = [];
    await Promise.all(
      [...this.children].map(async ([name, child]) => {
        if (!(await stopChildProcess(child, { timeoutMs: SERVICE_STOP_TIMEOUT_MS }))) killed.push(name);
      }),
    );
    return killed;
  }
}
