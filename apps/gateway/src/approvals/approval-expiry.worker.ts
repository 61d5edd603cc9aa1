import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { type FleetSignWorker, QueueName, createWorker } from '@fleetsign/queue';
import type { Redis } from 'ioredis';
import { GatewaySettings } from '../core/gateway-settings';
import { WORKER_REDIS } from '../core/gateway.tokens';
import { ApprovalsService } from './approvals.service';

/** Expiry jobs handled at once per gateway (each is a few Redis calls, or one batch's enqueue). */
const APPROVAL_WORKER_CONCURRENCY = 2;

/**
 * Runs the `approval` queue in the gateway: each held job or batch has one delayed job
 * due at its expiry. It expires the approval when still pending (APPROVAL_EXPIRED) and
 * finishes one that is over but was never enqueued. Redis keeps the delayed jobs, so
 * expiry fires across gateway restarts; any gateway process may take it.
 */
@Injectable()
export class ApprovalExpiryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ApprovalExpiry');
  private worker?: FleetSignWorker<QueueName.Approval>;

  constructor(
    @Inject(WORKER_REDIS) private readonly connection: Redis,
    private readonly settings: GatewaySettings,
    private readonly approvals: ApprovalsService,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = createWorker(
      QueueName.Approval,
      async (job) => ({ state: await this.expireOne(job.data.approvalId, job.data.tenant) }),
      { connection: this.connection, prefix: this.settings.prefix, concurrency: APPROVAL_WORKER_CONCURRENCY },
    );
    this.worker.on('error', (err: Error) => this.logger.warn(`approval worker: ${err.message}`));
  }

  private async expireOne(id: string, tenant: string) {
    const state = await this.approvals.expire(id, tenant);
    if (state === 'missing') return 'expired' as const;
    // Due by the worker's clock but not yet by the script's: BullMQ retries it shortly.
    if (state === 'pending') throw new Error(`approval ${id} is not due yet`);
    if (state === 'expired') this.logger.log(`approval ${id} expired`);
    return state;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
