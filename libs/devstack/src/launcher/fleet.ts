import { join } from 'node:path';
import { findFreePort } from '../free-port';
import { type FleetStore, type FleetWiring, fleetServiceEnv, gatewayUrlOf, inheritedServiceEnv } from './fleet-env';
import type { RestartPolicy } from './restart-backoff';
import { type FleetRole, SERVICE_READY_TIMEOUT_MS, ServiceProcess, type ServiceSpec } from './service-process';

/** Options of startFleet. */
export interface FleetOptions {
  /** The repository root: the services run from its dist/ folder. */
  root: string;
  /** Folder of the service logs (<name>.log, appended). */
  logsDir: string;
  configFile: string;
  redisUrl: string;
  redisPrefix?: string;
  store: FleetStore;
  softHsmConf?: string;
  /** Gateway listener; default 127.0.0.1 and a free port. */
  gatewayHost?: string;
  gatewayPort?: number;
  /** Signer processes on the same queue (default 1). */
  signers?: number;
  webhookAllowPrivateTargets?: string;
  /** Inherited environment (default process.env without FleetSign's own variables). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Extra settings per role, applied last. */
  roleEnv?: Partial<Record<FleetRole, NodeJS.ProcessEnv>>;
  /** Node.js options per role, e.g. --cpu-prof for the signers. */
  nodeArgs?: Partial<Record<FleetRole, readonly string[]>>;
  /** Supervise: restart a service that dies, with backoff. Without it a death rejects `failure`. */
  restart?: RestartPolicy;
  /** Called after a service was restarted. */
  onRestart?: (service: ServiceProcess) => void;
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

/** One line of a process listing (DIR/run/processes.json of `fleetsign serve`). */
export interface FleetProcessInfo {
  role: FleetRole;
  name: string;
  pid: number;
  port?: number;
  restarts: number;
  log: string;
}

/** A running gateway, signer(s) and notifier. */
export interface Fleet {
  gatewayUrl: string;
  gateway: ServiceProcess;
  signers: ServiceProcess[];
  notifier: ServiceProcess;
  /** Every service, gateway first. */
  services: ServiceProcess[];
  /** Rejects once a service dies and is not restarted (race every wait with it). */
  failure: Promise<never>;
  /** Role, pid and port of every service as it runs now. */
  describe(): FleetProcessInfo[];
  /** Stops the gateway first (no new jobs), then the rest; names the services that had to be SIGKILLed. Safe to call twice. */
  stop(timeoutMs?: number): Promise<string[]>;
}

/** Path of a service's built entry point (`npm run build` makes it). */
export function builtServiceEntry(root: string, role: FleetRole): string {
  return join(root, 'dist', 'apps', role, 'apps', role, 'src', 'main.js');
}

async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await findFreePort();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

function specsOf(options: FleetOptions, wiring: FleetWiring): ServiceSpec[] {
  const base = options.baseEnv ?? inheritedServiceEnv(process.env);
  const spec = (role: FleetRole, name: string, readyUrl: string, port: number, signerIndex = 0): ServiceSpec => ({
    role,
    name,
    entry: builtServiceEntry(options.root, role),
    env: { ...fleetServiceEnv(role, wiring, base, signerIndex), ...options.roleEnv?.[role] },
    logPath: join(options.logsDir, `${name}.log`),
    cwd: options.root,
    nodeArgs: options.nodeArgs?.[role],
    readyUrl,
    port,
  });
  const local = (port: number) => `http://127.0.0.1:${port}/healthz`;
  return [
    spec('gateway', 'gateway', `${gatewayUrlOf(wiring)}/readyz`, wiring.gatewayPort),
    ...wiring.signerMetricsPorts.map((port, index) =>
      spec('signer', index === 0 ? 'signer' : `signer-${index + 1}`, local(port), port, index),
    ),
    spec('notifier', 'notifier', local(wiring.notifierMetricsPort), wiring.notifierMetricsPort),
  ];
}

/**
 * Starts the built gateway, signer(s) and notifier as child processes wired to one
 * Redis, store and configuration, each logging to its own file, and resolves once every
 * one answers its readiness URL (bounded). If one fails to start, the others are stopped.
 */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const signerCount = options.signers ?? 1;
  const [gatewayPort, notifierMetricsPort, ...signerMetricsPorts] = await freePorts(signerCount + 2);
  const wiring: FleetWiring = {
    configFile: options.configFile,
    redisUrl: options.redisUrl,
    redisPrefix: options.redisPrefix,
    store: options.store,
    softHsmConf: options.softHsmConf,
    gatewayHost: options.gatewayHost ?? '127.0.0.1',
    gatewayPort: options.gatewayPort ?? gatewayPort,
    signerMetricsPorts,
    notifierMetricsPort,
    webhookAllowPrivateTargets: options.webhookAllowPrivateTargets,
  };
  const supervision = { restart: options.restart, onRestart: options.onRestart };
  const services: ServiceProcess[] = [];
  const stopAll = async (timeoutMs?: number): Promise<string[]> => {
    const [gateway, ...rest] = services;
    const killed: string[] = [];
    const stopOne = async (service: ServiceProcess) => {
      if (!(await service.stop(timeoutMs))) killed.push(service.name);
    };
    if (gateway) await stopOne(gateway);
    await Promise.all(rest.map(stopOne));
    return killed;
  };
  try {
    for (const spec of specsOf(options, wiring)) services.push(await ServiceProcess.start(spec, supervision));
    const failure = Promise.race(services.map((service) => service.failure));
    failure.catch(() => undefined);
    const readyTimeoutMs = options.readyTimeoutMs ?? SERVICE_READY_TIMEOUT_MS;
    await Promise.race([
      Promise.all(services.map((service) => service.waitReady(readyTimeoutMs, options.signal))),
      failure,
    ]);
    let stopping: Promise<string[]> | undefined;
    return {
      gatewayUrl: gatewayUrlOf(wiring),
      gateway: services[0],
      signers: services.slice(1, 1 + signerCount),
      notifier: services[services.length - 1],
      services,
      failure,
      describe: () =>
        services.map((service) => ({
          role: service.spec.role,
          name: service.name,
          pid: service.pid,
          port: service.spec.port,
          restarts: service.restarts,
          log: service.spec.logPath,
        })),
      stop(timeoutMs) {
        stopping ??= stopAll(timeoutMs);
        return stopping;
      },
    };
  } catch (err) {
    await stopAll(5_000);
    throw err;
  }
}
