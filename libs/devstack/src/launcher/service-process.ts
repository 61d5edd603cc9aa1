import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { exitOf, hasExited, spawnLogged, stopChildProcess } from '../child-process';
import { DevStackError } from '../devstack-error';
import { pollUntil } from '../poll';
import { type RestartPolicy, restartDelayMs } from './restart-backoff';

/** The FleetSign services, by the name of their app folder. */
export const FLEET_ROLES = ['gateway', 'signer', 'notifier'] as const;
export type FleetRole = (typeof FLEET_ROLES)[number];

/** One service process to run: `node [nodeArgs] entry` with `env`, output appended to `logPath`. */
export interface ServiceSpec {
  role: FleetRole;
  /** Unique within a fleet, e.g. `signer` or `signer-2`; names the log file. */
  name: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  logPath: string;
  cwd: string;
  nodeArgs?: readonly string[];
  /** URL that answers 200 once the service is ready (gateway /readyz, signer and notifier /healthz). */
  readyUrl?: string;
  /** The port the service listens on (HTTP API or metrics), for process listings. */
  port?: number;
}

/** Supervision of one service: restart with backoff when it dies, else report the death. */
export interface SupervisionOptions {
  restart?: RestartPolicy;
  /** Called after each restart (the pid changed). */
  onRestart?: (service: ServiceProcess) => void;
}

/** How long a service gets to answer its readiness URL after it was started. */
export const SERVICE_READY_TIMEOUT_MS = 60_000;

/** A service child process; with a restart policy it is restarted whenever it dies until stop(). */
export class ServiceProcess {
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;
  private respawning?: Promise<void>;
  private quickFailures = 0;
  private startedAt = Date.now();
  private rejectFailure!: (err: DevStackError) => void;
  /** Restarts so far. */
  restarts = 0;
  /** Rejects when the service dies before stop() and is not restarted (no restart policy, or a restart failed to spawn). */
  readonly failure: Promise<never>;

  private constructor(
    readonly spec: ServiceSpec,
    private child: ChildProcess,
    private readonly supervision: SupervisionOptions,
  ) {
    this.failure = new Promise<never>((_, reject) => (this.rejectFailure = reject));
    // Nobody may be waiting on it at the moment the service dies.
    this.failure.catch(() => undefined);
    this.watch(child);
  }

  /** Starts the process and resolves once the OS has started it (DevStackError when the entry is not built). */
  static async start(spec: ServiceSpec, supervision: SupervisionOptions = {}): Promise<ServiceProcess> {
    if (!existsSync(spec.entry)) throw new DevStackError(`${spec.entry} is missing: run npm run build`);
    return new ServiceProcess(spec, await ServiceProcess.spawn(spec), supervision);
  }

  private static spawn(spec: ServiceSpec): Promise<ChildProcess> {
    return spawnLogged(process.execPath, [...(spec.nodeArgs ?? []), spec.entry], {
      logPath: spec.logPath,
      env: spec.env,
      cwd: spec.cwd,
    });
  }

  get name(): string {
    return this.spec.name;
  }

  /** The current process id (the node process itself). */
  get pid(): number {
    if (this.child.pid === undefined) throw new DevStackError(`the ${this.name} has no pid`);
    return this.child.pid;
  }

  /** The current child process. */
  get process(): ChildProcess {
    return this.child;
  }

  private watch(child: ChildProcess): void {
    void exitOf(child).then(({ code, signal }) => {
      if (this.stopping || child !== this.child) return;
      const how = code !== null ? `exit code ${code}` : `signal ${signal}`;
      if (!this.supervision.restart) {
        this.rejectFailure(new DevStackError(`the ${this.name} exited unexpectedly (${how})`, this.spec.logPath));
        return;
      }
      this.scheduleRestart(this.supervision.restart);
    });
  }

  private scheduleRestart(policy: RestartPolicy): void {
    const ranMs = Date.now() - this.startedAt;
    this.quickFailures = ranMs >= policy.stableAfterMs ? 1 : this.quickFailures + 1;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.respawning = this.respawn();
    }, restartDelayMs(policy, this.quickFailures));
  }

  private async respawn(): Promise<void> {
    if (this.stopping) return;
    try {
      this.child = await ServiceProcess.spawn(this.spec);
    } catch (err) {
      this.rejectFailure(new DevStackError(`cannot restart the ${this.name}: ${(err as Error).message}`, this.spec.logPath));
      return;
    }
    this.startedAt = Date.now();
    this.restarts++;
    this.watch(this.child);
    this.supervision.onRestart?.(this);
  }

  /** Waits (bounded) until the readiness URL answers 200; fails at once, naming the log, if the process exits. */
  async waitReady(timeoutMs = SERVICE_READY_TIMEOUT_MS, signal?: AbortSignal): Promise<void> {
    const url = this.spec.readyUrl;
    if (!url) return;
    const outcome = await pollUntil(
      async () => {
        if (hasExited(this.child)) return 'exited';
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        return response.status === 200 ? 'ready' : undefined;
      },
      { timeoutMs, intervalMs: 100, description: `the ${this.name} to answer ${url}`, signal },
    ).catch((err: unknown) => {
      throw signal?.aborted ? err : new DevStackError((err as Error).message, this.spec.logPath);
    });
    if (outcome === 'exited') {
      throw new DevStackError(`the ${this.name} exited before it was ready`, this.spec.logPath);
    }
  }

  /** SIGKILLs the current process (a crash, for tests) and resolves once it is gone. */
  async kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    child.kill('SIGKILL');
    return exitOf(child);
  }

  /** Ends supervision, then SIGTERM and SIGKILL after `timeoutMs`; resolves true when it stopped on SIGTERM. */
  async stop(timeoutMs = 15_000): Promise<boolean> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.respawning;
    return stopChildProcess(this.child, { timeoutMs });
  }
}
