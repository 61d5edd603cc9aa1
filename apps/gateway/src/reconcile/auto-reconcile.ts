import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { isFleetSignError, ErrorCode } from '@fleetsign/errors';
import type { Redis } from 'ioredis';
import { REDIS } from '../core/gateway.tokens';
import { Reconciler } from './reconciler';

/** How often a running gateway looks for the state marker (a wipe without a reconnect, e.g. FLUSHALL). */
export const STATE_CHECK_INTERVAL_MS = 30_000;

/**
 * Runs the reconcile step by itself when Redis lacks the state marker: at start-up (a
 * new deployment, or one whose Redis was lost while the gateway was down), after every
 * reconnect (failover) and every {@link STATE_CHECK_INTERVAL_MS}. One check at a time;
 * a failed run is tried again by the next check.
 */
@Injectable()
export class AutoReconcile implements OnApplicationShutdown {
  private readonly logger = new Logger('Reconcile');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly onReady = () => void this.check();

  constructor(
    private readonly reconciler: Reconciler,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** Starts watching; called once the gateway listens (the fs store's URLs need its address). */
  start(): void {
    this.redis.on('ready', this.onReady);
    this.timer = setInterval(() => void this.check(), STATE_CHECK_INTERVAL_MS);
    this.timer.unref();
    void this.check();
  }

  /** One check (and run when needed); resolves when it is done. Concurrent calls share it. */
  check(): Promise<void> {
    this.running ??= this.checkOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async checkOnce(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    try {
      if (await this.reconciler.stateIntact()) return;
      this.logger.warn('Redis lacks the state marker (a new deployment, or Redis lost its data): reconciling from the object store');
      await this.reconciler.run();
    } catch (err) {
      if (isFleetSignError(err, ErrorCode.ReconcileRunning)) return;
      this.logger.error(`reconcile failed (${(err as Error).message}); the next check tries again, or run \`fleetsign admin reconcile\``);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
    await this.running;
  }
}
